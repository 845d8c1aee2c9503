// Export and audit: a ZIP of conversations (everyone's or one account's, in a range),
// streamed by the browser as a download; the audit log of admins' actions, a page at a
// time, and as CSV.
import { useCallback, useEffect, useId, useMemo, useState } from 'react'
import { Icon } from '../../components/Icon'
import { Loading } from '../../components/LoadState'
import { auditActionLabel, auditActionTone } from '../../lib/adminFormat'
import { isDay, rangeQuery } from '../../lib/adminUsage'
import { cn } from '../../lib/cn'
import { adminApi } from './api'
import type { AuditEntry, User } from './types'
import {
  Badge,
  Card,
  LoadError,
  field,
  fieldBase,
  label,
  labelSm,
  primary,
  secondary,
  selectField,
} from './ui'

const PAGE = 50

function withQuery(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value)
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

function ExportCard({ users }: { users: User[] }) {
  const [userId, setUserId] = useState('')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const ids = { user: useId(), from: useId(), to: useId() }
  const range = rangeQuery(from, to)
  const bad = from && to && isDay(from) && isDay(to) && from > to
  const href = withQuery('/api/admin/export', {
    user_id: userId || undefined,
    from: range.from,
    to: range.to,
  })
  return (
    <Card
      title="Export conversations"
      description="A ZIP with one Gantry JSON file per conversation and a manifest. Large exports stream as they download."
      testId="export-card"
    >
      <div className="grid gap-3 sm:grid-cols-3">
        <div>
          <label htmlFor={ids.user} className={label}>
            Whose
          </label>
          <select
            id={ids.user}
            value={userId}
            onChange={(event) => setUserId(event.target.value)}
            data-testid="export-user"
            className={selectField}
          >
            <option value="">Everyone’s</option>
            {users.map((user) => (
              <option key={user.id} value={user.id}>
                {user.display_name || user.email}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={ids.from} className={label}>
            Active from <span className="font-normal text-subtle">(UTC)</span>
          </label>
          <input
            id={ids.from}
            type="date"
            value={from}
            onChange={(event) => setFrom(event.target.value)}
            className={field}
          />
        </div>
        <div>
          <label htmlFor={ids.to} className={label}>
            Active to <span className="font-normal text-subtle">(UTC, included)</span>
          </label>
          <input
            id={ids.to}
            type="date"
            value={to}
            onChange={(event) => setTo(event.target.value)}
            className={field}
          />
        </div>
      </div>
      {bad && (
        <p role="alert" className="mt-3 text-sm text-danger">
          The start day is after the end day.
        </p>
      )}
      <div className="mt-4 flex flex-wrap items-center gap-3">
        <a
          href={bad ? undefined : href}
          download
          aria-disabled={bad || undefined}
          data-testid="export-download"
          className={cn(primary, bad && 'pointer-events-none opacity-50')}
        >
          <Icon name="download" size={16} />
          Download export (ZIP)
        </a>
        <span className="text-xs text-subtle">The export is recorded in the audit log.</span>
      </div>
    </Card>
  )
}

const TONE = { danger: 'danger', accent: 'accent', neutral: 'neutral' } as const

function AuditRow({ entry }: { entry: AuditEntry }) {
  const at = new Date(entry.at)
  return (
    <li
      data-testid="audit-row"
      data-action={entry.action}
      className="grid gap-x-4 gap-y-1 px-3.5 py-2.5 text-sm md:grid-cols-[10.5rem_10rem_minmax(0,1fr)] md:items-baseline"
    >
      <div className="flex items-center justify-between gap-2 md:contents">
        <time
          dateTime={entry.at}
          className="order-2 text-xs tabular-nums text-subtle md:order-none md:text-sm md:text-muted"
        >
          {Number.isNaN(at.getTime())
            ? entry.at
            : at.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}
        </time>
        <div className="order-1 md:order-none">
          <Badge tone={TONE[auditActionTone(entry.action)]} className="font-medium">
            {auditActionLabel(entry.action)}
          </Badge>
        </div>
      </div>
      <div className="min-w-0 [overflow-wrap:anywhere]">
        <span className="font-medium">{entry.target || '—'}</span>
        {entry.detail && <span className="text-muted"> · {entry.detail}</span>}
        <span className="block text-xs text-subtle">by {entry.actor}</span>
      </div>
    </li>
  )
}

function AuditCard() {
  const [entries, setEntries] = useState<AuditEntry[]>([])
  const [next, setNext] = useState<string | null>(null)
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading')
  const [loadError, setLoadError] = useState<unknown>(null)
  const [loadingMore, setLoadingMore] = useState(false)
  const [since, setSince] = useState('')
  const sinceId = useId()
  const sinceQuery = isDay(since) ? `${since}T00:00:00Z` : undefined

  const load = useCallback(
    async (cursor: string | null = null) => {
      if (cursor) setLoadingMore(true)
      else setStatus('loading')
      try {
        const page = await adminApi.audit({ since: sinceQuery, limit: PAGE, cursor })
        setEntries((shown) => (cursor ? [...shown, ...page.items] : page.items))
        setNext(page.next ?? null)
        setStatus('ready')
      } catch (error) {
        setLoadError(error)
        if (!cursor) setStatus('error')
      } finally {
        setLoadingMore(false)
      }
    },
    [sinceQuery],
  )

  useEffect(() => {
    void load()
  }, [load])

  return (
    <Card
      title="Audit log"
      description="What administrators did, newest first."
      testId="audit-card"
      actions={
        <>
          <button
            type="button"
            onClick={() => void load()}
            className={secondary}
            aria-label="Reload the audit log"
          >
            <Icon name="refresh" size={15} />
            <span className="hidden sm:inline">Reload</span>
          </button>
          <a
            href={withQuery('/api/admin/audit/export', { since: sinceQuery })}
            download
            data-testid="audit-csv"
            className={secondary}
          >
            <Icon name="download" size={15} />
            CSV
          </a>
        </>
      }
    >
      <div className="flex flex-wrap items-end gap-2">
        <div>
          <label htmlFor={sinceId} className={labelSm}>
            Since <span className="font-normal text-subtle">(UTC day)</span>
          </label>
          <input
            id={sinceId}
            type="date"
            value={since}
            onChange={(event) => setSince(event.target.value)}
            data-testid="audit-since"
            className={`${fieldBase} px-2.5 py-1.5 text-sm`}
          />
        </div>
        {since && (
          <button
            type="button"
            onClick={() => setSince('')}
            className="px-2 py-2 text-sm text-muted hover:text-fg"
          >
            Clear
          </button>
        )}
      </div>
      <div className="mt-3">
        {status === 'loading' && <Loading label="Loading the audit log" />}
        {status === 'error' && (
          <LoadError error={loadError} what="the audit log" onRetry={() => void load()} />
        )}
        {status === 'ready' && entries.length === 0 && (
          <p className="rounded-xl border border-line px-4 py-6 text-center text-sm text-subtle">
            Nothing recorded{since ? ' since then' : ' yet'}.
          </p>
        )}
        {status === 'ready' && entries.length > 0 && (
          <>
            <div
              aria-hidden="true"
              className="hidden grid-cols-[10.5rem_10rem_minmax(0,1fr)] gap-x-4 px-3.5 pb-1.5 text-xs font-medium text-muted md:grid"
            >
              <span>When</span>
              <span>Action</span>
              <span>What · by whom</span>
            </div>
            <ul className="divide-y divide-line rounded-xl border border-line" aria-label="Audit log">
              {entries.map((entry) => (
                <AuditRow key={entry.seq} entry={entry} />
              ))}
            </ul>
          </>
        )}
        {status === 'ready' && next && (
          <div className="mt-3 flex justify-center">
            <button
              type="button"
              disabled={loadingMore}
              onClick={() => void load(next)}
              data-testid="audit-more"
              className="rounded-lg px-3 py-1.5 text-sm text-muted hover:bg-surface hover:text-fg disabled:opacity-50"
            >
              {loadingMore ? 'Loading…' : 'Older entries'}
            </button>
          </div>
        )}
      </div>
    </Card>
  )
}

export default function AuditTab() {
  const [users, setUsers] = useState<User[]>([])
  useEffect(() => {
    adminApi.users({ limit: 500 }).then(
      (page) => setUsers(page.items),
      () => setUsers([]),
    )
  }, [])
  const sorted = useMemo(
    () => [...users].sort((a, b) => (a.display_name || a.email).localeCompare(b.display_name || b.email)),
    [users],
  )
  return (
    <div className="space-y-5">
      <ExportCard users={sorted} />
      <AuditCard />
    </div>
  )
}
