// A compact button that opens a list to pick from (a listbox: one option, or several with
// `multiple`). Arrow keys, Home and End move between options, Enter or Space picks, Escape
// or a click outside closes and gives the focus back to the button.
import { useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react'
import { Icon, type IconName } from '../components/Icon'
import { Spinner } from '../components/Spinner'
import { cn } from '../lib/cn'

export interface PickerOption {
  value: string
  label: string
  /** A second line, quieter. */
  description?: string
  /** Shown at the end of the option (a small badge). */
  badge?: ReactNode
  icon?: IconName
  /** A group's heading, shown above the first option of each group. */
  group?: string
  disabled?: boolean
  testId?: string
  /** Extra data-* attributes for tests (e.g. `{ active: 'true' }`). */
  data?: Record<string, string>
}

interface PickerProps {
  /** What is picked, e.g. "Persona": the button's and the list's accessible name. */
  label: string
  icon: IconName
  /** What the button shows: the current choice. */
  value: string
  options: PickerOption[]
  selected: string[]
  multiple?: boolean
  onSelect: (value: string) => void
  /** Below the options: a hint, a link. */
  footer?: ReactNode
  /** Shown instead of the options while they load (or could not be). */
  state?: 'loading' | 'error' | 'ready'
  onRetry?: () => void
  empty?: ReactNode
  /** A spinner instead of the icon: a change being saved, or the choice being read. */
  busy?: boolean
  /** What the spinner says to a screen reader. */
  busyLabel?: string
  disabled?: boolean
  testId?: string
  listTestId?: string
  className?: string
  /** The widest the list grows, in px. */
  width?: number
  /** A smaller button, for inside a list's rows. */
  compact?: boolean
}

const GAP = 6
const MARGIN = 8

export function Picker({
  label,
  icon,
  value,
  options,
  selected,
  multiple = false,
  onSelect,
  footer,
  state = 'ready',
  onRetry,
  empty,
  busy = false,
  busyLabel = 'Saving',
  disabled = false,
  testId,
  listTestId,
  className,
  width = 320,
  compact = false,
}: PickerProps) {
  const [open, setOpen] = useState(false)
  const [place, setPlace] = useState<{
    top?: number
    bottom?: number
    left: number
    width: number
    maxHeight: number
  } | null>(null)
  const button = useRef<HTMLButtonElement>(null)
  const panel = useRef<HTMLDivElement>(null)
  const listId = useId()
  const labelId = useId()

  // Below the button when there is room, else above it; always inside the window; moved
  // along when the page scrolls or the window changes size.
  useLayoutEffect(() => {
    if (!open) return
    const place = () => {
      if (!button.current) return
      const rect = button.current.getBoundingClientRect()
      const w = Math.min(width, window.innerWidth - 2 * MARGIN)
      const left = Math.max(MARGIN, Math.min(rect.left, window.innerWidth - w - MARGIN))
      const below = window.innerHeight - rect.bottom - GAP - MARGIN
      const above = rect.top - GAP - MARGIN
      if (below >= 260 || below >= above) {
        setPlace({ top: rect.bottom + GAP, left, width: w, maxHeight: Math.min(420, below) })
      } else {
        setPlace({
          bottom: window.innerHeight - rect.top + GAP,
          left,
          width: w,
          maxHeight: Math.min(420, above),
        })
      }
    }
    const onScroll = (event: Event) => {
      if (!panel.current?.contains(event.target as Node)) place()
    }
    place()
    window.addEventListener('resize', place)
    window.addEventListener('scroll', onScroll, true)
    return () => {
      window.removeEventListener('resize', place)
      window.removeEventListener('scroll', onScroll, true)
    }
  }, [open, width])

  const entries = () =>
    Array.from(
      panel.current?.querySelectorAll<HTMLElement>('[role="option"]:not([aria-disabled="true"])') ?? [],
    )

  // Once placed (and again when the options arrive), the focus goes to the (first) chosen
  // option, else the first.
  const ready = state === 'ready' && options.length > 0
  const placed = open && place !== null
  useEffect(() => {
    if (!placed) return
    const all = entries()
    const chosen = all.find((e) => e.getAttribute('aria-selected') === 'true')
    ;(chosen ?? all[0] ?? panel.current)?.focus()
  }, [placed, ready])

  useEffect(() => {
    if (!open) return
    const onDown = (event: MouseEvent) => {
      const target = event.target as Node
      if (!panel.current?.contains(target) && !button.current?.contains(target)) {
        setOpen(false)
        setPlace(null)
      }
    }
    document.addEventListener('mousedown', onDown)
    return () => document.removeEventListener('mousedown', onDown)
  }, [open])

  const close = (focus = true) => {
    setOpen(false)
    setPlace(null)
    if (focus) button.current?.focus()
  }

  const pick = (option: PickerOption) => {
    if (option.disabled) return
    onSelect(option.value)
    if (!multiple) close()
  }

  const onKeyDown = (event: React.KeyboardEvent) => {
    const all = entries()
    const index = all.indexOf(document.activeElement as HTMLElement)
    const move = (to: number) => {
      event.preventDefault()
      all[(to + all.length) % all.length]?.focus()
    }
    if (event.key === 'Escape') {
      event.preventDefault()
      event.stopPropagation()
      close()
    } else if (event.key === 'ArrowDown') move(index + 1)
    else if (event.key === 'ArrowUp') move(index < 0 ? all.length - 1 : index - 1)
    else if (event.key === 'Home') move(0)
    else if (event.key === 'End') move(all.length - 1)
    else if (event.key === 'Tab') close(false)
  }

  const renderOption = (option: PickerOption) => {
    const isSelected = selected.includes(option.value)
    const data = Object.fromEntries(Object.entries(option.data ?? {}).map(([key, v]) => [`data-${key}`, v]))
    return (
      <div
        key={option.value}
        role="option"
        tabIndex={-1}
        aria-selected={isSelected}
        aria-disabled={option.disabled || undefined}
        data-testid={option.testId}
        {...data}
        onClick={() => pick(option)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault()
            pick(option)
          }
        }}
        className={cn(
          'flex cursor-pointer items-start gap-2.5 rounded-lg px-2.5 py-2 text-sm outline-none hover:bg-surface focus:bg-surface focus-visible:outline-none',
          option.disabled && 'cursor-default opacity-50 hover:bg-transparent',
        )}
      >
        <span
          aria-hidden="true"
          className={cn(
            'mt-0.5 inline-flex size-4 shrink-0 items-center justify-center',
            multiple && 'rounded border',
            multiple && (isSelected ? 'border-accent bg-accent text-white' : 'border-line-strong'),
            !multiple && 'text-accent-text',
          )}
        >
          {isSelected && <Icon name="check" size={multiple ? 12 : 15} strokeWidth={2.4} />}
        </span>
        {option.icon && <Icon name={option.icon} size={15} className="mt-0.5 shrink-0 text-subtle" />}
        <span className="min-w-0 flex-1">
          <span className="block truncate font-medium" title={option.label}>
            {option.label}
          </span>
          {option.description && (
            <span className="mt-0.5 line-clamp-2 block text-xs text-subtle">{option.description}</span>
          )}
        </span>
        {option.badge && <span className="shrink-0">{option.badge}</span>}
      </div>
    )
  }

  return (
    <>
      <button
        ref={button}
        type="button"
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-controls={open ? listId : undefined}
        aria-label={`${label}: ${value}`}
        title={`${label}: ${value}`}
        data-testid={testId}
        disabled={disabled}
        onClick={() => (open ? close(false) : setOpen(true))}
        onKeyDown={(event) => {
          if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && !open) {
            event.preventDefault()
            setOpen(true)
          }
        }}
        className={cn(
          'inline-flex min-w-0 items-center border border-line bg-canvas text-muted hover:border-line-strong hover:bg-surface hover:text-fg disabled:opacity-50 aria-expanded:border-line-strong aria-expanded:bg-surface aria-expanded:text-fg',
          compact
            ? 'h-7 gap-1.5 rounded-md px-2 text-xs'
            : 'h-8 gap-1 rounded-lg px-2 text-[0.8125rem] sm:gap-1.5 sm:px-2.5',
          className,
        )}
      >
        {busy ? (
          <Spinner className="[&_svg]:size-3.5" label={busyLabel} />
        ) : (
          <Icon name={icon} size={14} className="shrink-0" />
        )}
        <span className="min-w-0 truncate font-medium text-fg">{value}</span>
        <Icon
          name="chevronDown"
          size={13}
          className={cn('shrink-0 text-subtle', !compact && 'hidden sm:block')}
        />
      </button>
      {open && (
        <div
          ref={panel}
          tabIndex={-1}
          onKeyDown={onKeyDown}
          style={{
            position: 'fixed',
            top: place?.top,
            bottom: place?.bottom,
            left: place?.left ?? -9999,
            width: place?.width ?? width,
            maxHeight: place?.maxHeight,
            visibility: place ? 'visible' : 'hidden',
          }}
          className="z-50 flex flex-col overflow-hidden rounded-xl border border-line bg-canvas text-fg shadow-soft outline-none"
        >
          <div
            id={labelId}
            className="border-b border-line px-3 py-2 text-xs font-semibold uppercase tracking-wide text-subtle"
          >
            {label}
          </div>
          {state === 'loading' && (
            <div className="flex justify-center py-6">
              <Spinner label={`Loading ${label.toLowerCase()}`} />
            </div>
          )}
          {state === 'error' && (
            <p className="px-3 py-4 text-sm text-muted">
              Could not load them.{' '}
              {onRetry && (
                <button type="button" onClick={onRetry} className="font-medium text-accent-text underline">
                  Try again
                </button>
              )}
            </p>
          )}
          {state === 'ready' && options.length === 0 && (
            <div className="px-3 py-4 text-sm text-muted">{empty ?? 'Nothing to pick.'}</div>
          )}
          {state === 'ready' && options.length > 0 && (
            <div
              id={listId}
              role="listbox"
              aria-labelledby={labelId}
              aria-multiselectable={multiple || undefined}
              data-testid={listTestId}
              className="scrollbar-thin min-h-0 flex-1 overflow-y-auto p-1"
            >
              {sections(options).map((section, i) =>
                section.group ? (
                  <div key={`${section.group}-${i}`} role="group" aria-labelledby={`${listId}-g${i}`}>
                    <div
                      id={`${listId}-g${i}`}
                      className="px-2.5 pb-1 pt-2.5 text-[0.7rem] font-semibold uppercase tracking-wide text-subtle"
                    >
                      {section.group}
                    </div>
                    {section.options.map(renderOption)}
                  </div>
                ) : (
                  section.options.map(renderOption)
                ),
              )}
            </div>
          )}
          {footer && <div className="border-t border-line px-3 py-2 text-xs text-muted">{footer}</div>}
        </div>
      )}
    </>
  )
}

/** Consecutive options of the same group, together. */
function sections(options: PickerOption[]): Array<{ group?: string; options: PickerOption[] }> {
  const out: Array<{ group?: string; options: PickerOption[] }> = []
  for (const option of options) {
    const last = out[out.length - 1]
    if (last && last.group === option.group) last.options.push(option)
    else out.push({ group: option.group, options: [option] })
  }
  return out
}

/** A small pill for a picker's option: "Default", "Active". */
export function Badge({
  children,
  tone = 'neutral',
}: {
  children: ReactNode
  tone?: 'neutral' | 'accent' | 'good'
}) {
  return (
    <span
      className={cn(
        'inline-flex items-center rounded-full border px-1.5 py-px text-[0.6875rem] font-medium',
        tone === 'neutral' && 'border-line text-muted',
        tone === 'accent' && 'border-accent/30 bg-accent-soft text-accent-text',
        tone === 'good' && 'border-[#1f8a4c]/40 bg-[#1f8a4c]/10 text-[#1a7341] dark:text-[#5fd08f]',
      )}
    >
      {children}
    </span>
  )
}
