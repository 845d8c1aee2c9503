// The user's settings: profile, password, API keys, personas, theme, and how answers are shown.
import { useEffect, useId, useState } from 'react'
import { Link } from 'react-router'
import { api } from '../api/client'
import type { ApiKey } from '../api/types'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { Icon } from '../components/Icon'
import { Spinner } from '../components/Spinner'
import { copyText } from '../lib/clipboard'
import { cn } from '../lib/cn'
import { useAuth } from '../stores/auth'
import { useDisplay, type DisplayOptions } from '../stores/display'
import { defaultPersona, splitPersonas, usePersonas } from '../stores/personas'
import { useTheme, type ThemePreference } from '../stores/theme'
import { LoadFailed } from '../components/LoadState'
import { errorText } from '../lib/errors'

const field =
  'w-full rounded-lg border border-line bg-canvas px-3 py-2 text-sm text-fg placeholder:text-subtle focus:border-line-strong focus:outline-none focus-visible:outline-2 focus-visible:outline-offset-0'
const primary =
  'inline-flex items-center justify-center gap-1.5 rounded-lg bg-accent px-3.5 py-2 text-sm font-medium text-white hover:bg-accent-hover disabled:opacity-50'

function when(at: string | null | undefined): string {
  if (!at) return 'never'
  const date = new Date(at)
  return Number.isNaN(date.getTime())
    ? at
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

function Section({
  title,
  description,
  children,
}: {
  title: string
  description?: string
  children: React.ReactNode
}) {
  const id = useId()
  return (
    <section aria-labelledby={id} className="rounded-2xl border border-line p-4 md:p-5">
      <h3 id={id} className="text-base font-semibold">
        {title}
      </h3>
      {description && <p className="mt-0.5 text-sm text-muted">{description}</p>}
      <div className="mt-4">{children}</div>
    </section>
  )
}

function Profile() {
  const user = useAuth((s) => s.user)
  return (
    <Section title="Profile">
      <dl className="grid gap-3 text-sm sm:grid-cols-[8rem_1fr]">
        <dt className="text-muted">Name</dt>
        <dd data-testid="profile-name" className="font-medium [overflow-wrap:anywhere]">
          {user?.display_name || '—'}
        </dd>
        <dt className="text-muted">Email</dt>
        <dd data-testid="profile-email" className="font-medium [overflow-wrap:anywhere]">
          {user?.email}
        </dd>
      </dl>
    </Section>
  )
}

function PasswordForm() {
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null)
  const currentId = useId()
  const nextId = useId()

  const submit = async (event: React.FormEvent) => {
    event.preventDefault()
    if (next.length < 8) {
      setOutcome({ ok: false, text: 'The new password needs at least 8 characters.' })
      return
    }
    setBusy(true)
    setOutcome(null)
    try {
      await api.changePassword({ current_password: current, new_password: next })
      setCurrent('')
      setNext('')
      setOutcome({ ok: true, text: 'Your password was changed.' })
    } catch (error) {
      setOutcome({ ok: false, text: errorText(error) })
    } finally {
      setBusy(false)
    }
  }

  return (
    <Section title="Password">
      <form onSubmit={(event) => void submit(event)} className="grid gap-3 sm:max-w-sm">
        <div>
          <label htmlFor={currentId} className="mb-1 block text-sm font-medium">
            Current password
          </label>
          <input
            id={currentId}
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(event) => setCurrent(event.target.value)}
            data-testid="current-password"
            className={field}
          />
        </div>
        <div>
          <label htmlFor={nextId} className="mb-1 block text-sm font-medium">
            New password
          </label>
          <input
            id={nextId}
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            value={next}
            onChange={(event) => setNext(event.target.value)}
            data-testid="new-password"
            aria-describedby={`${nextId}-hint`}
            className={field}
          />
          <p id={`${nextId}-hint`} className="mt-1 text-xs text-subtle">
            At least 8 characters.
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <button type="submit" disabled={busy} data-testid="change-password" className={primary}>
            Change password
          </button>
          {outcome && (
            <p
              role={outcome.ok ? 'status' : 'alert'}
              data-testid="password-outcome"
              className={cn('text-sm', outcome.ok ? 'text-[#1a7341] dark:text-[#5fd08f]' : 'text-danger')}
            >
              {outcome.text}
            </p>
          )}
        </div>
      </form>
    </Section>
  )
}

