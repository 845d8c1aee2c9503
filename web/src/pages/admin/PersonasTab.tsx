// System personas: the ones every user can pick, one of which may be everyone's default;
// created, edited and deleted here.
import { useCallback, useEffect, useId, useState } from 'react'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { Icon } from '../../components/Icon'
import { Loading, ProblemAlert } from '../../components/LoadState'
import { formatWhen } from '../../lib/adminFormat'
import { errorText } from '../../lib/errors'
import { adminApi } from './api'
import type { Persona, PersonaRequest } from './types'
import {
  Badge,
  Card,
  FormDialog,
  LoadError,
  Notice,
  field,
  iconButton,
  label,
  primary,
  selectField,
} from './ui'

interface Draft {
  name: string
  system_prompt: string
  default_model: string
  temperature: string
  is_default: boolean
}

const EMPTY: Draft = { name: '', system_prompt: '', default_model: '', temperature: '', is_default: false }

function draftOf(persona: Persona): Draft {
  return {
    name: persona.name,
    system_prompt: persona.system_prompt,
    default_model: persona.default_model ?? '',
    temperature: persona.temperature == null ? '' : String(persona.temperature),
    is_default: persona.is_default,
  }
}

/** The request for a draft, or what is wrong with it. */
function requestOf(draft: Draft): PersonaRequest | string {
  if (!draft.name.trim()) return 'Give the persona a name.'
  if (!draft.system_prompt.trim()) return 'Write its instructions (the system prompt).'
  let temperature: number | null = null
  if (draft.temperature.trim()) {
    temperature = Number(draft.temperature)
    if (!Number.isFinite(temperature) || temperature < 0 || temperature > 2)
      return 'The temperature is a number from 0 to 2.'
  }
  return {
    name: draft.name.trim(),
    system_prompt: draft.system_prompt,
    default_model: draft.default_model || null,
    temperature,
    is_default: draft.is_default,
  }
}

