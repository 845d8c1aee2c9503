// Which model answers: for a new chat, picked before its first message; for a conversation,
// the one its next answers come from (changed in place: the answers given stay as they are).
import { useEffect } from 'react'
import { activeModelId, effectiveModel, modelLabel, sortModels, useModels } from '../stores/models'
import { Badge, Picker, type PickerOption } from './Picker'

const AUTOMATIC = ''

interface Props {
  /** `new`: picks the next chat's model; `conversation`: changes a conversation's. */
  mode: 'new' | 'conversation'
  /** The model chosen (`null`: the persona's or the server's default). */
  model: string | null
  /** The default model of the persona in use, if it has one. */
  personaModel?: string | null
  onChange: (model: string | null) => void
  /** A change is being saved. */
  busy?: boolean
  disabled?: boolean
}

export function ModelPicker({ mode, model, personaModel, onChange, busy, disabled }: Props) {
  const models = useModels((s) => s.models)
  const serverDefault = useModels((s) => s.active)
  const status = useModels((s) => s.status)
  const load = useModels((s) => s.load)

  useEffect(() => {
    void load()
  }, [load])

  const active = activeModelId(models, serverDefault)
  const inUse = effectiveModel(model, personaModel, active)
  const modelOptions: PickerOption[] = sortModels(models, active).map((m) => ({
    value: m.id,
    label: modelLabel(m.name),
    description:
      m.id === inUse && mode === 'conversation'
        ? `Backend “${m.backend}” · answers this chat`
        : `Backend “${m.backend}”`,
    badge: m.id === active ? <Badge tone="good">Active</Badge> : undefined,
    testId: 'model-option',
    data: { model: m.id, active: String(m.id === active) },
  }))
  const options: PickerOption[] = [
    {
      value: AUTOMATIC,
      label: 'Automatic',
      description: personaModel
        ? `The persona’s model: ${modelLabel(personaModel)}`
        : active
          ? `The active model: ${modelLabel(active)}`
          : 'The server’s choice',
      testId: 'model-option',
      data: { model: '' },
    },
    ...modelOptions,
  ]
  const chosen = model ?? AUTOMATIC

  return (
    <Picker
      label="Model"
      icon="server"
      value={inUse ? modelLabel(inUse) : 'Default model'}
      options={options}
      selected={[chosen]}
      onSelect={(value) => {
        if (value !== chosen) onChange(value === AUTOMATIC ? null : value)
      }}
      state={status === 'error' ? 'error' : status === 'ready' ? 'ready' : 'loading'}
      onRetry={() => void load(true)}
      busy={busy}
      disabled={disabled}
      testId="model-picker"
      listTestId="model-options"
      className="max-w-[16rem]"
      width={340}
      empty="No model is answering now. An admin can check the backends."
      footer={
        mode === 'conversation'
          ? 'The next answers in this chat come from the model picked here.'
          : active
            ? 'Active: the model that answers when none is picked.'
            : undefined
      }
    />
  )
}
