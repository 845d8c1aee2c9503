// "How this answer was assembled": what the answer drew on and where the time went.
import type { Citation, ContextTimings } from '../api/types'
import { Icon } from '../components/Icon'
import { formatMs, plural } from '../lib/format'
import type { AnswerStats } from '../stores/chat'
import { KIND_ICON } from './Citations'

const STAGES: Array<[keyof ContextTimings, string]> = [
  ['embed_ms', 'Embedding the question'],
  ['vector_ms', 'Vector search'],
  ['keyword_ms', 'Keyword search'],
  ['fuse_ms', 'Fusing the results'],
  ['confirm_ms', 'Confirming the items'],
  ['facts_ms', 'Memory facts'],
]

const GROUPS: Array<{ kind: string; title: string }> = [
  { kind: 'message', title: 'Past messages' },
  { kind: 'chunk', title: 'Document passages' },
  { kind: 'fact', title: 'Memory facts' },
]

interface Props {
  citations?: Citation[]
  timings?: ContextTimings | null
  stats?: AnswerStats
  model?: string | null
}

export function AssemblyPanel({ citations, timings, stats, model }: Props) {
  const hasGeneration = stats && (stats.timeToFirstTokenMs != null || stats.completionTokens != null)
  // Nothing to tell (an answer saved before the server kept its sources and timings).
  if (!timings && !citations && !hasGeneration) return null
  return (
    <details className="group/details mt-3 text-sm" data-testid="assembly">
      <summary className="inline-flex list-none items-center gap-1.5 rounded-md text-xs font-medium text-subtle hover:text-fg [&::-webkit-details-marker]:hidden">
        <Icon name="chevronRight" size={14} className="transition-transform group-open/details:rotate-90" />
        How this answer was assembled
      </summary>
      <div className="mt-2 grid grid-cols-[minmax(0,1fr)] gap-4 rounded-xl border border-line bg-surface/50 p-4 sm:grid-cols-2">
        {citations && (
          <section className="sm:col-span-2">
            <h3 className="text-xs font-semibold uppercase tracking-wide text-subtle">What it drew on</h3>
            {citations.length === 0 ? (
              <p className="mt-1.5 text-muted">
                Nothing from your history, documents or memory: the answer is the model’s alone.
              </p>
            ) : (
              <ul className="mt-1.5 space-y-2">
                {GROUPS.map(({ kind, title }) => {
                  const used = citations.filter((c) => c.kind === kind)
                  if (used.length === 0) return null
                  return (
                    <li key={kind}>
                      <div className="flex items-center gap-1.5 font-medium">
                        <Icon name={KIND_ICON[kind]} size={14} className="text-subtle" />
                        {title} <span className="font-normal text-subtle">({used.length})</span>
                      </div>
                      <ul className="mt-1 space-y-0.5 pl-5 text-muted">
                        {used.map((c) => (
                          <li key={c.number} className="truncate">
                            <span className="tabular-nums text-subtle">[{c.number}]</span> {c.label}
                            {c.heading ? ` › ${c.heading}` : ''}
                            {c.page ? ` (p. ${c.page})` : ''}
                            {kind === 'fact' ? ` — ${c.excerpt}` : ''}
                          </li>
                        ))}
                      </ul>
                    </li>
                  )
                })}
              </ul>
            )}
          </section>
        )}
        {timings && (
          <section>
            <h3 className="text-xs font-semibold uppercase tracking-wide text-subtle">Retrieval</h3>
            <dl className="mt-1.5 space-y-0.5">
              {STAGES.map(([key, label]) => (
                <div key={key} className="flex justify-between gap-4">
                  <dt className="text-muted">{label}</dt>
                  <dd className="tabular-nums">{formatMs(timings[key])}</dd>
                </div>
              ))}
              <div className="mt-1 flex justify-between gap-4 border-t border-line pt-1 font-medium">
                <dt>Total</dt>
                <dd className="tabular-nums">{formatMs(timings.total_ms)}</dd>
              </div>
            </dl>
            <p className="mt-1.5 text-xs text-subtle">
              Stages run side by side, so they can add up to more than the total.
            </p>
          </section>
        )}
        {hasGeneration && (
          <section>
            <h3 className="text-xs font-semibold uppercase tracking-wide text-subtle">Generation</h3>
            <dl className="mt-1.5 space-y-0.5">
              {stats.timeToFirstTokenMs != null && (
                <div className="flex justify-between gap-4">
                  <dt className="text-muted">Time to first token</dt>
                  <dd className="tabular-nums">{formatMs(stats.timeToFirstTokenMs)}</dd>
                </div>
              )}
              {stats.completionTokens != null && (
                <div className="flex justify-between gap-4">
                  <dt className="text-muted">Tokens</dt>
                  <dd className="tabular-nums">{plural(stats.completionTokens, 'token')}</dd>
                </div>
              )}
              {stats.tokensPerSecond != null && (
                <div className="flex justify-between gap-4">
                  <dt className="text-muted">Speed</dt>
                  <dd className="tabular-nums">{stats.tokensPerSecond.toFixed(1)} tokens/s</dd>
                </div>
              )}
              {stats.promptTokens != null && (
                <div className="flex justify-between gap-4">
                  <dt className="text-muted">Prompt</dt>
                  <dd className="tabular-nums">{plural(stats.promptTokens, 'token')}</dd>
                </div>
              )}
              {model && (
                <div className="flex justify-between gap-4">
                  <dt className="text-muted">Model</dt>
                  <dd className="truncate">{model}</dd>
                </div>
              )}
            </dl>
          </section>
        )}
      </div>
    </details>
  )
}
