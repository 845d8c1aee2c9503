// Health: the server's version and uptime, whether it is ready (/health, /ready), what the
// store holds, how far the indexes lag, and whether each model backend answers.
import { useCallback, useEffect, useState } from 'react'
import { Icon } from '../../components/Icon'
import { Loading } from '../../components/LoadState'
import { Spinner } from '../../components/Spinner'
import { formatLatency, formatUptime } from '../../lib/adminFormat'
import { plural } from '../../lib/format'
import { errorText } from '../../lib/errors'
import { adminApi } from './api'
import type { BackendEntry, Health, Readiness, SystemView } from './types'
import { Badge, Card, LoadError, StatusDot, Stat, secondary } from './ui'

type Probe<T> = { ok: true; value: T } | { ok: false; error: string }

async function attempt<T>(work: Promise<T>): Promise<Probe<T>> {
  try {
    return { ok: true, value: await work }
  } catch (error) {
    return { ok: false, error: errorText(error) }
  }
}

function Row({ name, children, testId }: { name: string; children: React.ReactNode; testId?: string }) {
  return (
    <div className="flex items-baseline justify-between gap-4 py-1.5 text-sm">
      <dt className="shrink-0 text-muted">{name}</dt>
      <dd data-testid={testId} className="min-w-0 text-right font-medium [overflow-wrap:anywhere]">
        {children}
      </dd>
    </div>
  )
}

function lag(value: number | null | undefined): React.ReactNode {
  if (value === null || value === undefined) return <span className="font-normal text-subtle">No index</span>
  return value === 0 ? (
    <StatusDot ok>Up to date</StatusDot>
  ) : (
    <span className="text-[#92400e] dark:text-[#f5b26b]">{value.toLocaleString()} changes behind</span>
  )
}

