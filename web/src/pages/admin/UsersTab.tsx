// Users: the accounts, searchable and paged; create one, change a role, disable or enable,
// rename, reset a password, set quotas, delete; and the invites, as a small section.
import { useCallback, useEffect, useId, useState } from 'react'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { Icon } from '../../components/Icon'
import { Loading, ProblemAlert } from '../../components/LoadState'
import { Menu } from '../../components/Menu'
import { Spinner } from '../../components/Spinner'
import { formatQuota, parseQuota, QUOTA_FIELDS, quotaInput, type QuotaKey } from '../../lib/adminFormat'
import { cn } from '../../lib/cn'
import { useAuth } from '../../stores/auth'
import { errorText } from '../../lib/errors'
import { adminApi } from './api'
import { InvitesCard } from './InvitesCard'
import type { QuotaOverrides, QuotaReport, Role, User } from './types'
import {
  Badge,
  Card,
  FormDialog,
  LoadError,
  Notice,
  field,
  fieldBase,
  iconButton,
  label,
  primary,
  secondary,
  small,
  smallDanger,
  selectField,
} from './ui'

const PAGE = 50

/** A password for a reset, from the browser's random source: 16 letters and digits. */
function randomPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  const bytes = new Uint8Array(16)
  crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('')
}

function NewUserForm({ onCreated, onClose }: { onCreated: (user: User) => void; onClose: () => void }) {
  const [email, setEmail] = useState('')
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [role, setRole] = useState<Role>('user')
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const ids = { email: useId(), name: useId(), password: useId(), role: useId() }

  const submit = async (event: React.FormEvent) => {
    event.preventDefault()
    if (password.length < 8) {
      setProblem('The password needs at least 8 characters.')
      return
    }
    setBusy(true)
    setProblem(null)
    try {
      const user = await adminApi.createUser({
        email: email.trim(),
        display_name: name.trim(),
        password,
        role,
      })
      onCreated(user)
    } catch (error) {
      setProblem(errorText(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form
      onSubmit={(event) => void submit(event)}
      aria-label="New user"
      data-testid="new-user-form"
      className="mb-4 rounded-xl border border-line bg-surface/50 p-4"
    >
      <div className="grid gap-3 sm:grid-cols-2">
        <div>
          <label htmlFor={ids.name} className={label}>
            Name
          </label>
          <input
            id={ids.name}
            required
            value={name}
            onChange={(event) => setName(event.target.value)}
            autoComplete="off"
            data-testid="new-user-name"
            className={field}
          />
        </div>
        <div>
          <label htmlFor={ids.email} className={label}>
            Email
          </label>
          <input
            id={ids.email}
            type="email"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            autoComplete="off"
            data-testid="new-user-email"
            className={field}
          />
        </div>
        <div>
          <label htmlFor={ids.password} className={label}>
            First password
          </label>
          <input
            id={ids.password}
            type="text"
            required
            minLength={8}
            spellCheck={false}
            autoComplete="new-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            aria-describedby={`${ids.password}-hint`}
            data-testid="new-user-password"
            className={`${field} font-mono`}
          />
          <p id={`${ids.password}-hint`} className="mt-1 text-xs text-subtle">
            At least 8 characters; they can change it in Settings.
          </p>
        </div>
        <div>
          <label htmlFor={ids.role} className={label}>
            Role
          </label>
          <select
            id={ids.role}
            value={role}
            onChange={(event) => setRole(event.target.value as Role)}
            data-testid="new-user-role"
            className={selectField}
          >
            <option value="user">User</option>
            <option value="admin">Admin</option>
          </select>
        </div>
      </div>
      {problem && (
        <p role="alert" className="mt-3 text-sm text-danger">
          {problem}
        </p>
      )}
      <div className="mt-4 flex flex-wrap justify-end gap-2">
        <button type="button" onClick={onClose} className={secondary}>
          Cancel
        </button>
        <button type="submit" disabled={busy} data-testid="create-user" className={primary}>
          <Icon name="plus" size={16} />
          Create user
        </button>
      </div>
    </form>
  )
}

function UserRow({
  user,
  isSelf,
  busy,
  problem,
  onRole,
  onToggle,
  onRename,
  onReset,
  onQuotas,
  onDelete,
  onDismiss,
}: {
  user: User
  isSelf: boolean
  busy: boolean
  problem: string | undefined
  onRole: (role: Role) => void
  onToggle: () => void
  onRename: () => void
  onReset: () => void
  onQuotas: () => void
  onDelete: () => void
  onDismiss: () => void
}) {
  const roleId = useId()
  const who = user.display_name || user.email
  return (
    <li
      data-testid="user-row"
      data-email={user.email}
      data-role={user.role}
      data-disabled={user.disabled}
      className="px-3.5 py-3 md:px-4"
    >
      <div className="flex flex-col gap-3 md:flex-row md:items-center">
        <div className="flex min-w-0 flex-1 items-center gap-3">
          <div
            aria-hidden="true"
            className={cn(
              'flex size-9 shrink-0 items-center justify-center rounded-full text-sm font-semibold',
              user.disabled ? 'bg-surface-2 text-subtle' : 'bg-accent-soft text-accent-text',
            )}
          >
            {who.slice(0, 1).toUpperCase()}
          </div>
          <div className="min-w-0 flex-1">
            <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
              <span data-testid="user-name" className="truncate text-sm font-medium">
                {user.display_name || '—'}
              </span>
              {isSelf && <Badge tone="accent">You</Badge>}
              {user.disabled && (
                <Badge tone="danger" testId="user-disabled-badge">
                  Disabled
                </Badge>
              )}
            </div>
            <p className="text-xs text-subtle [overflow-wrap:anywhere]">
              <span data-testid="user-email">{user.email}</span> · joined{' '}
              <time dateTime={user.created_at}>
                {new Date(user.created_at).toLocaleDateString(undefined, { dateStyle: 'medium' })}
              </time>
            </p>
          </div>
        </div>
        <div className="flex items-center gap-2 pl-12 md:pl-0">
          <label htmlFor={roleId} className="sr-only">
            Role of {who}
          </label>
          <select
            id={roleId}
            value={user.role}
            disabled={busy}
            onChange={(event) => onRole(event.target.value as Role)}
            data-testid="user-role"
            className="rounded-lg border border-line bg-canvas py-1.5 pl-2 pr-7 text-xs font-medium text-fg focus:border-line-strong focus:outline-none focus-visible:outline-2 focus-visible:outline-offset-0 disabled:opacity-60"
          >
            <option value="user">User</option>
            <option value="admin">Admin</option>
          </select>
          <button
            type="button"
            disabled={busy}
            onClick={onToggle}
            data-testid={user.disabled ? 'user-enable' : 'user-disable'}
            aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${who}`}
            className={cn(user.disabled ? small : smallDanger, 'w-[4.75rem]')}
          >
            {user.disabled ? 'Enable' : 'Disable'}
          </button>
          <span className="flex size-8 items-center justify-center">
            {busy ? (
              <Spinner label={`Saving ${who}`} />
            ) : (
              <Menu
                label={`More for ${who}`}
                testId="user-menu"
                className={iconButton}
                items={[
                  { label: 'Rename', icon: 'pencil', onSelect: onRename, testId: 'user-rename' },
                  { label: 'Reset password', icon: 'key', onSelect: onReset, testId: 'user-reset-password' },
                  { label: 'Quotas', icon: 'chart', onSelect: onQuotas, testId: 'user-quotas' },
                  { label: 'Delete', icon: 'trash', onSelect: onDelete, danger: true, testId: 'user-delete' },
                ]}
              />
            )}
          </span>
        </div>
      </div>
      {problem && <ProblemAlert message={problem} onDismiss={onDismiss} className="mt-2.5 md:ml-12" />}
    </li>
  )
}

function QuotasDialog({
  user,
  onClose,
  onSaved,
}: {
  user: User | null
  onClose: () => void
  onSaved: () => void
}) {
  const [report, setReport] = useState<QuotaReport | null>(null)
  const [inputs, setInputs] = useState<Record<QuotaKey, string>>({} as Record<QuotaKey, string>)
  const [loadError, setLoadError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const baseId = useId()

  const userId = user?.id
  const load = useCallback(async () => {
    if (!userId) return
    setReport(null)
    setLoadError(null)
    setProblem(null)
    try {
      const found = await adminApi.quotas(userId)
      setReport(found)
      const next = {} as Record<QuotaKey, string>
      for (const q of QUOTA_FIELDS) next[q.key] = quotaInput(found.overrides[q.key], q.unit)
      setInputs(next)
    } catch (error) {
      setLoadError(error)
    }
  }, [userId])

  useEffect(() => {
    void load()
  }, [load])

  const save = async () => {
    if (!user) return
    const overrides = {} as QuotaOverrides
    for (const q of QUOTA_FIELDS) {
      const parsed = parseQuota(inputs[q.key] ?? '', q.unit)
      if (!parsed.ok) {
        setProblem(`${q.label}: ${parsed.error}`)
        return
      }
      overrides[q.key] = parsed.value
    }
    setBusy(true)
    setProblem(null)
    try {
      await adminApi.setQuotas(user.id, overrides)
      onSaved()
    } catch (error) {
      setProblem(errorText(error))
    } finally {
      setBusy(false)
    }
  }

  return (
    <FormDialog
      open={user !== null}
      wide
      title={`Quotas of ${user?.display_name || user?.email || ''}`}
      description="Leave a field empty to use the server’s default. Changes apply at their next request."
      submitLabel="Save quotas"
      busy={busy || !report}
      problem={problem}
      testId="quotas-dialog"
      onSubmit={() => void save()}
      onClose={onClose}
    >
      {!report && !loadError && <Loading label="Loading quotas" />}
      {loadError !== null && <p className="text-sm text-danger">{errorText(loadError)}</p>}
      {report && (
        <ul className="divide-y divide-line rounded-xl border border-line">
          {QUOTA_FIELDS.map((q) => {
            const used = q.held ? report.used[q.key as keyof QuotaReport['used']] : undefined
            const id = `${baseId}-${q.key}`
            return (
              <li key={q.key} className="flex items-center gap-3 px-3 py-2.5">
                <div className="min-w-0 flex-1">
                  <label htmlFor={id} className="block text-sm font-medium">
                    {q.label}
                  </label>
                  <p className="text-xs text-subtle">
                    {used !== undefined && <>Uses {formatQuota(used, q.unit)} of </>}
                    {used === undefined && <>Limit </>}
                    {formatQuota(report.limits[q.key], q.unit)}
                    {report.overrides[q.key] !== null && report.overrides[q.key] !== undefined && (
                      <span className="text-accent-text"> · changed</span>
                    )}
                  </p>
                </div>
                <input
                  id={id}
                  inputMode="decimal"
                  placeholder="Default"
                  value={inputs[q.key] ?? ''}
                  onChange={(event) => setInputs((all) => ({ ...all, [q.key]: event.target.value }))}
                  data-testid={`quota-${q.key}`}
                  className={`${fieldBase} w-28 shrink-0 px-3 py-2 text-right text-sm tabular-nums`}
                />
              </li>
            )
          })}
        </ul>
      )}
    </FormDialog>
  )
}

function UsersCard() {
  const self = useAuth((s) => s.user)
  const [users, setUsers] = useState<User[]>([])
  const [next, setNext] = useState<string | null>(null)
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading')
  const [loadError, setLoadError] = useState<unknown>(null)
  const [loadingMore, setLoadingMore] = useState(false)
  const [query, setQuery] = useState('')
  const [q, setQ] = useState('')
  const [creating, setCreating] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const [problems, setProblems] = useState<Record<string, string>>({})
  const [busyId, setBusyId] = useState<string | null>(null)
  const [renaming, setRenaming] = useState<User | null>(null)
  const [newName, setNewName] = useState('')
  const [resetting, setResetting] = useState<User | null>(null)
  const [newPassword, setNewPassword] = useState('')
  const [quotasOf, setQuotasOf] = useState<User | null>(null)
  const [deleting, setDeleting] = useState<User | null>(null)
  const [dialogBusy, setDialogBusy] = useState(false)
  const [dialogProblem, setDialogProblem] = useState<string | null>(null)
  const renameId = useId()
  const passwordId = useId()

  const load = useCallback(async (search: string, cursor: string | null = null) => {
    if (cursor) setLoadingMore(true)
    else setStatus('loading')
    try {
      const page = await adminApi.users({ q: search || undefined, limit: PAGE, cursor })
      setUsers((shown) => (cursor ? [...shown, ...page.items] : page.items))
      setNext(page.next ?? null)
      setStatus('ready')
    } catch (error) {
      setLoadError(error)
      if (!cursor) setStatus('error')
    } finally {
      setLoadingMore(false)
    }
  }, [])

  // Search as the admin types, a moment after the last key.
  useEffect(() => {
    const timer = setTimeout(() => setQ(query.trim()), 250)
    return () => clearTimeout(timer)
  }, [query])

  useEffect(() => {
    void load(q)
  }, [load, q])

  const setProblem = (id: string, message: string | null) =>
    setProblems((all) => {
      const copy = { ...all }
      if (message) copy[id] = message
      else delete copy[id]
      return copy
    })

  const replace = (user: User) => setUsers((all) => all.map((u) => (u.id === user.id ? user : u)))

  const change = async (user: User, update: Parameters<typeof adminApi.updateUser>[1], done: string) => {
    setBusyId(user.id)
    setProblem(user.id, null)
    try {
      replace(await adminApi.updateUser(user.id, update))
      setNotice(done)
    } catch (error) {
      setProblem(user.id, errorText(error))
    } finally {
      setBusyId(null)
    }
  }

  const closeDialogs = () => {
    setRenaming(null)
    setResetting(null)
    setDialogProblem(null)
    setDialogBusy(false)
  }

  const rename = async () => {
    if (!renaming) return
    const name = newName.trim()
    if (!name) {
      setDialogProblem('Enter a name.')
      return
    }
    setDialogBusy(true)
    setDialogProblem(null)
    try {
      const user = await adminApi.updateUser(renaming.id, { display_name: name })
      replace(user)
      setNotice(`Renamed ${renaming.email} to “${user.display_name}”.`)
      closeDialogs()
    } catch (error) {
      setDialogProblem(errorText(error))
      setDialogBusy(false)
    }
  }

  const reset = async () => {
    if (!resetting) return
    if (newPassword.length < 8) {
      setDialogProblem('The password needs at least 8 characters.')
      return
    }
    setDialogBusy(true)
    setDialogProblem(null)
    try {
      await adminApi.resetPassword(resetting.id, newPassword)
      setNotice(`The password of ${resetting.email} was reset; they were signed out everywhere.`)
      closeDialogs()
    } catch (error) {
      setDialogProblem(errorText(error))
      setDialogBusy(false)
    }
  }

  const remove = async () => {
    if (!deleting) return
    const user = deleting
    setDeleting(null)
    setBusyId(user.id)
    setProblem(user.id, null)
    try {
      await adminApi.deleteUser(user.id)
      setUsers((all) => all.filter((u) => u.id !== user.id))
      setNotice(`Deleted ${user.email} and everything they owned.`)
    } catch (error) {
      setProblem(user.id, errorText(error))
    } finally {
      setBusyId(null)
    }
  }

  return (
    <Card
      title="Users"
      description="Everyone who can sign in to this Gantry."
      testId="users-card"
      actions={
        !creating && (
          <button
            type="button"
            onClick={() => setCreating(true)}
            data-testid="new-user-button"
            className={primary}
          >
            <Icon name="plus" size={16} />
            New user
          </button>
        )
      }
    >
      {creating && (
        <NewUserForm
          onClose={() => setCreating(false)}
          onCreated={(user) => {
            setCreating(false)
            setNotice(`Created ${user.email}.`)
            if (!q && !next) setUsers((all) => [...all.filter((u) => u.id !== user.id), user])
            else void load(q)
          }}
        />
      )}

      <div role="search" className="relative">
        <Icon
          name="search"
          size={15}
          className="pointer-events-none absolute left-2.5 top-1/2 -translate-y-1/2 text-subtle"
        />
        <input
          type="search"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          placeholder="Search by name or email"
          aria-label="Search users"
          data-testid="user-search"
          className={`${fieldBase} w-full py-2 pl-8 pr-3 text-sm`}
        />
      </div>

      {notice && (
        <Notice onDismiss={() => setNotice(null)} className="mt-3" testId="users-notice">
          {notice}
        </Notice>
      )}

      <div className="mt-3" aria-live="polite">
        {status === 'loading' && <Loading label="Loading users" />}
        {status === 'error' && <LoadError error={loadError} what="the users" onRetry={() => void load(q)} />}
        {status === 'ready' && users.length === 0 && (
          <p className="rounded-xl border border-line px-4 py-6 text-center text-sm text-subtle">
            {q ? `No user’s name or email contains “${q}”.` : 'No users yet.'}
          </p>
        )}
        {status === 'ready' && users.length > 0 && (
          <ul className="divide-y divide-line rounded-xl border border-line" aria-label="Users">
            {users.map((user) => (
              <UserRow
                key={user.id}
                user={user}
                isSelf={user.id === self?.id}
                busy={busyId === user.id}
                problem={problems[user.id]}
                onDismiss={() => setProblem(user.id, null)}
                onRole={(role) =>
                  void change(
                    user,
                    { role },
                    `${user.email} is now ${role === 'admin' ? 'an admin' : 'a user'}.`,
                  )
                }
                onToggle={() =>
                  void change(
                    user,
                    { disabled: !user.disabled },
                    user.disabled
                      ? `${user.email} can sign in again.`
                      : `${user.email} is disabled: they cannot sign in, and their sessions and keys stop working.`,
                  )
                }
                onRename={() => {
                  setNewName(user.display_name)
                  setRenaming(user)
                }}
                onReset={() => {
                  setNewPassword('')
                  setResetting(user)
                }}
                onQuotas={() => setQuotasOf(user)}
                onDelete={() => setDeleting(user)}
              />
            ))}
          </ul>
        )}
        {status === 'ready' && next && (
          <div className="mt-3 flex justify-center">
            <button
              type="button"
              disabled={loadingMore}
              onClick={() => void load(q, next)}
              data-testid="users-more"
              className="rounded-lg px-3 py-1.5 text-sm text-muted hover:bg-surface hover:text-fg disabled:opacity-50"
            >
              {loadingMore ? 'Loading…' : 'Load more'}
            </button>
          </div>
        )}
      </div>

      <FormDialog
        open={renaming !== null}
        title="Rename user"
        description={renaming?.email}
        submitLabel="Rename"
        busy={dialogBusy}
        problem={dialogProblem}
        testId="rename-dialog"
        onSubmit={() => void rename()}
        onClose={closeDialogs}
      >
        <div>
          <label htmlFor={renameId} className={label}>
            Name shown to others
          </label>
          <input
            id={renameId}
            value={newName}
            onChange={(event) => setNewName(event.target.value)}
            data-testid="rename-user-input"
            className={field}
          />
        </div>
      </FormDialog>

      <FormDialog
        open={resetting !== null}
        title="Reset password"
        description={
          <>
            Sets a new password for <span className="font-medium text-fg">{resetting?.email}</span> and signs
            them out everywhere. Give them the new password; they can change it in Settings.
          </>
        }
        submitLabel="Reset password"
        busy={dialogBusy}
        problem={dialogProblem}
        testId="reset-dialog"
        onSubmit={() => void reset()}
        onClose={closeDialogs}
      >
        <div>
          <label htmlFor={passwordId} className={label}>
            New password
          </label>
          <div className="flex gap-2">
            <input
              id={passwordId}
              type="text"
              spellCheck={false}
              autoComplete="new-password"
              minLength={8}
              value={newPassword}
              onChange={(event) => setNewPassword(event.target.value)}
              aria-describedby={`${passwordId}-hint`}
              data-testid="reset-password-input"
              className={`${field} font-mono`}
            />
            <button type="button" onClick={() => setNewPassword(randomPassword())} className={secondary}>
              <Icon name="refresh" size={15} />
              Generate
            </button>
          </div>
          <p id={`${passwordId}-hint`} className="mt-1 text-xs text-subtle">
            At least 8 characters.
          </p>
        </div>
      </FormDialog>

      <QuotasDialog
        user={quotasOf}
        onClose={() => setQuotasOf(null)}
        onSaved={() => {
          setNotice(`Saved the quotas of ${quotasOf?.email}.`)
          setQuotasOf(null)
        }}
      />

      <ConfirmDialog
        open={deleting !== null}
        title="Delete this user?"
        body={
          <>
            <span className="font-medium text-fg">{deleting?.email}</span> and everything they own (their
            conversations, documents, memory, usage, sessions and API keys) will be deleted. This cannot be
            undone.
          </>
        }
        confirmLabel="Delete user"
        danger
        onConfirm={() => void remove()}
        onCancel={() => setDeleting(null)}
      />
    </Card>
  )
}

export default function UsersTab() {
  return (
    <div className="space-y-5">
      <UsersCard />
      <InvitesCard />
    </div>
  )
}
