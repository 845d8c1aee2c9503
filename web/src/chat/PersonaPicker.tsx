// Which persona a chat uses: the default, one of the user's own, or one of the system's.
import { useEffect } from 'react'
import { Link } from 'react-router'
import { defaultPersona, splitPersonas, usePersonas, type Persona } from '../stores/personas'
import { Badge, Picker, type PickerOption } from './Picker'

const DEFAULT = ''

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? ''
  return line.length > 90 ? `${line.slice(0, 89)}…` : line
}

function option(persona: Persona, group: string): PickerOption {
  return {
    value: persona.id,
    label: persona.name,
    description: firstLine(persona.system_prompt) || undefined,
    group,
    badge: persona.is_default ? <Badge tone="accent">Default</Badge> : undefined,
    testId: 'persona-option',
    data: { name: persona.name },
  }
}

interface Props {
  /** The persona chosen (`null`: the default). */
  personaId: string | null
  onChange: (personaId: string | null) => void
  busy?: boolean
  disabled?: boolean
}

export function PersonaPicker({ personaId, onChange, busy, disabled }: Props) {
  const items = usePersonas((s) => s.items)
  const status = usePersonas((s) => s.status)
  const load = usePersonas((s) => s.load)

  useEffect(() => {
    void load()
  }, [load])

  const { own, system } = splitPersonas(items)
  const fallback = defaultPersona(items)
  const chosen = personaId ? items.find((p) => p.id === personaId) : undefined
  const options: PickerOption[] = [
    {
      value: DEFAULT,
      label: 'Default',
      description: fallback ? `Uses “${fallback.name}”` : 'Gantry’s own instructions',
      testId: 'persona-option',
      data: { name: 'Default' },
    },
    ...own.map((p) => option(p, 'Your personas')),
    ...system.map((p) => option(p, 'System personas')),
  ]

  return (
    <Picker
      label="Persona"
      icon="persona"
      value={chosen?.name ?? fallback?.name ?? 'Default'}
      options={options}
      selected={[chosen ? chosen.id : DEFAULT]}
      onSelect={(value) => onChange(value === DEFAULT ? null : value)}
      state={status === 'error' ? 'error' : status === 'ready' ? 'ready' : 'loading'}
      onRetry={() => void load(true)}
      busy={busy}
      disabled={disabled}
      testId="persona-picker"
      listTestId="persona-options"
      className="max-w-[8rem] shrink-0 sm:max-w-[14rem]"
      footer={
        <Link
          to="/personas"
          className="font-medium text-accent-text hover:underline"
          data-testid="manage-personas"
        >
          Manage personas
        </Link>
      }
    />
  )
}
