// Model backends: each with its health (probed on load), tested, added and removed; the
// default model chosen; models loaded and unloaded on the backends that switch them.
import { useCallback, useEffect, useId, useMemo, useState } from 'react'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { Icon } from '../../components/Icon'
import { Loading, ProblemAlert } from '../../components/LoadState'
import { Spinner } from '../../components/Spinner'
import { cn } from '../../lib/cn'
import { formatLatency } from '../../lib/adminFormat'
import { ApiError } from '../../api/client'
import { errorText } from '../../lib/errors'
import { adminApi } from './api'
import type { BackendEntry, BackendHealth, BackendKind, BackendRequest } from './types'
import {
  Badge,
  Card,
  FormDialog,
  LoadError,
  Notice,
  StatusDot,
  field,
  label,
  primary,
  secondary,
  small,
  smallDanger,
  selectField,
  selectSm,
} from './ui'

const KINDS: Array<{ value: BackendKind; label: string }> = [
  { value: 'openai', label: 'OpenAI-compatible' },
  { value: 'llamacpp', label: 'llama.cpp' },
  { value: 'ollama', label: 'Ollama' },
  { value: 'vllm', label: 'vLLM' },
  { value: 'tabbyapi', label: 'TabbyAPI' },
]

function kindLabel(kind: string): string {
  return KINDS.find((k) => k.value === kind)?.label ?? kind
}

/** Whether the backend loads one model at a time, switched by an admin (TabbyAPI). */
function switchesModels(kind: string): boolean {
  return kind === 'tabbyapi'
}

function ProbeResult({ health, testId }: { health: BackendHealth; testId?: string }) {
  return (
    <div
      role="status"
      data-testid={testId}
      data-ok={health.ok}
      className={cn(
        'rounded-lg border px-3 py-2 text-sm',
        health.ok ? 'border-[#1f8a4c]/35 bg-[#1f8a4c]/10' : 'border-danger-line bg-danger-soft',
      )}
    >
      <StatusDot ok={health.ok}>
        {health.ok ? `Answered in ${formatLatency(health.latency_ms)}` : 'Did not answer'}
      </StatusDot>
      <p className={cn('mt-1 text-xs [overflow-wrap:anywhere]', health.ok ? 'text-muted' : 'text-danger')}>
        {health.ok
          ? health.models.length
            ? `Offers ${health.models.join(', ')}`
            : 'It offers no models.'
          : (health.error ?? 'No reason given.')}
      </p>
    </div>
  )
}

