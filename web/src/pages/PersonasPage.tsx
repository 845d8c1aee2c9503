// Personas: a card for each of the user's own and the system's personas. The user's own
// are created, edited, made the default and deleted here; the system's are read-only but
// for admins, who keep them.
import { useEffect, useId, useRef, useState } from 'react'
import { ApiError } from '../api/client'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { Icon } from '../components/Icon'
import { LoadFailed, Loading, ProblemAlert } from '../components/LoadState'
import { cn } from '../lib/cn'
import { useAuth } from '../stores/auth'
import { activeModelId, modelLabel, useModels } from '../stores/models'
import {
  defaultPersona,
  isGlobal,
  parseTemperature,
  splitPersonas,
  usePersonas,
  type Persona,
  type PersonaRequest,
} from '../stores/personas'
import { errorText } from '../lib/errors'

const field =
  'w-full rounded-lg border border-line bg-canvas px-3 py-2 text-sm text-fg placeholder:text-subtle focus:border-line-strong focus:outline-none focus-visible:outline-2 focus-visible:outline-offset-0 aria-[invalid=true]:border-danger-line'
const primary =
  'inline-flex items-center justify-center gap-1.5 rounded-lg bg-accent px-3.5 py-2 text-sm font-medium text-white hover:bg-accent-hover disabled:opacity-50'
const secondary =
  'inline-flex items-center justify-center gap-1.5 rounded-lg border border-line px-3.5 py-2 text-sm font-medium hover:bg-surface disabled:opacity-50'
const iconButton =
  'inline-flex size-8 shrink-0 items-center justify-center rounded-lg text-muted hover:bg-surface hover:text-fg disabled:opacity-50'

type Editing = { kind: 'new' } | { kind: 'edit'; persona: Persona }

interface Draft {
  name: string
  systemPrompt: string
  model: string
  temperature: string
  isDefault: boolean
  global: boolean
}

function draftOf(persona: Persona | null): Draft {
  return {
    name: persona?.name ?? '',
    systemPrompt: persona?.system_prompt ?? '',
    model: persona?.default_model ?? '',
    temperature: persona?.temperature != null ? String(Math.round(persona.temperature * 100) / 100) : '',
    isDefault: persona?.is_default ?? false,
    global: persona ? isGlobal(persona) : false,
  }
}