function ApiKeys() {
  const [keys, setKeys] = useState<ApiKey[]>([])
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading')
  const [name, setName] = useState('')
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null)
  const [copied, setCopied] = useState(false)
  const [revoking, setRevoking] = useState<ApiKey | null>(null)
  const nameId = useId()
  const keyId = useId()

  const load = async () => {
    setStatus('loading')
    try {
      setKeys(await api.apiKeys())
      setStatus('ready')
    } catch {
      setStatus('error')
    }
  }
  useEffect(() => {
    void load()
  }, [])

  const create = async (event: React.FormEvent) => {
    event.preventDefault()
    const words = name.trim()
    if (!words) return
    setBusy(true)
    setProblem(null)
    try {
      const made = await api.createApiKey(words)
      setCreated({ name: made.info.name, key: made.key })
      setCopied(false)
      setKeys((all) => [made.info, ...all.filter((k) => k.id !== made.info.id)])
      setName('')
    } catch (error) {
      setProblem(errorText(error))
    } finally {
      setBusy(false)
    }
  }

  const revoke = async () => {
    if (!revoking) return
    const key = revoking
    setRevoking(null)
    try {
      await api.revokeApiKey(key.id)
      setKeys((all) => all.filter((k) => k.id !== key.id))
      setProblem(null)
    } catch (error) {
      setProblem(errorText(error))
    }
  }

  return (
    <Section
      title="API keys"
      description="Programs use a key to act as you, sent as “Authorization: Bearer”."
    >
      <form onSubmit={(event) => void create(event)} className="flex flex-col gap-2 sm:flex-row sm:items-end">
        <div className="min-w-0 flex-1">
          <label htmlFor={nameId} className="mb-1 block text-sm font-medium">
            New key’s name
          </label>
          <input
            id={nameId}
            value={name}
            onChange={(event) => setName(event.target.value)}
            placeholder="e.g. laptop script"
            maxLength={100}
            data-testid="new-key-name"
            className={field}
          />
        </div>
        <button type="submit" disabled={busy || !name.trim()} data-testid="create-key" className={primary}>
          <Icon name="plus" size={16} />
          Create key
        </button>
      </form>

      {problem && (
        <p role="alert" className="mt-3 text-sm text-danger">
          {problem}
        </p>
      )}

      {created && (
        <div
          role="status"
          className="mt-4 rounded-xl border border-accent/40 bg-accent-soft p-3.5 text-sm"
          data-testid="new-key"
        >
          <label htmlFor={keyId} className="block font-medium text-accent-text">
            “{created.name}” was created. Copy the key now: you will not see it again.
          </label>
          <div className="mt-2 flex gap-2">
            <input
              id={keyId}
              readOnly
              value={created.key}
              data-testid="new-key-value"
              onFocus={(event) => event.target.select()}
              className={cn(field, 'font-mono text-xs')}
            />
            <button
              type="button"
              data-testid="copy-key"
              onClick={() => void copyText(created.key).then((ok) => setCopied(ok))}
              className="inline-flex shrink-0 items-center gap-1.5 rounded-lg border border-line-strong bg-canvas px-3 py-2 text-sm font-medium hover:bg-surface"
            >
              <Icon name={copied ? 'check' : 'copy'} size={15} />
              {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
          <button
            type="button"
            onClick={() => setCreated(null)}
            className="mt-2 text-xs font-medium text-muted underline hover:text-fg"
          >
            I have saved it
          </button>
        </div>
      )}

      <div className="mt-4">
        {status === 'loading' && <Spinner label="Loading API keys" />}
        {status === 'error' && (
          <LoadFailed what="your keys" onRetry={() => void load()} className="text-sm text-muted" />
        )}
        {status === 'ready' && keys.length === 0 && <p className="text-sm text-subtle">No API keys yet.</p>}
        {keys.length > 0 && (
          <ul className="divide-y divide-line rounded-xl border border-line" aria-label="Your API keys">
            {keys.map((key) => (
              <li key={key.id} data-testid="key-row" className="flex items-center gap-3 px-3.5 py-2.5">
                <div className="min-w-0 flex-1">
                  <div className="flex flex-wrap items-baseline gap-x-2">
                    <span className="truncate text-sm font-medium">{key.name}</span>
                    <code className="text-xs text-subtle">{key.prefix}…</code>
                  </div>
                  <p className="text-xs text-subtle">
                    Created {when(key.created_at)} · last used {when(key.last_used_at)}
                  </p>
                </div>
                <button
                  type="button"
                  data-testid="revoke-key"
                  aria-label={`Revoke ${key.name}`}
                  onClick={() => setRevoking(key)}
                  className="shrink-0 rounded-lg border border-line px-2.5 py-1.5 text-xs font-medium text-danger hover:border-danger-line hover:bg-danger-soft"
                >
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>

      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this key?"
        body={<>Programs using “{revoking?.name}” will no longer be able to sign in with it.</>}
        confirmLabel="Revoke"
        danger
        onConfirm={() => void revoke()}
        onCancel={() => setRevoking(null)}
      />
    </Section>
  )
}

function Personas() {
  const items = usePersonas((s) => s.items)
  const status = usePersonas((s) => s.status)
  const load = usePersonas((s) => s.load)
  useEffect(() => {
    void load()
  }, [load])
  const fallback = defaultPersona(items)
  const { own } = splitPersonas(items)
  return (
    <Section
      title="Personas"
      description="System prompts with their own model and temperature, picked per chat."
    >
      <div className="flex flex-col gap-3 sm:flex-row sm:items-center">
        <p className="min-w-0 flex-1 text-sm text-muted" data-testid="settings-default-persona">
          {status === 'ready' ? (
            <>
              New chats use{' '}
              <span className="font-medium text-fg [overflow-wrap:anywhere]">
                {fallback ? `“${fallback.name}”` : 'Gantry’s own instructions'}
              </span>
              . You have{' '}
              {own.length === 0 ? 'no personas' : own.length === 1 ? 'one persona' : `${own.length} personas`}{' '}
              of your own.
            </>
          ) : status === 'error' ? (
            'Your personas could not be loaded.'
          ) : (
            'Loading your personas…'
          )}
        </p>
        <Link
          to="/personas"
          data-testid="settings-personas-link"
          className="inline-flex shrink-0 items-center justify-center gap-1.5 self-start rounded-lg border border-line px-3.5 py-2 text-sm font-medium hover:bg-surface sm:self-auto"
        >
          <Icon name="persona" size={16} />
          Manage personas
        </Link>
      </div>
    </Section>
  )
}

const THEMES: Array<{ value: ThemePreference; label: string }> = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
]

function Appearance() {
  const preference = useTheme((s) => s.preference)
  const setPreference = useTheme((s) => s.setPreference)
  return (
    <Section title="Theme">
      <fieldset>
        <legend className="sr-only">Colour theme</legend>
        <div className="inline-flex rounded-lg border border-line p-0.5">
          {THEMES.map((theme) => (
            <label
              key={theme.value}
              className={cn(
                'cursor-pointer rounded-md px-3 py-1.5 text-sm font-medium has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-accent',
                preference === theme.value ? 'bg-accent-soft text-accent-text' : 'text-muted hover:text-fg',
              )}
            >
              <input
                type="radio"
                name="theme"
                value={theme.value}
                checked={preference === theme.value}
                onChange={() => setPreference(theme.value)}
                data-testid={`theme-${theme.value}`}
                className="sr-only"
              />
              {theme.label}
            </label>
          ))}
        </div>
      </fieldset>
    </Section>
  )
}

const OPTIONS: Array<{ key: keyof DisplayOptions; label: string; hint: string }> = [
  { key: 'showTimestamps', label: 'Show timestamps', hint: 'When each answer was written.' },
  { key: 'showUsage', label: 'Show token usage', hint: 'Prompt and answer tokens.' },
  { key: 'showSpeed', label: 'Show generation speed', hint: 'Tokens per second, for answers streamed here.' },
]

function ChatDisplay() {
  const display = useDisplay()
  return (
    <Section title="Chat display" description="Shown under each answer. Kept in this browser.">
      <ul className="space-y-3">
        {OPTIONS.map((option) => (
          <li key={option.key}>
            <label className="flex cursor-pointer items-start gap-3">
              <input
                type="checkbox"
                checked={display[option.key]}
                onChange={(event) => display.set(option.key, event.target.checked)}
                data-testid={`display-${option.key}`}
                className="mt-0.5 size-4 accent-[var(--accent)]"
              />
              <span>
                <span className="block text-sm font-medium">{option.label}</span>
                <span className="block text-xs text-subtle">{option.hint}</span>
              </span>
            </label>
          </li>
        ))}
      </ul>
    </Section>
  )
}

export default function SettingsPage() {
  return (
    <div className="scrollbar-thin flex-1 overflow-y-auto" data-testid="settings-page">
      <div className="mx-auto w-full max-w-3xl space-y-5 px-4 py-6 md:px-6 md:py-8">
        <div>
          <h2 className="text-xl font-semibold tracking-tight">Settings</h2>
          <p className="mt-1 text-sm text-muted">Your account, keys and how Gantry looks.</p>
        </div>
        <Profile />
        <PasswordForm />
        <ApiKeys />
        <Personas />
        <Appearance />
        <ChatDisplay />
      </div>
    </div>
  )
}
