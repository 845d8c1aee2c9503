// Search across conversations (Cmd/Ctrl+K): titles and what was said.
import { useEffect, useId, useRef, useState } from 'react'
import { useNavigate } from 'react-router'
import { api } from '../api/client'
import type { SearchResults } from '../api/types'
import { Icon } from '../components/Icon'
import { Spinner } from '../components/Spinner'
import { cn } from '../lib/cn'
import { formatTime } from '../lib/dates'
import { snippetParts } from '../lib/snippet'

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
          if (!controller.signal.aborted) setError(caught instanceof Error ? caught.message : String(caught))
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

  const matches = results?.conversations ?? []

  const go = (index: number) => {
    const match = matches[index]
    if (!match) return
    onClose()
    navigate(`/c/${match.conversation.id}`)
  }

  return (
    <dialog
      ref={dialog}
      aria-label="Search conversations"
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
          aria-expanded={matches.length > 0}
          aria-controls={listId}
          aria-activedescendant={matches.length ? `${listId}-${active}` : undefined}
          aria-label="Search conversations"
          data-testid="search-input"
          placeholder="Search conversations…"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault()
              setActive((i) => Math.min(i + 1, matches.length - 1))
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
        {!error && results && matches.length === 0 && (
          <p className="px-3 py-6 text-center text-sm text-subtle">
            No conversation matches “{query.trim()}”.
          </p>
        )}
        {!results && !error && (
          <p className="px-3 py-6 text-center text-sm text-subtle">
            Search titles and everything that was said.
          </p>
        )}
        <ul id={listId} role="listbox" aria-label="Conversations found">
          {matches.map((match, index) => (
            <li
              key={`${match.conversation.id}-${match.message_id ?? ''}`}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === active}
              data-testid="search-result"
              onMouseEnter={() => setActive(index)}
              onClick={() => go(index)}
              className={cn('cursor-pointer rounded-lg px-3 py-2.5', index === active && 'bg-surface')}
            >
              <div className="flex items-baseline justify-between gap-3">
                <span className="truncate text-sm font-medium">
                  {match.message_id ? match.conversation.title : <Snippet html={match.snippet} />}
                </span>
                <span className="shrink-0 text-xs text-subtle">
                  {formatTime(match.conversation.updated_at)}
                </span>
              </div>
              {match.message_id && (
                <p className="mt-0.5 line-clamp-2 text-sm text-muted">
                  <Snippet html={match.snippet} />
                </p>
              )}
            </li>
          ))}
        </ul>
      </div>
    </dialog>
  )
}