/** The form of a new persona or one being edited, in a modal dialog. */
function PersonaEditor({
  editing,
  isAdmin,
  onClose,
}: {
  editing: Editing | null
  isAdmin: boolean
  onClose: () => void
}) {
  const ref = useRef<HTMLDialogElement>(null)
  const persona = editing?.kind === 'edit' ? editing.persona : null
  const [draft, setDraft] = useState<Draft>(() => draftOf(persona))
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<{ field: string | null; text: string } | null>(null)
  const models = useModels((s) => s.models)
  const active = useModels((s) => s.active)
  const loadModels = useModels((s) => s.load)
  const titleId = useId()
  const ids = {
    name: useId(),
    prompt: useId(),
    model: useId(),
    temperature: useId(),
    isDefault: useId(),
    global: useId(),
  }

  useEffect(() => {
    void loadModels()
  }, [loadModels])

  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    if (editing && !dialog.open) {
      setDraft(draftOf(persona))
      setProblem(null)
      if (typeof dialog.showModal === 'function') dialog.showModal()
      else dialog.setAttribute('open', '')
    } else if (!editing && dialog.open) {
      if (typeof dialog.close === 'function') dialog.close()
      else dialog.removeAttribute('open')
    }
    // Only when a different persona (or none) is edited.
  }, [editing])

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }))

  const submit = async (event: React.FormEvent) => {
    event.preventDefault()
    if (!editing) return
    const name = draft.name.trim()
    if (!name) {
      setProblem({ field: 'name', text: 'A persona needs a name.' })
      return
    }
    const temperature = parseTemperature(draft.temperature)
    if (!temperature.ok) {
      setProblem({ field: 'temperature', text: 'The temperature is a number from 0 to 2.' })
      return
    }
    const body: PersonaRequest = {
      name,
      system_prompt: draft.systemPrompt,
      default_model: draft.model || null,
      temperature: temperature.value,
      is_default: draft.isDefault,
    }
    setBusy(true)
    setProblem(null)
    try {
      const store = usePersonas.getState()
      if (persona) await store.update(persona, body)
      else await store.create(body, isAdmin && draft.global)
      onClose()
    } catch (error) {
      setProblem({ field: error instanceof ApiError ? error.field : null, text: errorText(error) })
    } finally {
      setBusy(false)
    }
  }

  const fieldProblem = (name: string) => (problem?.field === name ? problem.text : null)
  const global = persona ? isGlobal(persona) : draft.global
  const activeId = activeModelId(models, active)
  // A model the persona names that no backend offers now stays pickable.
  const modelIds = models.map((m) => m.id)
  if (draft.model && !modelIds.includes(draft.model)) modelIds.push(draft.model)

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      data-testid="persona-editor"
      onCancel={(event) => {
        event.preventDefault()
        onClose()
      }}
      className="m-auto max-h-[calc(100dvh-2rem)] w-[min(34rem,calc(100vw-1.5rem))] overflow-y-auto rounded-2xl border border-line bg-canvas p-0 text-fg shadow-soft backdrop:bg-black/40 backdrop:backdrop-blur-[2px]"
    >
      <form onSubmit={(event) => void submit(event)} className="p-5 md:p-6" noValidate>
        <div className="flex items-start gap-3">
          <h2 id={titleId} className="flex-1 text-base font-semibold">
            {persona ? `Edit “${persona.name}”` : 'New persona'}
          </h2>
          <button
            type="button"
            aria-label="Close"
            onClick={onClose}
            className={cn(iconButton, '-mr-1.5 -mt-1')}
          >
            <Icon name="x" size={16} />
          </button>
        </div>
        {global && <p className="mt-1 text-sm text-muted">A system persona: every user can pick it.</p>}

        <div className="mt-4 space-y-4">
          <div>
            <label htmlFor={ids.name} className="mb-1 block text-sm font-medium">
              Name
            </label>
            <input
              id={ids.name}
              value={draft.name}
              onChange={(event) => set('name', event.target.value)}
              maxLength={200}
              required
              placeholder="e.g. Patient tutor"
              data-testid="persona-name"
              aria-invalid={Boolean(fieldProblem('name'))}
              aria-describedby={fieldProblem('name') ? `${ids.name}-error` : undefined}
              className={field}
            />
            {fieldProblem('name') && (
              <p id={`${ids.name}-error`} className="mt-1 text-sm text-danger">
                {fieldProblem('name')}
              </p>
            )}
          </div>

          <div>
            <label htmlFor={ids.prompt} className="mb-1 block text-sm font-medium">
              System prompt
            </label>
            <textarea
              id={ids.prompt}
              value={draft.systemPrompt}
              onChange={(event) => set('systemPrompt', event.target.value)}
              rows={7}
              maxLength={32_000}
              placeholder="How the assistant should behave: its role, tone, what to do and avoid."
              data-testid="persona-prompt"
              aria-invalid={Boolean(fieldProblem('system_prompt'))}
              aria-describedby={`${ids.prompt}-hint`}
              className={cn(field, 'min-h-32 resize-y leading-relaxed')}
            />
            <p
              id={`${ids.prompt}-hint`}
              className={cn('mt-1 text-xs', fieldProblem('system_prompt') ? 'text-danger' : 'text-subtle')}
            >
              {fieldProblem('system_prompt') ?? 'Put in front of every conversation that uses this persona.'}
            </p>
          </div>

          <div className="grid gap-4 sm:grid-cols-[1fr_9rem]">
            <div className="min-w-0">
              <label htmlFor={ids.model} className="mb-1 block text-sm font-medium">
                Model
              </label>
              <select
                id={ids.model}
                value={draft.model}
                onChange={(event) => set('model', event.target.value)}
                data-testid="persona-model"
                className={cn(field, 'truncate pr-8')}
              >
                <option value="">Active model{activeId ? ` (${modelLabel(activeId)})` : ''}</option>
                {modelIds.map((id) => (
                  <option key={id} value={id}>
                    {modelLabel(id)}
                  </option>
                ))}
              </select>
              {fieldProblem('default_model') && (
                <p className="mt-1 text-sm text-danger">{fieldProblem('default_model')}</p>
              )}
            </div>
            <div>
              <label htmlFor={ids.temperature} className="mb-1 block text-sm font-medium">
                Temperature
              </label>
              <input
                id={ids.temperature}
                type="number"
                inputMode="decimal"
                min={0}
                max={2}
                step={0.1}
                value={draft.temperature}
                onChange={(event) => set('temperature', event.target.value)}
                placeholder="Default"
                data-testid="persona-temperature"
                aria-invalid={Boolean(fieldProblem('temperature'))}
                aria-describedby={`${ids.temperature}-hint`}
                className={field}
              />
              <p
                id={`${ids.temperature}-hint`}
                className={cn('mt-1 text-xs', fieldProblem('temperature') ? 'text-danger' : 'text-subtle')}
              >
                {fieldProblem('temperature') ?? '0 (focused) to 2 (free)'}
              </p>
            </div>
          </div>

          {isAdmin && !persona && (
            <label htmlFor={ids.global} className="flex cursor-pointer items-start gap-3">
              <input
                id={ids.global}
                type="checkbox"
                checked={draft.global}
                onChange={(event) => set('global', event.target.checked)}
                data-testid="persona-global"
                className="mt-0.5 size-4 accent-[var(--accent)]"
              />
              <span>
                <span className="block text-sm font-medium">A system persona</span>
                <span className="block text-xs text-subtle">
                  Every user can pick it; only admins change it.
                </span>
              </span>
            </label>
          )}

          <label htmlFor={ids.isDefault} className="flex cursor-pointer items-start gap-3">
            <input
              id={ids.isDefault}
              type="checkbox"
              checked={draft.isDefault}
              onChange={(event) => set('isDefault', event.target.checked)}
              data-testid="persona-default"
              className="mt-0.5 size-4 accent-[var(--accent)]"
            />
            <span>
              <span className="block text-sm font-medium">
                {global ? 'Everyone’s default' : 'My default'}
              </span>
              <span className="block text-xs text-subtle">
                {global
                  ? 'New conversations use it, unless a user has a default of their own.'
                  : 'New conversations use it unless another is picked.'}
              </span>
            </span>
          </label>
        </div>

        {problem &&
          !['name', 'system_prompt', 'temperature', 'default_model'].includes(problem.field ?? '') && (
            <p role="alert" className="mt-4 text-sm text-danger">
              {problem.text}
            </p>
          )}

        <div className="mt-6 flex justify-end gap-2">
          <button type="button" onClick={onClose} className={secondary}>
            Cancel
          </button>
          <button type="submit" disabled={busy} data-testid="persona-save" className={primary}>
            {persona ? 'Save' : 'Create persona'}
          </button>
        </div>
      </form>
    </dialog>
  )
}

