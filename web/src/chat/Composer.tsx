// Where a question is written: Enter sends, Shift+Enter adds a line; Stop while an answer
// streams.
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'react'
import { Icon } from '../components/Icon'
import { cn } from '../lib/cn'

interface ComposerProps {
  onSend: (text: string) => void | Promise<void>
  onStop?: () => void
  /** An answer is being written: Stop replaces Send. */
  streaming?: boolean
  stopping?: boolean
  /** Sending is not possible (e.g. while a conversation is being created). */
  disabled?: boolean
  autoFocus?: boolean
  /** Changes to this number take the focus. */
  focusSignal?: number
  placeholder?: string
}

const MAX_HEIGHT = 240

export function Composer({
  onSend,
  onStop,
  streaming = false,
  stopping = false,
  disabled = false,
  autoFocus = false,
  focusSignal,
  placeholder = 'Message Gantry',
}: ComposerProps) {
  const [text, setText] = useState('')
  const area = useRef<HTMLTextAreaElement>(null)
  const hintId = useId()

  // Grow with the text, up to a limit, then scroll.
  useLayoutEffect(() => {
    const el = area.current
    if (!el) return
    el.style.height = 'auto'
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT)}px`
    el.style.overflowY = el.scrollHeight > MAX_HEIGHT ? 'auto' : 'hidden'
  }, [text])

  // Focus on arrival (not on touch screens, where it would open the keyboard unasked), and
  // whenever `focusSignal` changes.
  const firstSignal = useRef(focusSignal)
  useEffect(() => {
    const coarse = window.matchMedia?.('(pointer: coarse)').matches ?? false
    if (autoFocus && !coarse) area.current?.focus()
  }, [autoFocus])
  useEffect(() => {
    if (focusSignal !== firstSignal.current) area.current?.focus()
  }, [focusSignal])

  const canSend = text.trim().length > 0 && !streaming && !disabled

  const submit = () => {
    if (!canSend) return
    const value = text
    setText('')
    void onSend(value)
  }

  return (
    <form
      className="relative"
      onSubmit={(event) => {
        event.preventDefault()
        submit()
      }}
    >
      <div className="flex items-end gap-2 rounded-2xl border border-line-strong bg-canvas p-2 pl-4 shadow-soft transition-colors focus-within:border-accent/70">
        <label className="sr-only" htmlFor={`${hintId}-input`}>
          Message
        </label>
        <textarea
          id={`${hintId}-input`}
          ref={area}
          data-testid="composer"
          rows={1}
          value={text}
          placeholder={placeholder}
          aria-describedby={hintId}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
              event.preventDefault()
              submit()
            }
          }}
          className="max-h-60 min-h-[2.5rem] flex-1 resize-none bg-transparent py-2 text-[0.9375rem] leading-6 text-fg placeholder:text-subtle focus:outline-none focus-visible:outline-none"
        />
        {streaming ? (
          <button
            type="button"
            data-testid="stop"
            aria-label="Stop answering"
            title="Stop"
            onClick={onStop}
            disabled={stopping}
            className="inline-flex size-10 shrink-0 items-center justify-center rounded-xl bg-fg text-canvas transition-opacity hover:opacity-85 disabled:opacity-50"
          >
            <Icon name="stop" size={18} />
          </button>
        ) : (
          <button
            type="submit"
            data-testid="send"
            aria-label="Send message"
            title="Send (Enter)"
            disabled={!canSend}
            className={cn(
              'inline-flex size-10 shrink-0 items-center justify-center rounded-xl transition-colors',
              canSend ? 'bg-accent text-white hover:bg-accent-hover' : 'bg-surface-2 text-subtle',
            )}
          >
            <Icon name="send" size={18} strokeWidth={2.2} />
          </button>
        )}
      </div>
      <p id={hintId} className="mt-2 hidden text-center text-xs text-subtle sm:block">
        <kbd className="font-sans">Enter</kbd> to send · <kbd className="font-sans">Shift</kbd> +{' '}
        <kbd className="font-sans">Enter</kbd> for a new line
      </p>
    </form>
  )
}
