// The conversation's messages, kept scrolled to the newest while the reader is there.
// Only the messages in view (and a few either side) are in the page, so a conversation of
// thousands of messages scrolls and types as lightly as a short one.
import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import { Icon } from '../components/Icon'
import { Spinner } from '../components/Spinner'
import { useChat, type Thread } from '../stores/chat'
import { MessageView } from './MessageView'

interface Props {
  conversationId: string
  thread: Thread
  streaming: boolean
}

export function MessageList({ conversationId, thread, streaming }: Props) {
  const scroller = useRef<HTMLDivElement>(null)
  const stick = useRef(true)
  const keepFromBottom = useRef<number | null>(null)
  const [away, setAway] = useState(false)
  const regenerate = useChat((s) => s.regenerate)
  const retry = useChat((s) => s.retry)
  const loadOlder = useChat((s) => s.loadOlder)

  const messages = thread.messages
  const last = messages[messages.length - 1]

  const virtualizer = useVirtualizer({
    count: messages.length,
    getScrollElement: () => scroller.current,
    // A first guess; each message is measured once shown.
    estimateSize: () => 140,
    overscan: 6,
    getItemKey: (index) => messages[index]?.key ?? index,
  })

  useEffect(() => {
    stick.current = true
  }, [conversationId])

  // Older messages were put on top: keep the same ones in view.
  useLayoutEffect(() => {
    const el = scroller.current
    if (!el || keepFromBottom.current === null) return
    el.scrollTop = el.scrollHeight - keepFromBottom.current
    keepFromBottom.current = null
  }, [messages[0]?.key])

  // New text at the end: follow it if the reader is at the end.
  useLayoutEffect(() => {
    const el = scroller.current
    if (el && stick.current) el.scrollTop = el.scrollHeight
  }, [conversationId, messages.length, last?.content, last?.status, last?.citations])

  // Content that grows by itself (Markdown loaded late, a panel opened at the end) keeps
  // the reader at the end if they were there.
  useEffect(() => {
    const el = scroller.current
    const content = el?.firstElementChild
    if (!el || !content || typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver(() => {
      if (stick.current) el.scrollTop = el.scrollHeight
    })
    observer.observe(content)
    return () => observer.disconnect()
  }, [])

  const onScroll = () => {
    const el = scroller.current
    if (!el) return
    const fromEnd = el.scrollHeight - el.scrollTop - el.clientHeight
    stick.current = fromEnd < 80
    setAway(fromEnd > 240)
  }

  const older = () => {
    const el = scroller.current
    if (el) keepFromBottom.current = el.scrollHeight - el.scrollTop
    void loadOlder(conversationId)
  }

  const lastAssistant = last?.role === 'assistant' ? last.key : null

  return (
    <div className="relative flex min-h-0 flex-1 flex-col">
      <div ref={scroller} onScroll={onScroll} className="scrollbar-thin flex-1 overflow-y-auto">
        <div
          role="log"
          aria-live="polite"
          aria-busy={streaming}
          aria-label="Messages"
          data-testid="message-list"
          className="mx-auto flex w-full max-w-3xl flex-col gap-7 px-4 pb-0 pt-6 md:px-6"
        >
          {thread.next && (
            <div className="flex justify-center">
              <button
                type="button"
                onClick={older}
                disabled={thread.loadingOlder}
                className="rounded-full border border-line px-3 py-1 text-xs text-muted hover:bg-surface hover:text-fg"
              >
                {thread.loadingOlder ? 'Loading…' : 'Load earlier messages'}
              </button>
            </div>
          )}
          {thread.status === 'loading' && messages.length === 0 && (
            <div className="flex justify-center py-10">
              <Spinner label="Loading messages" />
            </div>
          )}
          <div className="relative w-full" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const message = messages[item.index]
              return (
                <div
                  key={item.key}
                  data-index={item.index}
                  ref={virtualizer.measureElement}
                  className="absolute left-0 top-0 w-full pb-7"
                  style={{ transform: `translateY(${item.start}px)` }}
                >
                  <MessageView
                    message={message}
                    isLast={message.key === lastAssistant}
                    busy={streaming}
                    onRegenerate={() => void regenerate(conversationId)}
                    onRetry={() => void retry(conversationId, message.key)}
                  />
                </div>
              )
            })}
          </div>
        </div>
      </div>
      {away && (
        <button
          type="button"
          aria-label="Scroll to the latest message"
          onClick={() => {
            const el = scroller.current
            if (el) el.scrollTo({ top: el.scrollHeight, behavior: 'smooth' })
          }}
          className="absolute bottom-3 left-1/2 inline-flex size-9 -translate-x-1/2 items-center justify-center rounded-full border border-line bg-canvas text-muted shadow-soft hover:text-fg"
        >
          <Icon name="arrowDown" size={16} />
        </button>
      )}
    </div>
  )
}
