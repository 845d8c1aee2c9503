// What the admin pages share: form and button styles, cards, badges, a dialog with a form,
// and the message a non-admin gets.
import { useEffect, useId, useRef, type ReactNode } from 'react'
import { Icon, type IconName } from '../../components/Icon'
import { LoadFailed } from '../../components/LoadState'
import { Spinner } from '../../components/Spinner'
import { cn } from '../../lib/cn'
import { isForbidden } from './api'

/** A text field's look, without its size (so that sizes never fight in one class list). */
export const fieldBase =
  'min-w-0 rounded-lg border border-line bg-canvas text-fg placeholder:text-subtle focus:border-line-strong focus:outline-none focus-visible:outline-2 focus-visible:outline-offset-0 disabled:opacity-60'
export const field = `${fieldBase} w-full px-3 py-2 text-sm`
/** A compact field, for filters. */
export const fieldSm = `${fieldBase} w-full px-2.5 py-1.5 text-sm`
/** Selects, as tall as the fields beside them (a browser draws them shorter). */
export const selectField = `${field} h-[2.375rem]`
export const selectSm = `${fieldSm} h-[2.125rem]`
export const primary =
  'inline-flex shrink-0 items-center justify-center gap-1.5 rounded-lg bg-accent px-3.5 py-2 text-sm font-medium text-white hover:bg-accent-hover disabled:opacity-50'
export const secondary =
  'inline-flex shrink-0 items-center justify-center gap-1.5 rounded-lg border border-line bg-canvas px-3 py-2 text-sm font-medium text-fg hover:bg-surface disabled:opacity-50'
export const small =
  'inline-flex shrink-0 items-center justify-center gap-1.5 rounded-lg border border-line bg-canvas px-2.5 py-1.5 text-xs font-medium text-fg hover:bg-surface disabled:opacity-50'
export const smallDanger =
  'inline-flex shrink-0 items-center justify-center gap-1.5 rounded-lg border border-line bg-canvas px-2.5 py-1.5 text-xs font-medium text-danger hover:border-danger-line hover:bg-danger-soft disabled:opacity-50'
export const iconButton =
  'inline-flex size-8 shrink-0 items-center justify-center rounded-lg text-muted hover:bg-surface hover:text-fg disabled:opacity-50'
export const label = 'mb-1 block text-sm font-medium'
export const labelSm = 'mb-1 block text-xs font-medium text-muted'

