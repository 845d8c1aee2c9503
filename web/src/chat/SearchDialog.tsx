// Search everything (Cmd/Ctrl+K): conversations by title and by what was said, documents
// by name and by content; arrow keys and Enter jump to a result.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react'
import { useNavigate } from 'react-router'
import { api } from '../api/client'
import type { SearchResults } from '../api/types'
import { Icon, type IconName } from '../components/Icon'
import { Spinner } from '../components/Spinner'
import { cn } from '../lib/cn'
import { formatTime } from '../lib/dates'
import { snippetParts } from '../lib/snippet'
import { errorText } from '../lib/errors'

function Snippet({ html }: { html: string }) {
  return snippetParts(html).map((part, i) =>
    part.mark ? (
      <mark key={i} className="rounded-sm bg-accent-soft px-0.5 text-accent-text">
        {part.text}
      </mark>
    ) : (
      <span key={i}>{part.text}</span>
    ),
  )
}

export function SearchDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null)
  const input = useRef<HTMLInputElement>(null)
  const navigate = useNavigate()
  const listId = useId()
  const [query, setQuery] = useState('')
  const [results, setResults] = useState<SearchResults | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [active, setActive] = useState(0)

  useEffect(() => {
    const el = dialog.current
    if (!el) return
    if (open && !el.open) {
      el.showModal?.()
      setQuery('')
      setResults(null)
      setError(null)
      setTimeout(() => input.current?.focus(), 0)
    } else if (!open && el.open) el.close?.()
  }, [open])

  // Ask as the user types, a moment after they pause.
  useEffect(() => {
    const words = query.trim()
    if (!words) {
      setResults(null)
      setBusy(false)
      return
    }
    const controller = new AbortController()
    setBusy(true)
    const timer = setTimeout(() => {
      api
        .search(words, 20)
        .then((found) => {
          if (controller.signal.aborted) return
          setResults(found)
          setActive(0)
          setError(null)
        })
        .catch((caught: unknown) => {
          if (!controller.signal.aborted) setError(errorText(caught))
        })
        .finally(() => {
          if (!controller.signal.aborted) setBusy(false)
        })
    }, 180)
    return () => {
      controller.abort()
      clearTimeout(timer)
    }
  }, [query])

  const conversations = results?.conversations ?? []
  const documents = results?.documents ?? []
  const count = conversations.length + documents.length

  const go = (index: number) => {
    const conversation = conversations[index]
    const document = documents[index - conversations.length]
    if (conversation) {
      onClose()
      navigate(`/c/${conversation.conversation.id}`)
    } else if (document) {
      onClose()
      navigate(`/vault?document=${encodeURIComponent(document.document.id)}`)
    }
  }

  return (
    <dialog
      ref={dialog}
      aria-label="Search"
      onCancel={(event) => {
        event.preventDefault()
        onClose()
      }}
      onClick={(event) => {
        if (event.target === dialog.current) onClose()
      }}
      className="mx-auto mt-[12vh] w-[min(36rem,calc(100vw-1.5rem))] rounded-2xl border border-line bg-canvas p-0 text-fg shadow-soft backdrop:bg-black/40 backdrop:backdrop-blur-[2px]"
    >
      <div className="flex items-center gap-2.5 border-b border-line px-4">
        <Icon name="search" size={18} className="shrink-0 text-subtle" />
        <input
          ref={input}
          type="search"
          role="combobox"
          aria-expanded={count > 0}
          aria-controls={listId}
          aria-activedescendant={count ? `${listId}-${active}` : undefined}
          aria-label="Search conversations and documents"
          data-testid="search-input"
          placeholder="Search conversations and documents…"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault()
              setActive((i) => Math.min(i + 1, count - 1))
            } else if (e.key === 'ArrowUp') {
              e.preventDefault()
              setActive((i) => Math.max(i - 1, 0))
            } else if (e.key === 'Enter') {
              e.preventDefault()
              go(active)
            }
          }}
          className="h-14 flex-1 bg-transparent text-[0.95rem] placeholder:text-subtle focus:outline-none focus-visible:outline-none"
        />
        {busy && <Spinner label="Searching" />}
        <kbd className="hidden rounded border border-line px-1.5 py-0.5 text-[0.7rem] text-subtle sm:block">
          Esc
        </kbd>
      </div>
      <div className="scrollbar-thin max-h-[55vh] overflow-y-auto p-2">
        {error && <p className="px-3 py-6 text-center text-sm text-danger">{error}</p>}
        {!error && results && count === 0 && (
          <p className="px-3 py-6 text-center text-sm text-subtle">Nothing matches “{query.trim()}”.</p>
        )}
        {!results && !error && (
          <p className="px-3 py-6 text-center text-sm text-subtle">
            Search conversations, everything that was said, and your documents.
          </p>
        )}
        <div id={listId} role="listbox" aria-label="Results">
          {conversations.length > 0 && (
            <div role="group" aria-labelledby={`${listId}-conversations`}>
              <h3 id={`${listId}-conversations`} className="px-3 pb-1 pt-2 text-xs font-medium text-subtle">
                Conversations
              </h3>
              {conversations.map((match, index) => (
                <Result
                  key={`${match.conversation.id}-${match.message_id ?? ''}`}
                  id={`${listId}-${index}`}
                  active={index === active}
                  onPoint={() => setActive(index)}
                  onChoose={() => go(index)}
                  icon="message"
                  title={match.message_id ? match.conversation.title : <Snippet html={match.snippet} />}
                  when={formatTime(match.conversation.updated_at)}
                  detail={match.message_id ? <Snippet html={match.snippet} /> : null}
                />
              ))}
            </div>
          )}
          {documents.length > 0 && (
            <div role="group" aria-labelledby={`${listId}-documents`}>
              <h3 id={`${listId}-documents`} className="px-3 pb-1 pt-3 text-xs font-medium text-subtle">
                Documents
              </h3>
              {documents.map((match, i) => {
                const index = conversations.length + i
                return (
                  <Result
                    key={`${match.document.id}-${match.chunk_id ?? ''}`}
                    id={`${listId}-${index}`}
                    active={index === active}
                    onPoint={() => setActive(index)}
                    onChoose={() => go(index)}
                    icon="file"
                    title={match.chunk_id ? match.document.filename : <Snippet html={match.snippet} />}
                    when={formatTime(match.document.created_at)}
                    detail={match.chunk_id ? <Snippet html={match.snippet} /> : null}
                  />
                )
              })}
            </div>
          )}
        </div>
      </div>
    </dialog>
  )
}

/** One result: an icon, its title and time, and the matching words below. */
function Result({
  id,
  active,
  onPoint,
  onChoose,
  icon,
  title,
  when,
  detail,
}: {
  id: string
  active: boolean
  onPoint: () => void
  onChoose: () => void
  icon: IconName
  title: ReactNode
  when: string
  detail: ReactNode
}) {
  return (
    <div
      id={id}
      role="option"
      aria-selected={active}
      data-testid="search-result"
      onMouseEnter={onPoint}
      onClick={onChoose}
      className={cn('flex cursor-pointer gap-2.5 rounded-lg px-3 py-2.5', active && 'bg-surface')}
    >
      <Icon name={icon} size={16} className="mt-0.5 shrink-0 text-subtle" />
      <div className="min-w-0 flex-1">
        <div className="flex items-baseline justify-between gap-3">
          <span className="truncate text-sm font-medium">{title}</span>
          <span className="shrink-0 text-xs text-subtle">{when}</span>
        </div>
        {detail && <p className="mt-0.5 line-clamp-2 text-sm text-muted">{detail}</p>}
      </div>
    </div>
  )
}