export default function HealthTab() {
  const [system, setSystem] = useState<SystemView | null>(null)
  const [health, setHealth] = useState<Probe<Health> | null>(null)
  const [ready, setReady] = useState<Probe<Readiness> | null>(null)
  const [backends, setBackends] = useState<Probe<BackendEntry[]> | null>(null)
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading')
  const [loadError, setLoadError] = useState<unknown>(null)
  const [refreshing, setRefreshing] = useState(false)
  const [checkedAt, setCheckedAt] = useState<Date | null>(null)

  const load = useCallback(async (quiet = false) => {
    if (quiet) setRefreshing(true)
    else setStatus('loading')
    const [sys, h, r, b] = await Promise.all([
      attempt(adminApi.system()),
      attempt(adminApi.health()),
      attempt(adminApi.ready()),
      attempt(adminApi.backends()),
    ])
    setHealth(h)
    setReady(r)
    setBackends(b)
    if (sys.ok) {
      setSystem(sys.value)
      setStatus('ready')
    } else {
      // Ask again to keep the error itself (a 403 shows the non-admin message).
      try {
        setSystem(await adminApi.system())
        setStatus('ready')
      } catch (error) {
        setLoadError(error)
        setStatus('error')
      }
    }
    setCheckedAt(new Date())
    setRefreshing(false)
  }, [])

  useEffect(() => {
    void load()
  }, [load])

  if (status === 'loading') return <Loading label="Checking the server" />
  if (status === 'error' || !system)
    return <LoadError error={loadError} what="the server’s state" onRetry={() => void load()} />

  const isReady = ready?.ok === true && ready.value.status === 'ready'
  const unprobed = [health?.ok === false && '/health', ready?.ok === false && '/ready'].filter(Boolean)
  const stored = system.stored

  return (
    <div className="space-y-5" data-testid="health-tab">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex flex-wrap items-center gap-3">
          <StatusDot ok testId="health-status">
            {health?.ok ? `Server ${health.value.status}` : 'Server answering'}
          </StatusDot>
          <StatusDot ok={ready?.ok ? isReady : null} testId="ready-status">
            {ready?.ok ? (isReady ? 'Ready' : `Not ready: ${ready.value.status}`) : 'Readiness not known'}
          </StatusDot>
        </div>
        <div className="flex items-center gap-3">
          {checkedAt && (
            <span className="text-xs text-subtle">
              Checked {checkedAt.toLocaleTimeString(undefined, { timeStyle: 'medium' })}
            </span>
          )}
          <button
            type="button"
            onClick={() => void load(true)}
            disabled={refreshing}
            data-testid="health-refresh"
            className={secondary}
          >
            {refreshing ? (
              <Spinner label="Checking" className="[&_svg]:size-4" />
            ) : (
              <Icon name="refresh" size={15} />
            )}
            Check again
          </button>
        </div>
      </div>

      <div className="grid grid-cols-2 gap-3 md:grid-cols-4" data-testid="health-counts">
        <Stat label="Users" icon="users" value={stored.users.toLocaleString()} testId="count-users" />
        <Stat
          label="Conversations"
          icon="message"
          value={stored.conversations.toLocaleString()}
          testId="count-conversations"
        />
        <Stat
          label="Messages"
          icon="message"
          value={stored.messages.toLocaleString()}
          testId="count-messages"
        />
        <Stat
          label="Documents"
          icon="file"
          value={stored.documents.toLocaleString()}
          hint={`${stored.chunks.toLocaleString()} passages${stored.collections !== undefined ? ` · ${stored.collections.toLocaleString()} collections` : ''}`}
          testId="count-documents"
        />
      </div>

      <div className="grid gap-5 md:grid-cols-2">
        <Card title="Server" testId="health-server">
          <dl className="divide-y divide-line">
            <Row name="Gantry version" testId="health-version">
              <span className="font-mono">{system.version}</span>
            </Row>
            <Row name="Up for">{formatUptime(system.uptime_seconds)}</Row>
            <Row name="Database">
              {system.database === 'postgres'
                ? 'PostgreSQL'
                : system.database === 'sqlite'
                  ? 'SQLite'
                  : system.database}
              {ready?.ok && ready.value.database !== 'ok' && (
                <span className="block text-xs font-normal text-danger">{ready.value.database}</span>
              )}
            </Row>
            <Row name="Latest change">#{system.store_seq.toLocaleString()}</Row>
          </dl>
        </Card>

        <Card title="Search indexes" testId="health-index">
          <dl className="divide-y divide-line">
            <Row name="Vector index" testId="health-vector-lag">
              {lag(system.vector_lag)}
            </Row>
            <Row name="Keyword index" testId="health-keyword-lag">
              {lag(system.keyword_lag)}
            </Row>
            <Row name="Embedder">
              {system.embedder ? (
                <span className="font-mono text-xs">{system.embedder}</span>
              ) : (
                <span className="font-normal text-subtle">None: retrieval by keywords</span>
              )}
            </Row>
            <Row name="Not embedded">
              {system.unembedded ? (
                <span className="text-[#92400e] dark:text-[#f5b26b]">
                  {system.unembedded.toLocaleString()} items
                </span>
              ) : (
                '0'
              )}
            </Row>
          </dl>
        </Card>
      </div>

      {unprobed.length > 0 && (
        <p
          className="rounded-xl border border-line bg-surface/50 px-3.5 py-2.5 text-sm text-muted"
          data-testid="probes-unreachable"
        >
          <Icon name="alert" size={15} className="mr-1.5 inline -translate-y-px" />
          {unprobed.join(' and ')} did not answer at this address (a proxy in front of Gantry may not pass{' '}
          {unprobed.length > 1 ? 'them' : 'it'} on). The rest of this page comes from the admin API.
        </p>
      )}

      <Card
        title="Models"
        description={
          system.chat_configured ? 'What the backends offer now.' : 'No chat backend is configured.'
        }
        testId="health-models"
      >
        {ready?.ok && (
          <p className="mb-3 text-sm">
            <StatusDot ok={ready.value.models.status === 'ok'}>
              {ready.value.models.status === 'ok'
                ? `Answering, ${plural(ready.value.models.models, 'model')}`
                : ready.value.models.status === 'none'
                  ? 'No backend configured'
                  : 'Not answering'}
            </StatusDot>
            {ready.value.models.error && (
              <span className="mt-1 block text-xs text-danger [overflow-wrap:anywhere]">
                {ready.value.models.error}
              </span>
            )}
          </p>
        )}
        {backends?.ok && backends.value.length > 0 && (
          <ul className="divide-y divide-line rounded-xl border border-line" aria-label="Backends’ health">
            {backends.value.map(({ backend, health: probe }) => (
              <li
                key={backend.name}
                data-testid="health-backend"
                data-ok={probe.ok}
                className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1 px-3.5 py-2.5"
              >
                <div className="min-w-0">
                  <span className="text-sm font-medium">{backend.name}</span>
                  <span className="block text-xs text-subtle [overflow-wrap:anywhere] sm:ml-2 sm:inline">
                    {probe.ok ? plural(probe.models.length, 'model') : (probe.error ?? 'no answer')}
                  </span>
                </div>
                <StatusDot ok={probe.ok}>
                  {probe.ok ? formatLatency(probe.latency_ms) : 'Unavailable'}
                </StatusDot>
              </li>
            ))}
          </ul>
        )}
        {system.models.length > 0 && (
          <ul className="mt-3 flex flex-wrap gap-1.5" aria-label="Models offered">
            {system.models.map((model) => (
              <li key={model}>
                <Badge className="font-mono font-normal">{model}</Badge>
              </li>
            ))}
          </ul>
        )}
        {system.models.length === 0 && <p className="text-sm text-subtle">No model answers now.</p>}
      </Card>
    </div>
  )
}