/** A card of the admin pages, titled, with actions at its top right. */
export function Card({
  title,
  description,
  actions,
  children,
  className,
  testId,
}: {
  title: string
  description?: ReactNode
  actions?: ReactNode
  children: ReactNode
  className?: string
  testId?: string
}) {
  const id = useId()
  return (
    <section
      aria-labelledby={id}
      data-testid={testId}
      className={cn('rounded-2xl border border-line bg-canvas p-4 md:p-5', className)}
    >
      <div className="flex flex-wrap items-start justify-between gap-x-4 gap-y-2">
        <div className="min-w-0">
          <h3 id={id} className="text-base font-semibold">
            {title}
          </h3>
          {description && <p className="mt-0.5 text-sm text-muted">{description}</p>}
        </div>
        {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
      </div>
      <div className="mt-4">{children}</div>
    </section>
  )
}

export type Tone = 'neutral' | 'accent' | 'success' | 'danger' | 'warning'

const TONES: Record<Tone, string> = {
  neutral: 'border-line bg-surface text-muted',
  accent: 'border-accent/30 bg-accent-soft text-accent-text',
  success: 'border-[#1f8a4c]/40 bg-[#1f8a4c]/10 text-[#1a7341] dark:text-[#5fd08f]',
  danger: 'border-danger-line bg-danger-soft text-danger',
  warning: 'border-[#b45309]/40 bg-[#b45309]/10 text-[#92400e] dark:text-[#f5b26b]',
}

export function Badge({
  tone = 'neutral',
  children,
  testId,
  className,
}: {
  tone?: Tone
  children: ReactNode
  testId?: string
  className?: string
}) {
  return (
    <span
      data-testid={testId}
      className={cn(
        'inline-flex items-center gap-1 whitespace-nowrap rounded-full border px-2 py-0.5 text-xs font-medium',
        TONES[tone],
        className,
      )}
    >
      {children}
    </span>
  )
}

/** A coloured dot and a word: whether something answers (`null`: not known). */
export function StatusDot({
  ok,
  children,
  testId,
}: {
  ok: boolean | null
  children: ReactNode
  testId?: string
}) {
  return (
    <span
      data-testid={testId}
      data-ok={ok ?? 'unknown'}
      className={cn(
        'inline-flex items-center gap-1.5 text-sm font-medium',
        ok === null ? 'text-muted' : ok ? 'text-[#1a7341] dark:text-[#5fd08f]' : 'text-danger',
      )}
    >
      <span
        aria-hidden="true"
        className={cn(
          'size-2 shrink-0 rounded-full',
          ok === null ? 'bg-subtle' : ok ? 'bg-[#1f8a4c] dark:bg-[#5fd08f]' : 'bg-danger',
        )}
      />
      {children}
    </span>
  )
}

/** A done thing said in place (role status), dismissable. */
export function Notice({
  children,
  onDismiss,
  className,
  testId,
}: {
  children: ReactNode
  onDismiss?: () => void
  className?: string
  testId?: string
}) {
  return (
    <div
      role="status"
      data-testid={testId}
      className={cn(
        'flex items-start gap-2 rounded-lg border border-[#1f8a4c]/35 bg-[#1f8a4c]/10 px-2.5 py-2 text-sm text-[#1a7341] dark:text-[#5fd08f]',
        className,
      )}
    >
      <Icon name="check" size={16} className="mt-0.5 shrink-0" />
      <span className="min-w-0 flex-1 [overflow-wrap:anywhere]">{children}</span>
      {onDismiss && (
        <button type="button" aria-label="Dismiss" onClick={onDismiss} className="shrink-0">
          <Icon name="x" size={14} />
        </button>
      )}
    </div>
  )
}

/** What a non-admin sees instead of the admin pages. */
export function Forbidden() {
  return (
    <div
      data-testid="admin-forbidden"
      role="alert"
      className="mx-auto mt-10 flex max-w-md flex-col items-center gap-3 rounded-2xl border border-line bg-surface/50 px-6 py-10 text-center"
    >
      <span className="flex size-11 items-center justify-center rounded-full bg-accent-soft text-accent-text">
        <Icon name="shield" size={22} />
      </span>
      <h2 className="text-lg font-semibold">Only administrators can see this page</h2>
      <p className="text-sm text-muted">
        Your account cannot manage users, models or the server. Ask an administrator of this Gantry if you
        need something changed.
      </p>
    </div>
  )
}

/** A list that did not load: the non-admin message for a 403, else a way to try again. */
export function LoadError({ error, what, onRetry }: { error: unknown; what: string; onRetry: () => void }) {
  if (isForbidden(error)) return <Forbidden />
  return (
    <div
      role="alert"
      className="rounded-xl border border-danger-line bg-danger-soft px-4 py-3 text-sm text-danger [&_button]:text-danger"
    >
      <LoadFailed what={what} onRetry={onRetry} className="text-sm text-danger" />
      {error instanceof Error && <p className="mt-1 text-xs opacity-90">{error.message}</p>}
    </div>
  )
}

/** A modal form on the native <dialog>: a title, fields, a problem reported in place. */
export function FormDialog({
  open,
  title,
  description,
  submitLabel,
  busy,
  problem,
  danger,
  wide,
  testId,
  onSubmit,
  onClose,
  children,
}: {
  open: boolean
  title: string
  description?: ReactNode
  submitLabel: string
  busy?: boolean
  problem?: string | null
  danger?: boolean
  wide?: boolean
  testId?: string
  onSubmit: () => void
  onClose: () => void
  children: ReactNode
}) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const dialog = ref.current
    if (!dialog) return
    if (open && !dialog.open) {
      if (typeof dialog.showModal === 'function') dialog.showModal()
      else dialog.setAttribute('open', '')
      // Start in the first field rather than on the close button.
      dialog
        .querySelector<HTMLElement>('form input:not([type="hidden"]), form textarea, form select')
        ?.focus()
    } else if (!open && dialog.open) {
      if (typeof dialog.close === 'function') dialog.close()
      else dialog.removeAttribute('open')
    }
  }, [open])
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(event) => {
        event.preventDefault()
        onClose()
      }}
      onClick={(event) => {
        if (event.target === ref.current) onClose()
      }}
      className={cn(
        'm-auto max-h-[calc(100dvh-2rem)] rounded-2xl border border-line bg-canvas p-0 text-fg shadow-soft backdrop:bg-black/40 backdrop:backdrop-blur-[2px]',
        wide ? 'w-[min(40rem,calc(100vw-2rem))]' : 'w-[min(28rem,calc(100vw-2rem))]',
      )}
    >
      {open && (
        <form
          className="p-5 md:p-6"
          onSubmit={(event) => {
            event.preventDefault()
            onSubmit()
          }}
        >
          <div className="flex items-start gap-3">
            <div className="min-w-0 flex-1">
              <h2 id={titleId} className="text-base font-semibold">
                {title}
              </h2>
              {description && <div className="mt-1 text-sm leading-relaxed text-muted">{description}</div>}
            </div>
            <button
              type="button"
              aria-label="Close"
              onClick={onClose}
              className={cn(iconButton, '-mr-2 -mt-1')}
            >
              <Icon name="x" size={16} />
            </button>
          </div>
          <div className="mt-4 space-y-3">{children}</div>
          {problem && (
            <p
              role="alert"
              data-testid="dialog-problem"
              className="mt-3 rounded-lg border border-danger-line bg-danger-soft px-2.5 py-2 text-sm text-danger"
            >
              {problem}
            </p>
          )}
          <div className="mt-5 flex justify-end gap-2">
            <button type="button" onClick={onClose} className={secondary}>
              Cancel
            </button>
            <button
              type="submit"
              disabled={busy}
              data-testid="dialog-submit"
              className={
                danger
                  ? 'inline-flex items-center gap-1.5 rounded-lg bg-[#c0262d] px-3.5 py-2 text-sm font-medium text-white hover:bg-[#a61f25] disabled:opacity-50'
                  : primary
              }
            >
              {busy && <Spinner className="[&_svg]:size-4 [&_svg]:text-white" label="Working" />}
              {submitLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  )
}

/** A count or a figure with its label, for the summary cards. */
export function Stat({
  label: text,
  value,
  hint,
  icon,
  testId,
}: {
  label: string
  value: ReactNode
  hint?: ReactNode
  icon?: IconName
  testId?: string
}) {
  return (
    <div data-testid={testId} className="min-w-0 rounded-xl border border-line bg-surface/50 px-3.5 py-3">
      <div className="flex items-center gap-1.5 text-xs font-medium text-muted">
        {icon && <Icon name={icon} size={14} />}
        {text}
      </div>
      <div className="mt-1 truncate text-lg font-semibold tabular-nums">{value}</div>
      {hint && <div className="mt-0.5 text-xs text-subtle">{hint}</div>}
    </div>
  )
}