function AddBackendDialog({
  open,
  onClose,
  onAdded,
}: {
  open: boolean
  onClose: () => void
  onAdded: (name: string) => void
}) {
  const [form, setForm] = useState({ name: '', base_url: '', kind: 'openai', api_key: '', default_model: '' })
  const [busy, setBusy] = useState(false)
  const [testing, setTesting] = useState(false)
  const [probe, setProbe] = useState<BackendHealth | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const ids = { name: useId(), url: useId(), kind: useId(), key: useId(), model: useId() }

  useEffect(() => {
    if (open) {
      setForm({ name: '', base_url: '', kind: 'openai', api_key: '', default_model: '' })
      setProbe(null)
      setProblem(null)
    }
  }, [open])

  const body = (): BackendRequest => ({
    name: form.name.trim() || 'test',
    base_url: form.base_url.trim(),
    kind: form.kind,
    api_key: form.api_key || null,
    default_model: form.default_model.trim() || null,
  })

  const test = async () => {
    if (!form.base_url.trim()) {
      setProblem('Enter the base URL to test.')
      return
    }
    setTesting(true)
    setProblem(null)
    setProbe(null)
    try {
      setProbe(await adminApi.testBackend(body()))
    } catch (error) {
      setProblem(errorText(error))
    } finally {
      setTesting(false)
    }
  }

  const add = async () => {
    if (!form.name.trim() || !form.base_url.trim()) {
      setProblem('A backend needs a name and a base URL.')
      return
    }
    setBusy(true)
    setProblem(null)
    try {
      const view = await adminApi.addBackend(body())
      onAdded(view.name)
    } catch (error) {
      setProblem(errorText(error))
    } finally {
      setBusy(false)
    }
  }

  const set = (key: keyof typeof form) => (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    setForm((f) => ({ ...f, [key]: event.target.value }))

  return (
    <FormDialog
      open={open}
      wide
      title="Add a model backend"
      description="Any OpenAI-compatible server. It is used at once, here and by every server sharing the database."
      submitLabel="Add backend"
      busy={busy}
      problem={problem}
      testId="add-backend-dialog"
      onSubmit={() => void add()}
      onClose={onClose}
    >
      <div className="grid gap-3 sm:grid-cols-2">
        <div>
          <label htmlFor={ids.name} className={label}>
            Name
          </label>
          <input
            id={ids.name}
            value={form.name}
            onChange={set('name')}
            placeholder="e.g. workstation"
            data-testid="backend-name"
            className={field}
          />
        </div>
        <div>
          <label htmlFor={ids.kind} className={label}>
            Software
          </label>
          <select
            id={ids.kind}
            value={form.kind}
            onChange={set('kind')}
            data-testid="backend-kind"
            className={selectField}
          >
            {KINDS.map((kind) => (
              <option key={kind.value} value={kind.value}>
                {kind.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div>
        <label htmlFor={ids.url} className={label}>
          Base URL
        </label>
        <input
          id={ids.url}
          type="url"
          value={form.base_url}
          onChange={set('base_url')}
          placeholder="http://127.0.0.1:8080/v1"
          data-testid="backend-url"
          className={`${field} font-mono`}
        />
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <div>
          <label htmlFor={ids.key} className={label}>
            API key <span className="font-normal text-subtle">(optional)</span>
          </label>
          <input
            id={ids.key}
            type="password"
            autoComplete="off"
            value={form.api_key}
            onChange={set('api_key')}
            data-testid="backend-key"
            className={field}
          />
        </div>
        <div>
          <label htmlFor={ids.model} className={label}>
            Default model <span className="font-normal text-subtle">(optional)</span>
          </label>
          <input
            id={ids.model}
            value={form.default_model}
            onChange={set('default_model')}
            data-testid="backend-model"
            className={field}
          />
        </div>
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <button
          type="button"
          onClick={() => void test()}
          disabled={testing}
          data-testid="backend-test-new"
          className={secondary}
        >
          {testing ? (
            <Spinner label="Testing" className="[&_svg]:size-4" />
          ) : (
            <Icon name="refresh" size={15} />
          )}
          Test connection
        </button>
        <span className="text-xs text-subtle">Tries it without adding it.</span>
      </div>
      {probe && <ProbeResult health={probe} testId="backend-test-new-result" />}
    </FormDialog>
  )
}

function BackendCard({
  entry,
  defaultModel,
  onChanged,
  onMakeDefault,
  onRemove,
}: {
  entry: BackendEntry
  defaultModel: string | null
  onChanged: () => void
  onMakeDefault: (model: string) => void
  onRemove: () => void
}) {
  const { backend, health } = entry
  const [testing, setTesting] = useState(false)
  const [probe, setProbe] = useState<BackendHealth | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const [toLoad, setToLoad] = useState(health.models[0] ?? '')
  const [switching, setSwitching] = useState(false)
  const loadId = useId()

  const test = async () => {
    setTesting(true)
    setProblem(null)
    setProbe(null)
    try {
      if (backend.has_api_key) {
        // The key is never shown, so a test from here could not send it: probe it as
        // configured by listing the backends again.
        const all = await adminApi.backends()
        const fresh = all.find((e) => e.backend.name === backend.name)
        if (fresh) setProbe(fresh.health)
      } else {
        setProbe(
          await adminApi.testBackend({
            name: backend.name,
            base_url: backend.base_url,
            kind: backend.kind,
            default_model: backend.default_model ?? null,
          }),
        )
      }
    } catch (error) {
      setProblem(errorText(error))
    } finally {
      setTesting(false)
    }
  }

  const switchModel = async (model: string | null) => {
    setSwitching(true)
    setProblem(null)
    try {
      if (model) await adminApi.loadModel(backend.name, model)
      else await adminApi.unloadModel(backend.name)
      onChanged()
    } catch (error) {
      setProblem(errorText(error))
    } finally {
      setSwitching(false)
    }
  }

  return (
    <li
      data-testid="backend"
      data-name={backend.name}
      data-ok={health.ok}
      className="min-w-0 rounded-xl border border-line bg-canvas p-4"
    >
      <div className="flex items-start gap-3">
        <span className="hidden size-9 shrink-0 items-center justify-center rounded-lg bg-surface text-muted sm:flex">
          <Icon name="server" size={18} />
        </span>
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
            <h4 className="truncate text-sm font-semibold" data-testid="backend-title">
              {backend.name}
            </h4>
            <Badge>{kindLabel(backend.kind)}</Badge>
            <Badge tone={backend.source === 'admin' ? 'accent' : 'neutral'}>
              {backend.source === 'admin' ? 'Added here' : 'Configured'}
            </Badge>
          </div>
          <p className="mt-0.5 font-mono text-xs text-subtle [overflow-wrap:anywhere]">{backend.base_url}</p>
          <div className="mt-1.5 sm:hidden">
            <StatusDot ok={health.ok}>
              {health.ok ? `Healthy · ${formatLatency(health.latency_ms)}` : 'Unavailable'}
            </StatusDot>
          </div>
        </div>
        <div className="hidden shrink-0 sm:block" data-testid="backend-health">
          <StatusDot ok={health.ok}>
            {health.ok ? `Healthy · ${formatLatency(health.latency_ms)}` : 'Unavailable'}
          </StatusDot>
        </div>
      </div>

      <dl className="mt-3 grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1 text-sm">
        <dt className="text-muted">Its default model</dt>
        <dd className="[overflow-wrap:anywhere]">
          {backend.default_model || <span className="text-subtle">—</span>}
        </dd>
        <dt className="text-muted">API key</dt>
        <dd>{backend.has_api_key ? 'Set (hidden)' : <span className="text-subtle">None</span>}</dd>
        {switchesModels(backend.kind) && (
          <>
            <dt className="text-muted">Loaded</dt>
            <dd data-testid="backend-loaded">
              {health.loaded || <span className="text-subtle">Nothing</span>}
            </dd>
          </>
        )}
      </dl>

      {!health.ok && health.error && (
        <p className="mt-2 text-sm text-danger [overflow-wrap:anywhere]" data-testid="backend-error">
          {health.error}
        </p>
      )}

      {health.models.length > 0 && (
        <div className="mt-3">
          <h5 className="text-xs font-medium text-muted">Models</h5>
          <ul className="mt-1.5 flex flex-wrap gap-1.5" aria-label={`Models of ${backend.name}`}>
            {health.models.map((model) => {
              const isDefault = model === defaultModel
              return (
                <li
                  key={model}
                  data-testid="backend-model-chip"
                  className={cn(
                    'flex max-w-full items-center gap-1 rounded-full border py-0.5 pl-2.5 pr-1 text-xs',
                    isDefault ? 'border-accent/40 bg-accent-soft text-accent-text' : 'border-line bg-surface',
                  )}
                >
                  <span className="min-w-0 truncate font-mono">{model}</span>
                  {isDefault ? (
                    <span className="flex items-center gap-0.5 px-1 font-medium" title="The default model">
                      <Icon name="star" size={12} />
                      Default
                    </span>
                  ) : (
                    <button
                      type="button"
                      onClick={() => onMakeDefault(model)}
                      aria-label={`Make ${model} the default model`}
                      title="Make it the default model"
                      data-testid="make-default"
                      className="inline-flex size-6 items-center justify-center rounded-full text-subtle hover:bg-canvas hover:text-accent-text"
                    >
                      <Icon name="star" size={13} />
                    </button>
                  )}
                </li>
              )
            })}
          </ul>
        </div>
      )}

      {switchesModels(backend.kind) && health.ok && (
        <div className="mt-3 flex flex-wrap items-end gap-2" data-testid="backend-switch">
          <div className="min-w-0 flex-1 sm:max-w-xs">
            <label htmlFor={loadId} className="mb-1 block text-xs font-medium text-muted">
              Model to load
            </label>
            <select
              id={loadId}
              value={toLoad}
              onChange={(event) => setToLoad(event.target.value)}
              className={selectSm}
            >
              {health.models.map((model) => (
                <option key={model} value={model}>
                  {model}
                </option>
              ))}
            </select>
          </div>
          <button
            type="button"
            disabled={switching || !toLoad}
            onClick={() => void switchModel(toLoad)}
            data-testid="backend-load"
            className={small}
          >
            Load
          </button>
          <button
            type="button"
            disabled={switching || !health.loaded}
            onClick={() => void switchModel(null)}
            data-testid="backend-unload"
            className={small}
          >
            Unload
          </button>
          {switching && <Spinner label="Switching the model" />}
        </div>
      )}

      <div className="mt-4 flex flex-wrap items-center gap-2 border-t border-line pt-3">
        <button
          type="button"
          onClick={() => void test()}
          disabled={testing}
          data-testid="backend-test"
          aria-label={`Test ${backend.name}`}
          className={small}
        >
          {testing ? (
            <Spinner label="Testing" className="[&_svg]:size-3.5" />
          ) : (
            <Icon name="refresh" size={14} />
          )}
          Test
        </button>
        {backend.source === 'admin' ? (
          <button
            type="button"
            onClick={onRemove}
            data-testid="backend-remove"
            aria-label={`Remove ${backend.name}`}
            className={smallDanger}
          >
            <Icon name="trash" size={14} />
            Remove
          </button>
        ) : (
          <span className="text-xs text-subtle">Set in the configuration: change it there.</span>
        )}
      </div>
      {probe && (
        <div className="mt-3">
          <ProbeResult health={probe} testId="backend-test-result" />
        </div>
      )}
      {problem && <ProblemAlert message={problem} onDismiss={() => setProblem(null)} className="mt-3" />}
    </li>
  )
}

export default function BackendsTab() {
  const [entries, setEntries] = useState<BackendEntry[]>([])
  const [defaultModel, setDefaultModel] = useState<string | null>(null)
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading')
  const [loadError, setLoadError] = useState<unknown>(null)
  const [refreshing, setRefreshing] = useState(false)
  const [adding, setAdding] = useState(false)
  const [removing, setRemoving] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const [chosen, setChosen] = useState('')
  const [savingDefault, setSavingDefault] = useState(false)
  const pickId = useId()

  const readDefault = useCallback(async () => {
    try {
      const active = (await adminApi.activeModel()).model?.id ?? null
      setDefaultModel(active)
      setChosen(active ?? '')
    } catch {
      setDefaultModel(null)
    }
  }, [])

  const load = useCallback(
    async (quiet = false) => {
      if (quiet) setRefreshing(true)
      else setStatus('loading')
      try {
        const [found] = await Promise.all([adminApi.backends(), readDefault()])
        setEntries(found)
        setStatus('ready')
      } catch (error) {
        setLoadError(error)
        if (!quiet) setStatus('error')
        else setProblem(errorText(error))
      } finally {
        setRefreshing(false)
      }
    },
    [readDefault],
  )

  useEffect(() => {
    void load()
  }, [load])

  const allModels = useMemo(() => {
    const set = new Set<string>()
    for (const entry of entries) for (const model of entry.health.models) set.add(model)
    if (defaultModel) set.add(defaultModel)
    return [...set].sort()
  }, [entries, defaultModel])

  const setDefault = async (model: string | null) => {
    setSavingDefault(true)
    setProblem(null)
    try {
      await adminApi.setDefaultModel(model)
      await readDefault()
      setNotice(
        model ? `${model} now answers when nothing names a model.` : 'Back to the configured default model.',
      )
    } catch (error) {
      setProblem(errorText(error))
    } finally {
      setSavingDefault(false)
    }
  }

  const remove = async () => {
    if (!removing) return
    const name = removing
    setRemoving(null)
    try {
      await adminApi.removeBackend(name)
      setNotice(`Removed ${name}.`)
      await load(true)
    } catch (error) {
      setProblem(errorText(error))
    }
  }

  if (status === 'loading') return <Loading label="Probing the model backends" />
  if (status === 'error' && loadError instanceof ApiError && loadError.status === 409)
    return (
      <Card title="Model backends" testId="backends-card">
        <p className="text-sm text-muted" data-testid="backends-builtin">
          {loadError.message}. Its model is set in the configuration.
        </p>
      </Card>
    )
  if (status === 'error')
    return <LoadError error={loadError} what="the model backends" onRetry={() => void load()} />

  return (
    <div className="space-y-5">
      {notice && <Notice onDismiss={() => setNotice(null)}>{notice}</Notice>}
      {problem && <ProblemAlert message={problem} onDismiss={() => setProblem(null)} />}

      <Card
        title="Default model"
        description="Answers every turn that names no model and whose persona names none."
        testId="default-model-card"
      >
        <form
          className="flex flex-col gap-2 sm:flex-row sm:items-end"
          onSubmit={(event) => {
            event.preventDefault()
            if (chosen) void setDefault(chosen)
          }}
        >
          <div className="min-w-0 flex-1 sm:max-w-md">
            <label htmlFor={pickId} className={label}>
              Model
            </label>
            <select
              id={pickId}
              value={chosen}
              onChange={(event) => setChosen(event.target.value)}
              data-testid="default-model-select"
              className={selectField}
            >
              {!chosen && <option value="">Not set</option>}
              {allModels.map((model) => (
                <option key={model} value={model}>
                  {model}
                  {model === defaultModel ? ' (current)' : ''}
                </option>
              ))}
            </select>
          </div>
          <div className="flex gap-2">
            <button
              type="submit"
              disabled={savingDefault || !chosen || chosen === defaultModel}
              data-testid="set-default-model"
              className={primary}
            >
              Set as default
            </button>
            <button
              type="button"
              disabled={savingDefault || !defaultModel}
              onClick={() => void setDefault(null)}
              title="Go back to the model the configuration names, if any"
              data-testid="reset-default-model"
              className={secondary}
            >
              Reset
            </button>
          </div>
        </form>
        <p className="mt-2 text-xs text-subtle" data-testid="default-model">
          {defaultModel ? (
            <>
              Now: <span className="font-mono text-fg">{defaultModel}</span>
            </>
          ) : (
            'Not set: the first backend answers with its own default model.'
          )}
        </p>
      </Card>

      <Card
        title="Backends"
        description="The servers Gantry chats through, each probed when this page opens."
        testId="backends-card"
        actions={
          <>
            <button
              type="button"
              onClick={() => void load(true)}
              disabled={refreshing}
              data-testid="backends-refresh"
              className={secondary}
            >
              {refreshing ? (
                <Spinner label="Probing" className="[&_svg]:size-4" />
              ) : (
                <Icon name="refresh" size={15} />
              )}
              Check again
            </button>
            <button
              type="button"
              onClick={() => setAdding(true)}
              data-testid="add-backend"
              className={primary}
            >
              <Icon name="plus" size={16} />
              Add backend
            </button>
          </>
        }
      >
        {entries.length === 0 ? (
          <p className="rounded-xl border border-dashed border-line-strong px-4 py-8 text-center text-sm text-muted">
            No backends yet. Add one to let people chat.
          </p>
        ) : (
          <ul className="space-y-3" aria-label="Model backends">
            {entries.map((entry) => (
              <BackendCard
                key={entry.backend.name}
                entry={entry}
                defaultModel={defaultModel}
                onChanged={() => void load(true)}
                onMakeDefault={(model) => void setDefault(model)}
                onRemove={() => setRemoving(entry.backend.name)}
              />
            ))}
          </ul>
        )}
      </Card>

      <AddBackendDialog
        open={adding}
        onClose={() => setAdding(false)}
        onAdded={(name) => {
          setAdding(false)
          setNotice(`Added ${name}.`)
          void load(true)
        }}
      />

      <ConfirmDialog
        open={removing !== null}
        title="Remove this backend?"
        body={<>Gantry stops using “{removing}”. Answers it is writing now finish.</>}
        confirmLabel="Remove"
        danger
        onConfirm={() => void remove()}
        onCancel={() => setRemoving(null)}
      />
    </div>
  )
}