function PersonaCard({
  persona,
  editable,
  onEdit,
  onDelete,
  onDefault,
}: {
  persona: Persona
  editable: boolean
  onEdit: () => void
  onDelete: () => void
  onDefault: () => void
}) {
  const global = isGlobal(persona)
  const details = [
    persona.default_model ? modelLabel(persona.default_model) : null,
    persona.temperature != null ? `temperature ${Math.round(persona.temperature * 100) / 100}` : null,
  ].filter(Boolean)
  return (
    <li
      data-testid="persona-card"
      data-name={persona.name}
      data-global={String(global)}
      className={cn(
        'flex min-w-0 flex-col rounded-2xl border bg-surface/40 p-4',
        persona.is_default ? 'border-accent/40' : 'border-line',
      )}
    >
      <div className="flex items-start gap-3">
        <span
          aria-hidden="true"
          className={cn(
            'inline-flex size-9 shrink-0 items-center justify-center rounded-xl',
            global ? 'bg-surface-2 text-muted' : 'bg-accent-soft text-accent-text',
          )}
        >
          <Icon name="persona" size={18} />
        </span>
        <div className="min-w-0 flex-1">
          <h4 className="truncate text-[0.9375rem] font-semibold" title={persona.name}>
            {persona.name}
          </h4>
          <div className="mt-0.5 flex flex-wrap gap-1.5">
            {persona.is_default && (
              <span
                data-testid="persona-default-badge"
                className="inline-flex items-center gap-1 rounded-full border border-accent/30 bg-accent-soft px-2 py-px text-xs font-medium text-accent-text"
              >
                <Icon name="star" size={11} className="fill-current" />
                {global ? 'Everyone’s default' : 'Your default'}
              </span>
            )}
            {global && (
              <span className="inline-flex items-center rounded-full border border-line px-2 py-px text-xs font-medium text-muted">
                System
              </span>
            )}
          </div>
        </div>
      </div>
      <p
        data-testid="persona-prompt-preview"
        className={cn(
          'mt-3 line-clamp-3 whitespace-pre-line text-sm leading-relaxed [overflow-wrap:anywhere]',
          persona.system_prompt.trim() ? 'text-muted' : 'italic text-subtle',
        )}
      >
        {persona.system_prompt.trim() || 'No system prompt.'}
      </p>
      {details.length > 0 && <p className="mt-2 truncate text-xs text-subtle">{details.join(' · ')}</p>}
      <div className="mt-auto flex items-center gap-1 pt-3">
        {editable ? (
          <>
            <button
              type="button"
              onClick={onDefault}
              aria-pressed={persona.is_default}
              data-testid="persona-make-default"
              className={cn(
                'mr-auto inline-flex items-center gap-1.5 rounded-lg px-2 py-1.5 text-xs font-medium',
                persona.is_default
                  ? 'text-accent-text hover:bg-accent-soft'
                  : 'text-muted hover:bg-surface hover:text-fg',
              )}
            >
              <Icon name="star" size={14} className={persona.is_default ? 'fill-current' : undefined} />
              {persona.is_default ? 'Default' : 'Make default'}
            </button>
            <button
              type="button"
              onClick={onEdit}
              aria-label={`Edit ${persona.name}`}
              title="Edit"
              data-testid="persona-edit"
              className={iconButton}
            >
              <Icon name="pencil" size={15} />
            </button>
            <button
              type="button"
              onClick={onDelete}
              aria-label={`Delete ${persona.name}`}
              title="Delete"
              data-testid="persona-delete"
              className={cn(iconButton, 'hover:text-danger')}
            >
              <Icon name="trash" size={15} />
            </button>
          </>
        ) : (
          <p className="text-xs text-subtle">Read-only: kept by your admins.</p>
        )}
      </div>
    </li>
  )
}

