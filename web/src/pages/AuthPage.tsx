// First-run setup (the first admin) and sign-in: one form, two modes.
import { useId, useState, type FormEvent } from 'react'
import { ApiError } from '../api/client'
import { Logo } from '../components/Icon'
import { ThemeToggle } from '../components/ThemeToggle'
import { useAuth } from '../stores/auth'

type Mode = 'setup' | 'login'

const inputClass =
  'mt-1.5 block w-full rounded-lg border border-line-strong bg-canvas px-3 py-2.5 text-[0.9375rem] text-fg placeholder:text-subtle transition-colors focus:border-accent focus:outline-none focus-visible:outline-2 focus-visible:outline-offset-0'

export default function AuthPage({ mode }: { mode: Mode }) {
  const setup = useAuth((s) => s.setup)
  const login = useAuth((s) => s.login)
  const [email, setEmail] = useState('')
  const [displayName, setDisplayName] = useState('')
  const [password, setPassword] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<{ message: string; field: string | null } | null>(null)
  const ids = { email: useId(), name: useId(), password: useId(), error: useId(), hint: useId() }

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      if (mode === 'setup') await setup({ email, display_name: displayName, password })
      else await login({ email, password })
      // Signed in: the route sends the user on to where they were going.
    } catch (caught) {
      if (caught instanceof ApiError) {
        const message =
          caught.status === 401 && mode === 'login'
            ? 'That email and password do not match an account.'
            : caught.message
        setError({ message, field: caught.field })
      } else {
        setError({ message: 'Something went wrong. Try again.', field: null })
      }
    } finally {
      setBusy(false)
    }
  }

  const invalid = (field: string) => (error?.field === field ? true : undefined)

  return (
    <div className="flex min-h-full flex-col bg-sidebar">
      <header className="flex justify-end p-3">
        <ThemeToggle />
      </header>
      <main className="flex flex-1 items-start justify-center px-4 pb-16 pt-[6vh]">
        <div className="w-full max-w-sm">
          <div className="mb-8 flex flex-col items-center text-center">
            <Logo size={44} />
            <h1 className="mt-5 text-2xl font-semibold tracking-tight">
              {mode === 'setup' ? 'Welcome to Gantry' : 'Sign in to Gantry'}
            </h1>
            <p className="mt-2 text-sm text-muted">
              {mode === 'setup'
                ? 'Create the administrator account to finish setting up.'
                : 'Your self-hosted assistant. Sign in to continue.'}
            </p>
          </div>
          <form
            onSubmit={submit}
            noValidate={false}
            aria-describedby={error ? ids.error : undefined}
            className="rounded-2xl border border-line bg-canvas p-6 shadow-soft"
          >
            {error && (
              <div
                id={ids.error}
                role="alert"
                className="mb-5 rounded-lg border border-danger-line bg-danger-soft px-3 py-2.5 text-sm text-danger"
              >
                {error.message}
              </div>
            )}
            {mode === 'setup' && (
              <div className="mb-4">
                <label htmlFor={ids.name} className="text-sm font-medium">
                  Your name
                </label>
                <input
                  id={ids.name}
                  data-testid="display-name"
                  className={inputClass}
                  value={displayName}
                  onChange={(e) => setDisplayName(e.target.value)}
                  autoComplete="name"
                  required
                  aria-invalid={invalid('display_name')}
                  placeholder="Ada Lovelace"
                  autoFocus
                />
              </div>
            )}
            <div className="mb-4">
              <label htmlFor={ids.email} className="text-sm font-medium">
                Email
              </label>
              <input
                id={ids.email}
                data-testid="email"
                type="email"
                className={inputClass}
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                autoComplete={mode === 'setup' ? 'username' : 'email'}
                required
                aria-invalid={invalid('email')}
                placeholder="you@example.com"
                autoFocus={mode === 'login'}
              />
            </div>
            <div className="mb-6">
              <label htmlFor={ids.password} className="text-sm font-medium">
                Password
              </label>
              <input
                id={ids.password}
                data-testid="password"
                type="password"
                className={inputClass}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                autoComplete={mode === 'setup' ? 'new-password' : 'current-password'}
                required
                minLength={mode === 'setup' ? 8 : undefined}
                aria-invalid={invalid('password')}
                aria-describedby={mode === 'setup' ? ids.hint : undefined}
              />
              {mode === 'setup' && (
                <p id={ids.hint} className="mt-1.5 text-xs text-muted">
                  At least 8 characters.
                </p>
              )}
            </div>
            <button
              type="submit"
              data-testid="submit"
              disabled={busy}
              className="flex w-full items-center justify-center rounded-lg bg-accent px-4 py-2.5 text-sm font-semibold text-white transition-colors hover:bg-accent-hover disabled:opacity-60"
            >
              {busy
                ? mode === 'setup'
                  ? 'Creating account…'
                  : 'Signing in…'
                : mode === 'setup'
                  ? 'Create account'
                  : 'Sign in'}
            </button>
          </form>
          {mode === 'setup' && (
            <p className="mt-6 text-center text-xs leading-relaxed text-subtle">
              This account administers the installation: it can invite people, choose models and manage
              personas.
            </p>
          )}
        </div>
      </main>
    </div>
  )
}
