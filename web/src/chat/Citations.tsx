// The sources an answer was given: numbered chips, each opening to its excerpt (also
// opened from the answer's `[n]` markers, so which one is open is the caller's).
import { useEffect, useId, useRef } from 'react'
import type { Citation } from '../api/types'
import { Icon, type IconName } from '../components/Icon'
import { cn } from '../lib/cn'

export const KIND_ICON: Record<string, IconName> = { message: 'message', chunk: 'file', fact: 'brain' }
export const KIND_NAME: Record<string, string> = {
  message: 'Past message',
  chunk: 'Document passage',
  fact: 'Memory fact',
}

interface Props {
  citations: Citation[]
  /** The number whose excerpt is shown, if any. */
  open: number | null
  onOpen: (n: number | null) => void
}

export function Citations({ citations, open, onOpen }: Props) {
  const base = useId()
  const excerpt = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (open !== null) excerpt.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' })
  }, [open])
  if (citations.length === 0) return null
  const shown = citations.find((c) => c.number === open)
  return (
    <div className="mt-3">
      <div className="flex flex-wrap items-center gap-1.5" role="list" aria-label="Sources">
        <span className="mr-0.5 text-xs font-medium text-subtle">Sources</span>
        {citations.map((citation) => {
          const expanded = open === citation.number
          return (
            <span role="listitem" key={citation.number}>
              <button
                type="button"
                data-testid="citation"
                aria-expanded={expanded}
                aria-controls={`${base}-excerpt`}
                onClick={() => onOpen(expanded ? null : citation.number)}
                title={citation.label}
                className={cn(
                  'inline-flex max-w-[16rem] items-center gap-1.5 rounded-full border px-2 py-0.5 text-xs transition-colors',
                  expanded
                    ? 'border-accent/50 bg-accent-soft text-accent-text'
                    : 'border-line text-muted hover:border-line-strong hover:text-fg',
                )}
              >
                <span className="font-semibold tabular-nums">{citation.number}</span>
                <Icon name={KIND_ICON[citation.kind] ?? 'file'} size={12} className="shrink-0" />
                <span className="truncate">{citation.label}</span>
              </button>
            </span>
          )
        })}
      </div>
      {shown && (
        <div
          ref={excerpt}
          id={`${base}-excerpt`}
          data-testid="citation-excerpt"
          className="mt-2 rounded-xl border border-line bg-surface/60 px-3.5 py-3 text-sm"
        >
          <div className="flex flex-wrap items-baseline gap-x-2 gap-y-0.5">
            <span className="font-medium">
              [{shown.number}] {shown.label}
            </span>
            <span className="text-xs text-subtle">
              {KIND_NAME[shown.kind] ?? shown.kind}
              {shown.heading ? ` · ${shown.heading}` : ''}
              {shown.page ? ` · page ${shown.page}` : ''}
            </span>
          </div>
          <p className="mt-1.5 whitespace-pre-wrap leading-relaxed text-muted">{shown.excerpt}</p>
        </div>
      )}
    </div>
  )
}
