// The app's shell: finds out who is signed in, then routes. Every page is loaded lazily,
// so the first download is React, the router and this file.
import { lazy, Suspense, useEffect } from 'react'
import { BrowserRouter, Navigate, Outlet, Route, Routes, useLocation } from 'react-router'
import { setUnauthorizedHandler } from './api/client'
import { Splash } from './components/Spinner'
import { useAuth } from './stores/auth'
import { watchSystemTheme } from './stores/theme'

const AuthPage = lazy(() => import('./pages/AuthPage'))
const ChatLayout = lazy(() => import('./chat/ChatLayout'))
const Welcome = lazy(() => import('./chat/Welcome'))
const ConversationView = lazy(() => import('./chat/ConversationView'))
const VaultPage = lazy(() => import('./pages/VaultPage'))
const MemoryPage = lazy(() => import('./pages/MemoryPage'))
const SettingsPage = lazy(() => import('./pages/SettingsPage'))
const PersonasPage = lazy(() => import('./pages/PersonasPage'))
const AdminPage = lazy(() => import('./pages/admin/AdminPage'))

function RequireSignedIn() {
  const status = useAuth((s) => s.status)
  const location = useLocation()
  if (status === 'needsSetup') return <Navigate to="/setup" replace />
  if (status !== 'signedIn') {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />
  }
  return <Outlet />
}

/** The setup or sign-in page while it applies; otherwise on to where the user was going. */
function AuthRoute({ mode }: { mode: 'setup' | 'login' }) {
  const status = useAuth((s) => s.status)
  const location = useLocation()
  if (mode === 'setup' && status === 'needsSetup') return <AuthPage mode="setup" />
  if (mode === 'login' && status === 'signedOut') return <AuthPage mode="login" />
  if (status === 'needsSetup') return <Navigate to="/setup" replace />
  if (status === 'signedOut') return <Navigate to="/login" replace />
  const from = (location.state as { from?: string } | null)?.from
  return <Navigate to={from?.startsWith('/') ? from : '/'} replace />
}

function Unreachable() {
  const error = useAuth((s) => s.error)
  const boot = useAuth((s) => s.boot)
  return (
    <div className="flex h-full flex-col items-center justify-center gap-4 p-6 text-center">
      <h1 className="text-lg font-semibold">Gantry is not answering</h1>
      <p className="max-w-md text-sm text-muted">{error ?? 'The server could not be reached.'}</p>
      <button
        type="button"
        onClick={() => void boot()}
        className="rounded-lg bg-accent px-4 py-2 text-sm font-medium text-white hover:bg-accent-hover"
      >
        Try again
      </button>
    </div>
  )
}

export default function App() {
  const status = useAuth((s) => s.status)

  useEffect(() => {
    setUnauthorizedHandler(() => useAuth.getState().sessionEnded())
    void useAuth.getState().boot()
    const unwatch = watchSystemTheme()
    return () => {
      setUnauthorizedHandler(null)
      unwatch()
    }
  }, [])

  if (status === 'loading') return <Splash />
  if (status === 'unreachable') return <Unreachable />

  return (
    <BrowserRouter>
      <Suspense fallback={<Splash />}>
        <Routes>
          <Route path="/setup" element={<AuthRoute mode="setup" />} />
          <Route path="/login" element={<AuthRoute mode="login" />} />
          <Route element={<RequireSignedIn />}>
            <Route element={<ChatLayout />}>
              <Route index element={<Welcome />} />
              <Route path="c/:conversationId" element={<ConversationView />} />
              <Route path="vault" element={<VaultPage />} />
              <Route path="memory" element={<MemoryPage />} />
              <Route path="settings" element={<SettingsPage />} />
              <Route path="personas" element={<PersonasPage />} />
              <Route path="admin/*" element={<AdminPage />} />
            </Route>
          </Route>
          <Route path="*" element={<Navigate to="/" replace />} />
        </Routes>
      </Suspense>
    </BrowserRouter>
  )
}