function PersonaForm({
  draft,
  models,
  onChange,
}: {
  draft: Draft
  models: string[]
  onChange: (draft: Draft) => void
}) {
  const ids = { name: useId(), prompt: useId(), model: useId(), temperature: useId(), isDefault: useId() }
  const options =
    draft.default_model && !models.includes(draft.default_model) ? [draft.default_model, ...models] : models
  return (
    <>
      <div>
        <label htmlFor={ids.name} className={label}>
          Name
        </label>
        <input
          id={ids.name}
          value={draft.name}
          maxLength={100}
          required
          onChange={(event) => onChange({ ...draft, name: event.target.value })}
          data-testid="persona-name"
          className={field}
        />
      </div>
      <div>
        <label htmlFor={ids.prompt} className={label}>
          Instructions
        </label>
        <textarea
          id={ids.prompt}
          value={draft.system_prompt}
          rows={6}
          required
          onChange={(event) => onChange({ ...draft, system_prompt: event.target.value })}
          aria-describedby={`${ids.prompt}-hint`}
          data-testid="persona-prompt"
          className={`${field} resize-y leading-relaxed`}
        />
        <p id={`${ids.prompt}-hint`} className="mt-1 text-xs text-subtle">
          The system prompt, put in front of every conversation that uses this persona.
        </p>
      </div>
      <div className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_8rem]">
        <div>
          <label htmlFor={ids.model} className={label}>
            Model
          </label>
          <select
            id={ids.model}
            value={draft.default_model}
            onChange={(event) => onChange({ ...draft, default_model: event.target.value })}
            data-testid="persona-model"
            className={selectField}
          >
            <option value="">The server’s default</option>
            {options.map((model) => (
              <option key={model} value={model}>
                {model}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={ids.temperature} className={label}>
            Temperature
          </label>
          <input
            id={ids.temperature}
            type="number"
            min={0}
            max={2}
            step={0.1}
            placeholder="Default"
            value={draft.temperature}
            onChange={(event) => onChange({ ...draft, temperature: event.target.value })}
            data-testid="persona-temperature"
            className={field}
          />
        </div>
      </div>
      <label htmlFor={ids.isDefault} className="flex cursor-pointer items-start gap-3">
        <input
          id={ids.isDefault}
          type="checkbox"
          checked={draft.is_default}
          onChange={(event) => onChange({ ...draft, is_default: event.target.checked })}
          data-testid="persona-default"
          className="mt-0.5 size-4 accent-[var(--accent)]"
        />
        <span>
          <span className="block text-sm font-medium">Everyone’s default</span>
          <span className="block text-xs text-subtle">
            New conversations use it, unless a user chose a default of their own.
          </span>
        </span>
      </label>
    </>
  )
}

export default function PersonasTab() {
  const [personas, setPersonas] = useState<Persona[]>([])
  const [models, setModels] = useState<string[]>([])
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading')
  const [loadError, setLoadError] = useState<unknown>(null)
  const [editing, setEditing] = useState<Persona | 'new' | null>(null)
  const [draft, setDraft] = useState<Draft>(EMPTY)
  const [busy, setBusy] = useState(false)
  const [dialogProblem, setDialogProblem] = useState<string | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [deleting, setDeleting] = useState<Persona | null>(null)

  const load = useCallback(async () => {
    setStatus('loading')
    try {
      setPersonas(await adminApi.personas())
      setStatus('ready')
    } catch (error) {
      setLoadError(error)
      setStatus('error')
    }
    // The models only fill the picker: without them, the server's default is offered.
    adminApi.models().then(
      (list) => setModels(list.models.map((m) => m.id)),
      () => setModels([]),
    )
  }, [])

  useEffect(() => {
    void load()
  }, [load])

  const open = (persona: Persona | 'new') => {
    setDraft(persona === 'new' ? EMPTY : draftOf(persona))
    setDialogProblem(null)
    setEditing(persona)
  }

  const save = async () => {
    if (!editing) return
    const body = requestOf(draft)
    if (typeof body === 'string') {
      setDialogProblem(body)
      return
    }
    setBusy(true)
    setDialogProblem(null)
    try {
      const saved =
        editing === 'new'
          ? await adminApi.createPersona(body)
          : await adminApi.updatePersona(editing.id, body)
      // One default at most: the server unsets the others; reload to show it.
      if (saved.is_default) setPersonas(await adminApi.personas())
      else
        setPersonas((all) =>
          [...all.filter((p) => p.id !== saved.id), saved].sort((a, b) => a.name.localeCompare(b.name)),
        )
      setNotice(editing === 'new' ? `Created “${saved.name}”.` : `Saved “${saved.name}”.`)
      setEditing(null)
    } catch (error) {
      setDialogProblem(errorText(error))
    } finally {
      setBusy(false)
    }
  }

  const remove = async () => {
    if (!deleting) return
    const persona = deleting
    setDeleting(null)
    try {
      await adminApi.deletePersona(persona.id)
      setPersonas((all) => all.filter((p) => p.id !== persona.id))
      setNotice(`Deleted “${persona.name}”.`)
    } catch (error) {
      setProblem(errorText(error))
    }
  }

  return (
    <Card
      title="System personas"
      description="Personas every user can choose: a name, instructions, and optionally a model and temperature."
      testId="personas-card"
      actions={
        <button type="button" onClick={() => open('new')} data-testid="new-persona" className={primary}>
          <Icon name="plus" size={16} />
          New persona
        </button>
      }
    >
      {notice && (
        <Notice onDismiss={() => setNotice(null)} className="mb-3">
          {notice}
        </Notice>
      )}
      {problem && <ProblemAlert message={problem} onDismiss={() => setProblem(null)} className="mb-3" />}
      {status === 'loading' && <Loading label="Loading personas" />}
      {status === 'error' && <LoadError error={loadError} what="the personas" onRetry={() => void load()} />}
      {status === 'ready' && personas.length === 0 && (
        <div className="rounded-xl border border-dashed border-line-strong px-4 py-8 text-center">
          <Icon name="persona" size={26} className="mx-auto text-subtle" />
          <p className="mt-2 text-sm text-muted">No system personas yet.</p>
          <p className="text-xs text-subtle">Users can still make their own.</p>
        </div>
      )}
      {status === 'ready' && personas.length > 0 && (
        <ul className="grid gap-3 sm:grid-cols-2" aria-label="System personas">
          {personas.map((persona) => (
            <li
              key={persona.id}
              data-testid="admin-persona"
              className="flex min-w-0 flex-col rounded-xl border border-line bg-surface/40 p-3.5"
            >
              <div className="flex items-start gap-2">
                <div className="min-w-0 flex-1">
                  <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                    <h4 className="truncate text-sm font-semibold" data-testid="admin-persona-name">
                      {persona.name}
                    </h4>
                    {persona.is_default && (
                      <Badge tone="accent">
                        <Icon name="star" size={12} />
                        Default
                      </Badge>
                    )}
                  </div>
                  <p className="mt-0.5 text-xs text-subtle [overflow-wrap:anywhere]">
                    {persona.default_model || 'Server’s default model'}
                    {persona.temperature != null && ` · temperature ${persona.temperature}`}
                  </p>
                </div>
                <button
                  type="button"
                  onClick={() => open(persona)}
                  aria-label={`Edit ${persona.name}`}
                  data-testid="edit-persona"
                  className={iconButton}
                >
                  <Icon name="pencil" size={16} />
                </button>
                <button
                  type="button"
                  onClick={() => setDeleting(persona)}
                  aria-label={`Delete ${persona.name}`}
                  data-testid="delete-persona"
                  className={`${iconButton} hover:text-danger`}
                >
                  <Icon name="trash" size={16} />
                </button>
              </div>
              <p className="mt-2 line-clamp-3 whitespace-pre-line text-sm leading-relaxed text-muted [overflow-wrap:anywhere]">
                {persona.system_prompt}
              </p>
              <p className="mt-auto pt-2 text-xs text-subtle">Changed {formatWhen(persona.updated_at)}</p>
            </li>
          ))}
        </ul>
      )}

      <FormDialog
        open={editing !== null}
        wide
        title={editing === 'new' ? 'New system persona' : `Edit “${editing?.name ?? ''}”`}
        submitLabel={editing === 'new' ? 'Create persona' : 'Save'}
        busy={busy}
        problem={dialogProblem}
        testId="persona-dialog"
        onSubmit={() => void save()}
        onClose={() => setEditing(null)}
      >
        <PersonaForm draft={draft} models={models} onChange={setDraft} />
      </FormDialog>

      <ConfirmDialog
        open={deleting !== null}
        title="Delete this persona?"
        body={<>Conversations that use “{deleting?.name}” will fall back to the default persona.</>}
        confirmLabel="Delete"
        danger
        onConfirm={() => void remove()}
        onCancel={() => setDeleting(null)}
      />
    </Card>
  )
}
