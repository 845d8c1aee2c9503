import { Icon } from './Icon'
import { Spinner } from './Spinner'

/** A list being loaded: a spinner, centred, named for screen readers. */
export function Loading({ label }: { label: string }) {
  return (
    <div className="flex justify-center py-8">
      <Spinner label={label} />
    </div>
  )
}

/** What a list says when it could not be loaded, with a way to try again. */
export function LoadFailed({
  what,
  onRetry,
  className = 'text-sm text-muted',
}: {
  what: string
  onRetry: () => void
  className?: string
}) {
  return (
    <p className={className}>
      Could not load {what}.{' '}
      <button type="button" onClick={onRetry} className="font-medium text-accent-text underline">
        Try again
      </button>
    </p>
  )
}

/** A problem reported in place, which the user can dismiss. */
export function ProblemAlert({
  message,
  onDismiss,
  className = '',
}: {
  message: string
  onDismiss: () => void
  className?: string
}) {
  return (
    <div
      role="alert"
      className={`flex items-start gap-2 rounded-lg border border-danger-line bg-danger-soft px-2.5 py-2 text-sm text-danger ${className}`}
    >
      <span className="flex-1">{message}</span>
      <button type="button" aria-label="Dismiss" onClick={onDismiss}>
        <Icon name="x" size={14} />
      </button>
    </div>
  )
}