export default function PersonasPage() {
  const items = usePersonas((s) => s.items)
  const status = usePersonas((s) => s.status)
  const load = usePersonas((s) => s.load)
  const isAdmin = useAuth((s) => s.user?.role === 'admin')
  const [editing, setEditing] = useState<Editing | null>(null)
  const [deleting, setDeleting] = useState<Persona | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const ownId = useId()
  const systemId = useId()

  // Fresh on each visit: an admin may have changed the system's.
  useEffect(() => {
    void load(true)
  }, [load])

  const { own, system } = splitPersonas(items)
  const fallback = defaultPersona(items)

  const confirmDelete = async () => {
    if (!deleting) return
    const persona = deleting
    setDeleting(null)
    try {
      await usePersonas.getState().remove(persona)
      setProblem(null)
    } catch (error) {
      setProblem(errorText(error))
    }
  }

  const toggleDefault = async (persona: Persona) => {
    try {
      await usePersonas.getState().setDefault(persona, !persona.is_default)
      setProblem(null)
    } catch (error) {
      setProblem(errorText(error))
    }
  }

  const cards = (list: Persona[]) => (
    <ul className="mt-3 grid gap-3 sm:grid-cols-2">
      {list.map((persona) => (
        <PersonaCard
          key={persona.id}
          persona={persona}
          editable={!isGlobal(persona) || isAdmin}
          onEdit={() => setEditing({ kind: 'edit', persona })}
          onDelete={() => setDeleting(persona)}
          onDefault={() => void toggleDefault(persona)}
        />
      ))}
    </ul>
  )

  return (
    <div className="scrollbar-thin flex-1 overflow-y-auto" data-testid="personas-page">
      <div className="mx-auto w-full max-w-3xl space-y-8 px-4 py-6 md:px-6 md:py-8">
        <div className="flex flex-wrap items-start gap-x-4 gap-y-3">
          <div className="min-w-0 flex-1 basis-64">
            <h2 className="text-xl font-semibold tracking-tight">Personas</h2>
            <p className="mt-1 text-sm text-muted">
              A persona is a system prompt with its own model and temperature. Pick one for a chat in the bar
              above it.
            </p>
            {status === 'ready' && (
              <p className="mt-2 text-sm text-muted" data-testid="default-persona">
                New chats use{' '}
                <span className="font-medium text-fg">
                  {fallback ? `“${fallback.name}”` : 'Gantry’s own instructions'}
                </span>
                .
              </p>
            )}
          </div>
          <button
            type="button"
            onClick={() => setEditing({ kind: 'new' })}
            data-testid="new-persona"
            className={primary}
          >
            <Icon name="plus" size={16} />
            New persona
          </button>
        </div>

        {problem && <ProblemAlert message={problem} onDismiss={() => setProblem(null)} />}
        {status === 'loading' && items.length === 0 && <Loading label="Loading personas" />}
        {status === 'error' && <LoadFailed what="the personas" onRetry={() => void load(true)} />}

        {(status === 'ready' || items.length > 0) && (
          <>
            <section aria-labelledby={ownId}>
              <h3 id={ownId} className="text-sm font-semibold">
                Your personas
                <span className="ml-1.5 font-normal text-subtle">({own.length})</span>
              </h3>
              {own.length === 0 ? (
                <div
                  data-testid="personas-empty"
                  className="mt-3 flex flex-col items-center gap-2 rounded-2xl border-2 border-dashed border-line px-4 py-8 text-center"
                >
                  <span className="inline-flex size-11 items-center justify-center rounded-2xl bg-accent-soft text-accent-text">
                    <Icon name="persona" size={22} />
                  </span>
                  <p className="mt-1 text-sm font-medium">No personas of your own yet</p>
                  <p className="max-w-sm text-sm text-muted">
                    Make one for the way you work: a patient tutor, a terse code reviewer, a careful editor.
                  </p>
                  <button
                    type="button"
                    onClick={() => setEditing({ kind: 'new' })}
                    className={cn(secondary, 'mt-2')}
                  >
                    <Icon name="plus" size={16} />
                    Create a persona
                  </button>
                </div>
              ) : (
                cards(own)
              )}
            </section>

            <section aria-labelledby={systemId}>
              <h3 id={systemId} className="text-sm font-semibold">
                System personas
                <span className="ml-1.5 font-normal text-subtle">({system.length})</span>
              </h3>
              <p className="mt-0.5 text-sm text-muted">
                {isAdmin
                  ? 'Every user can pick these. As an admin you keep them.'
                  : 'Every user can pick these.'}
              </p>
              {system.length === 0 ? (
                <p className="mt-3 rounded-xl border border-line px-4 py-5 text-center text-sm text-subtle">
                  {isAdmin
                    ? 'None yet. Create a persona and tick “A system persona” to share it.'
                    : 'Your admins have not made any.'}
                </p>
              ) : (
                cards(system)
              )}
            </section>
          </>
        )}
      </div>

      <PersonaEditor
        key={editing?.kind === 'edit' ? editing.persona.id : 'new'}
        editing={editing}
        isAdmin={isAdmin}
        onClose={() => setEditing(null)}
      />

      <ConfirmDialog
        open={deleting !== null}
        title="Delete this persona?"
        body={
          <>
            “{deleting?.name}” will be deleted
            {deleting && isGlobal(deleting) ? ' for every user' : ''}. Conversations that use it go on with
            the default persona.
          </>
        }
        confirmLabel="Delete"
        danger
        onConfirm={() => void confirmDelete()}
        onCancel={() => setDeleting(null)}
      />
    </div>
  )
}
