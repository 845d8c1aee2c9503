// The admin's pages: users, personas, model backends, usage, export and audit, health; a
// tab each, under /admin/…, each loaded when first opened. A non-admin gets a message.
import { lazy, Suspense, useEffect, useRef } from 'react'
import { Navigate, NavLink, Route, Routes, useLocation } from 'react-router'
import { Icon, type IconName } from '../../components/Icon'
import { Loading } from '../../components/LoadState'
import { cn } from '../../lib/cn'
import { useAuth } from '../../stores/auth'
import { Forbidden } from './ui'

const UsersTab = lazy(() => import('./UsersTab'))
const PersonasTab = lazy(() => import('./PersonasTab'))
const BackendsTab = lazy(() => import('./BackendsTab'))
const UsageTab = lazy(() => import('./UsageTab'))
const AuditTab = lazy(() => import('./AuditTab'))
const HealthTab = lazy(() => import('./HealthTab'))

const TABS: Array<{ path: string; label: string; icon: IconName }> = [
  { path: 'users', label: 'Users', icon: 'users' },
  { path: 'personas', label: 'Personas', icon: 'persona' },
  { path: 'models', label: 'Models', icon: 'server' },
  { path: 'usage', label: 'Usage', icon: 'chart' },
  { path: 'audit', label: 'Export & audit', icon: 'download' },
  { path: 'health', label: 'Health', icon: 'heart' },
]

export default function AdminPage() {
  const user = useAuth((s) => s.user)
  const isAdmin = user?.role === 'admin'
  const tabs = useRef<HTMLUListElement>(null)
  const { pathname } = useLocation()

  // At phone width the tabs scroll sideways: keep the current one in view.
  useEffect(() => {
    const reveal = () => {
      const list = tabs.current
      const current = list?.querySelector<HTMLElement>('[aria-current="page"]')
      if (!list || !current) return
      const left = current.offsetLeft - list.offsetLeft
      if (left < list.scrollLeft || left + current.offsetWidth > list.scrollLeft + list.clientWidth) {
        list.scrollTo({ left: Math.max(0, left - 16) })
      }
    }
    reveal()
    window.addEventListener('resize', reveal)
    return () => window.removeEventListener('resize', reveal)
  }, [pathname])

  return (
    <div className="scrollbar-thin flex-1 overflow-y-auto" data-testid="admin-page">
      <div className="mx-auto w-full max-w-5xl px-4 pb-10 pt-5 md:px-6 md:pt-7">
        <div>
          <h2 className="text-xl font-semibold tracking-tight">Administration</h2>
          <p className="mt-1 text-sm text-muted">
            Accounts, personas, models and the state of this Gantry server.
          </p>
        </div>
        {!isAdmin ? (
          <Forbidden />
        ) : (
          <>
            <nav
              aria-label="Admin sections"
              className="sticky top-0 z-10 -mx-4 mt-4 border-b border-line bg-canvas/95 px-4 backdrop-blur md:-mx-6 md:px-6"
            >
              <ul ref={tabs} className="scrollbar-thin -mb-px flex gap-1 overflow-x-auto">
                {TABS.map((tab) => (
                  <li key={tab.path} className="shrink-0">
                    <NavLink
                      to={`/admin/${tab.path}`}
                      data-testid={`admin-tab-${tab.path}`}
                      className={({ isActive }) =>
                        cn(
                          'flex items-center gap-1.5 whitespace-nowrap border-b-2 px-2.5 py-2.5 text-sm font-medium transition-colors',
                          isActive
                            ? 'border-accent text-accent-text'
                            : 'border-transparent text-muted hover:border-line-strong hover:text-fg',
                        )
                      }
                    >
                      <Icon name={tab.icon} size={16} />
                      {tab.label}
                    </NavLink>
                  </li>
                ))}
              </ul>
            </nav>
            <div className="mt-5">
              <Suspense fallback={<Loading label="Loading" />}>
                <Routes>
                  <Route index element={<Navigate to="/admin/users" replace />} />
                  <Route path="users" element={<UsersTab />} />
                  <Route path="personas" element={<PersonasTab />} />
                  <Route path="models" element={<BackendsTab />} />
                  <Route path="usage" element={<UsageTab />} />
                  <Route path="audit" element={<AuditTab />} />
                  <Route path="health" element={<HealthTab />} />
                  <Route path="*" element={<Navigate to="/admin/users" replace />} />
                </Routes>
              </Suspense>
            </div>
          </>
        )}
      </div>
    </div>
  )
}
