// One message: the user's in a bubble; the assistant's as Markdown with its sources, how
// it was assembled, and actions.
import { lazy, Suspense, useMemo, useState } from 'react'
import { Icon, Logo } from '../components/Icon'
import { copyText } from '../lib/clipboard'
import { cn } from '../lib/cn'
import { answerMeta } from '../lib/format'
import type { ChatMessage } from '../stores/chat'
import { useDisplay } from '../stores/display'
import { AssemblyPanel } from './AssemblyPanel'
import { Citations } from './Citations'

const Markdown = lazy(() => import('./Markdown'))

function Plain({ content }: { content: string }) {
  return <div className="prose-chat whitespace-pre-wrap">{content}</div>
}

function ActionButton({
  label,
  icon,
  onClick,
  testId,
}: {
  label: string
  icon: 'copy' | 'check' | 'refresh'
  onClick: () => void
  testId?: string
}) {
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      data-testid={testId}
      onClick={onClick}
      className="inline-flex size-8 items-center justify-center rounded-lg text-subtle transition-colors hover:bg-surface hover:text-fg"
    >
      <Icon name={icon} size={16} />
    </button>
  )
}

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false)
  return (
    <ActionButton
      label={copied ? 'Copied' : 'Copy message'}
      icon={copied ? 'check' : 'copy'}
      testId="copy-message"
      onClick={() =>
        void copyText(text).then((ok) => {
          if (ok) {
            setCopied(true)
            setTimeout(() => setCopied(false), 1600)
          }
        })
      }
    />
  )
}

function Typing() {
  return (
    <div className="flex h-7 items-center gap-1" aria-label="Thinking">
      {[0, 1, 2].map((i) => (
        <span
          key={i}
          className="typing-dot size-1.5 rounded-full bg-subtle"
          style={{ animationDelay: `${i * 0.16}s` }}
        />
      ))}
    </div>
  )
}

interface Props {
  message: ChatMessage
  isLast: boolean
  busy: boolean
  onRegenerate: () => void
  onRetry: () => void
}

/** The answer's time, tokens and speed, as the display settings ask. */
function AnswerMeta({ message }: { message: ChatMessage }) {
  const showTimestamps = useDisplay((s) => s.showTimestamps)
  const showUsage = useDisplay((s) => s.showUsage)
  const showSpeed = useDisplay((s) => s.showSpeed)
  const parts = answerMeta(
    {
      createdAt: message.createdAt,
      promptTokens: message.stats?.promptTokens,
      completionTokens: message.stats?.completionTokens,
      tokensPerSecond: message.stats?.tokensPerSecond,
    },
    { showTimestamps, showUsage, showSpeed },
  )
  if (parts.length === 0) return null
  return (
    <p data-testid="answer-meta" className="mt-2 text-xs text-subtle">
      {parts.join(' · ')}
    </p>
  )
}

export function MessageView({ message, isLast, busy, onRegenerate, onRetry }: Props) {
  if (message.role === 'user') {
    return (
      <article
        data-testid="message"
        data-role="user"
        data-status={message.status}
        aria-label="You said"
        className="group flex items-start justify-end gap-1.5"
      >
        <div className="mt-1 opacity-0 transition-opacity group-focus-within:opacity-100 group-hover:opacity-100 [@media(hover:none)]:hidden">
          <CopyButton text={message.content} />
        </div>
        <div className="max-w-[min(85%,70ch)] whitespace-pre-wrap rounded-2xl rounded-br-md bg-surface px-4 py-2.5 text-[0.9375rem] leading-relaxed [overflow-wrap:anywhere]">
          {message.content}
        </div>
      </article>
    )
  }

  return (
    <AnswerView message={message} isLast={isLast} busy={busy} onRegenerate={onRegenerate} onRetry={onRetry} />
  )
}

function AnswerView({ message, isLast, busy, onRegenerate, onRetry }: Props) {
  const [openSource, setOpenSource] = useState<number | null>(null)
  const streaming = message.status === 'streaming'
  const failed = message.status === 'error'
  const settled = !streaming
  const numbers = useMemo(() => message.citations?.map((c) => c.number) ?? [], [message.citations])
  return (
    <article
      data-testid="message"
      data-role="assistant"
      data-status={message.status}
      aria-label="Gantry said"
      className="group flex gap-3 md:gap-4"
    >
      <div className="mt-0.5 hidden shrink-0 sm:block">
        <Logo size={26} />
      </div>
      <div className="min-w-0 max-w-[70ch] flex-1">
        {message.content ? (
          <Suspense fallback={<Plain content={message.content} />}>
            <Markdown
              content={message.content}
              streaming={streaming}
              citations={numbers}
              onCite={setOpenSource}
            />
          </Suspense>
        ) : streaming ? (
          <Typing />
        ) : null}

        {failed && (
          <div
            role="alert"
            data-testid="message-error"
            className={cn(
              'flex items-start gap-3 rounded-xl border border-danger-line bg-danger-soft px-3.5 py-3 text-sm',
              message.content && 'mt-3',
            )}
          >
            <Icon name="alert" size={18} className="mt-px shrink-0 text-danger" />
            <div className="min-w-0 flex-1">
              <p className="font-medium text-danger">The answer could not be completed.</p>
              <p className="mt-0.5 break-words text-muted">{message.error?.message}</p>
              {isLast && (
                <button
                  type="button"
                  data-testid="retry"
                  onClick={onRetry}
                  disabled={busy}
                  className="mt-2.5 inline-flex items-center gap-1.5 rounded-lg border border-line-strong bg-canvas px-3 py-1.5 text-sm font-medium text-fg hover:bg-surface disabled:opacity-50"
                >
                  <Icon name="refresh" size={14} />
                  Retry
                </button>
              )}
            </div>
          </div>
        )}

        {message.status === 'partial' && <p className="mt-2 text-xs text-subtle">Stopped before the end.</p>}

        {settled && !failed && <AnswerMeta message={message} />}
        {settled && message.citations && (
          <Citations citations={message.citations} open={openSource} onOpen={setOpenSource} />
        )}
        {settled && !failed && (
          <AssemblyPanel
            citations={message.citations}
            timings={message.timings}
            stats={message.stats}
            model={message.model}
          />
        )}

        {settled && !failed && message.content && (
          <div
            className={cn(
              '-ml-1.5 mt-1.5 flex items-center gap-0.5 transition-opacity',
              // The last answer's actions stay in view; earlier ones show on hover or focus.
              !isLast && 'md:opacity-0 md:group-focus-within:opacity-100 md:group-hover:opacity-100',
            )}
          >
            <CopyButton text={message.content} />
            {isLast && (
              <ActionButton
                label="Regenerate answer"
                icon="refresh"
                testId="regenerate"
                onClick={onRegenerate}
              />
            )}
          </div>
        )}
      </div>
    </article>
  )
}
