// Memory: what Gantry has learned about the user from their chats (the entities and facts
// of their knowledge graph), searchable and filterable by entity, each fact or entity
// forgettable, with a zoomable picture of the graph below the list.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import { api, ApiError } from '../api/client'
import type { MemoryEntity, MemoryFact, MemoryView } from '../api/types'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { Icon } from '../components/Icon'
import { cn } from '../lib/cn'
import { buildGraph, factSentence, factsAbout, searchFacts } from '../lib/memory'
import { LoadFailed, ProblemAlert, Loading } from '../components/LoadState'
import { errorText } from '../lib/errors'

type Forgetting = { kind: 'fact'; fact: MemoryFact } | { kind: 'entity'; entity: MemoryEntity }

function when(at: string): string {
  return new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

const MIN_ZOOM = 0.4
const MAX_ZOOM = 4
const clampZoom = (z: number) => Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z))

function MemoryGraph({ entities, facts }: { entities: MemoryEntity[]; facts: MemoryFact[] }) {
  const { nodes, edges, radius } = useMemo(() => buildGraph(entities, facts), [entities, facts])
  const [zoom, setZoom] = useState(1)
  const svgRef = useRef<SVGSVGElement>(null)

  // A wheel listener that may prevent the page from scrolling (React's is passive).
  useEffect(() => {
    const svg = svgRef.current
    if (!svg) return
    const onWheel = (event: WheelEvent) => {
      event.preventDefault()
      setZoom((z) => clampZoom(z * (event.deltaY < 0 ? 1.15 : 1 / 1.15)))
    }
    svg.addEventListener('wheel', onWheel, { passive: false })
    return () => svg.removeEventListener('wheel', onWheel)
  }, [])

  const half = (radius + 90) / zoom
  const button =
    'inline-flex size-8 items-center justify-center rounded-lg border border-line text-sm font-medium hover:bg-surface focus-visible:outline-2 focus-visible:outline-accent'
  return (
    <div className="mt-2 overflow-hidden rounded-xl border border-line bg-surface/40">
      <div
        className="flex items-center gap-1.5 border-b border-line px-2 py-1.5"
        role="toolbar"
        aria-label="Zoom"
      >
        <button
          type="button"
          className={button}
          aria-label="Zoom in"
          onClick={() => setZoom((z) => clampZoom(z * 1.25))}
        >
          +
        </button>
        <button
          type="button"
          className={button}
          aria-label="Zoom out"
          onClick={() => setZoom((z) => clampZoom(z / 1.25))}
        >
          −
        </button>
        <button
          type="button"
          className={cn(button, 'w-auto px-2.5 text-xs')}
          aria-label="Reset zoom"
          onClick={() => setZoom(1)}
        >
          Reset
        </button>
        <span className="ml-auto text-xs text-subtle" aria-live="polite">
          {Math.round(zoom * 100)}%
        </span>
      </div>
      <svg
        ref={svgRef}
        data-testid="memory-graph"
        role="img"
        aria-label={`Knowledge graph: ${nodes.length} entities, ${edges.length} facts`}
        tabIndex={0}
        onKeyDown={(event) => {
          if (event.key === '+' || event.key === '=') setZoom((z) => clampZoom(z * 1.25))
          else if (event.key === '-') setZoom((z) => clampZoom(z / 1.25))
          else if (event.key === '0') setZoom(1)
          else return
          event.preventDefault()
        }}
        viewBox={`${-half} ${-half} ${2 * half} ${2 * half}`}
        className="block aspect-square max-h-[28rem] w-full text-fg focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-accent"
      >
        <title>Knowledge graph</title>
        {edges.map((edge) => {
          const mx = (edge.from.x + edge.to.x) / 2
          const my = (edge.from.y + edge.to.y) / 2
          return (
            <g key={edge.key}>
              <line
                x1={edge.from.x}
                y1={edge.from.y}
                x2={edge.to.x}
                y2={edge.to.y}
                className="stroke-line-strong"
                strokeWidth={1.5}
              />
              <text
                x={mx}
                y={my - 4}
                textAnchor="middle"
                fontSize={11}
                className="fill-muted stroke-canvas"
                strokeWidth={3}
                paintOrder="stroke"
              >
                {edge.label}
              </text>
            </g>
          )
        })}
        {nodes.map((node) => (
          <g key={node.key}>
            <circle cx={node.x} cy={node.y} r={9} className="fill-accent stroke-canvas" strokeWidth={2} />
            <text
              x={node.x}
              y={node.y + 24}
              textAnchor="middle"
              fontSize={13}
              fontWeight={600}
              className="fill-fg stroke-canvas"
              strokeWidth={3}
              paintOrder="stroke"
            >
              {node.label}
            </text>
          </g>
        ))}
      </svg>
    </div>
  )
}

export default function MemoryPage() {
  const [memory, setMemory] = useState<MemoryView | null>(null)
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading')
  const [problem, setProblem] = useState<string | null>(null)
  const [query, setQuery] = useState('')
  const [selected, setSelected] = useState<string | null>(null)
  const [forgetting, setForgetting] = useState<Forgetting | null>(null)

  const load = useCallback(async () => {
    try {
      setMemory(await api.memory())
      setStatus('ready')
    } catch {
      setStatus('error')
    }
  }, [])

  useEffect(() => {
    void load()
  }, [load])

  const entities = useMemo(() => memory?.entities ?? [], [memory])
  const facts = useMemo(() => memory?.facts ?? [], [memory])
  const entity = entities.find((e) => e.id === selected) ?? null
  const shown = searchFacts(entity ? factsAbout(facts, entity) : facts, query)

  const confirmForget = async () => {
    if (!forgetting) return
    const what = forgetting
    setForgetting(null)
    try {
      if (what.kind === 'fact') await api.forgetFact(what.fact.id)
      else await api.forgetEntity(what.entity.id)
      setProblem(null)
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) setProblem(errorText(error))
    }
    if (what.kind === 'entity' && selected === what.entity.id) setSelected(null)
    await load()
  }

  const empty = status === 'ready' && facts.length === 0 && entities.length === 0

  return (
    <div className="relative flex min-h-0 flex-1 flex-col" data-testid="memory-page">
      <div className="scrollbar-thin flex-1 overflow-y-auto">
        <div className="mx-auto w-full max-w-3xl space-y-8 px-4 py-6 md:px-6 md:py-8">
          <section aria-labelledby="memory-title">
            <h2 id="memory-title" className="text-xl font-semibold tracking-tight">
              What Gantry remembers about you
            </h2>
            <p className="mt-1 text-sm text-muted">
              Facts Gantry has picked up from your chats and may use when it answers you. Forget any you would
              rather it did not keep.
            </p>
            {problem && (
              <ProblemAlert message={problem} onDismiss={() => setProblem(null)} className="mt-3" />
            )}
            {status === 'loading' && <Loading label="Loading memory" />}
            {status === 'error' && (
              <LoadFailed
                what="what Gantry remembers"
                onRetry={() => void load()}
                className="mt-3 text-sm text-muted"
              />
            )}
            {empty && (
              <div
                data-testid="memory-empty"
                className="mt-5 flex flex-col items-center gap-2 rounded-2xl border border-line px-4 py-8 text-center"
              >
                <Icon name="brain" size={26} className="text-subtle" />
                <p className="text-sm font-medium">Nothing remembered yet</p>
                <p className="max-w-md text-sm text-subtle">
                  Gantry learns facts from what you tell it in chats, like “My sister Maya lives in Porto.”
                  They will show up here, and you can forget any of them.
                </p>
              </div>
            )}
          </section>

          {status === 'ready' && !empty && (
            <>
              <section aria-labelledby="memory-facts-title">
                <h3 id="memory-facts-title" className="text-sm font-semibold">
                  Facts <span className="font-normal text-subtle">({facts.length})</span>
                </h3>
                <div className="relative mt-2">
                  <Icon
                    name="search"
                    size={15}
                    className="pointer-events-none absolute left-2.5 top-1/2 -translate-y-1/2 text-subtle"
                  />
                  <input
                    type="search"
                    value={query}
                    onChange={(event) => setQuery(event.target.value)}
                    placeholder="Search facts"
                    aria-label="Search facts"
                    data-testid="memory-search"
                    className="w-full rounded-lg border border-line bg-canvas py-2 pl-8 pr-2.5 text-sm placeholder:text-subtle focus:border-line-strong focus:outline-none focus-visible:outline-2 focus-visible:outline-offset-0"
                  />
                </div>
                {entity && (
                  <p className="mt-2 flex items-center gap-2 text-sm text-muted">
                    About <span className="font-medium text-fg">{entity.name}</span>
                    <button
                      type="button"
                      onClick={() => setSelected(null)}
                      className="rounded-md px-1.5 py-0.5 text-xs text-accent-text underline"
                    >
                      Show all
                    </button>
                  </p>
                )}
                {shown.length === 0 ? (
                  <p className="mt-3 text-sm text-subtle">No fact matches.</p>
                ) : (
                  <ul className="mt-2 divide-y divide-line rounded-xl border border-line" aria-label="Facts">
                    {shown.map((fact) => (
                      <li key={fact.id} data-testid="fact-row" className="flex items-start gap-3 px-3.5 py-3">
                        <div className="min-w-0 flex-1">
                          <p className="text-sm [overflow-wrap:anywhere]">{factSentence(fact)}</p>
                          <p className="mt-0.5 text-xs text-subtle [overflow-wrap:anywhere]">
                            {fact.subject} – {fact.predicate} – {fact.object} · learned{' '}
                            <time dateTime={fact.valid_from}>{when(fact.valid_from)}</time>
                          </p>
                        </div>
                        <button
                          type="button"
                          data-testid="forget-fact"
                          aria-label={`Forget: ${factSentence(fact)}`}
                          onClick={() => setForgetting({ kind: 'fact', fact })}
                          className="inline-flex shrink-0 items-center gap-1 rounded-lg px-2 py-1.5 text-xs text-muted hover:bg-surface hover:text-danger"
                        >
                          <Icon name="trash" size={14} />
                          Forget
                        </button>
                      </li>
                    ))}
                  </ul>
                )}
              </section>

              <section aria-labelledby="memory-entities-title">
                <h3 id="memory-entities-title" className="text-sm font-semibold">
                  People, places and things{' '}
                  <span className="font-normal text-subtle">({entities.length})</span>
                </h3>
                {entities.length === 0 ? (
                  <p className="mt-2 text-sm text-subtle">None named yet.</p>
                ) : (
                  <ul
                    className="mt-2 divide-y divide-line rounded-xl border border-line"
                    aria-label="Entities"
                  >
                    {entities.map((e) => {
                      const count = factsAbout(facts, e).length
                      return (
                        <li
                          key={e.id}
                          data-testid="entity-row"
                          className={cn(
                            'flex items-center gap-2 px-3.5 py-2.5',
                            selected === e.id && 'bg-accent-soft',
                          )}
                        >
                          <button
                            type="button"
                            aria-pressed={selected === e.id}
                            onClick={() => setSelected(selected === e.id ? null : e.id)}
                            className="min-w-0 flex-1 rounded-md text-left text-sm focus-visible:outline-2 focus-visible:outline-accent"
                          >
                            <span className="font-medium [overflow-wrap:anywhere]">{e.name}</span>{' '}
                            <span className="text-xs text-subtle">
                              {e.kind} · {count} {count === 1 ? 'fact' : 'facts'}
                            </span>
                          </button>
                          <button
                            type="button"
                            data-testid="forget-entity"
                            aria-label={`Forget ${e.name}`}
                            onClick={() => setForgetting({ kind: 'entity', entity: e })}
                            className="inline-flex shrink-0 items-center gap-1 rounded-lg px-2 py-1.5 text-xs text-muted hover:bg-surface hover:text-danger"
                          >
                            <Icon name="trash" size={14} />
                            Forget
                          </button>
                        </li>
                      )
                    })}
                  </ul>
                )}
              </section>

              <section aria-labelledby="memory-graph-title">
                <h3 id="memory-graph-title" className="text-sm font-semibold">
                  Knowledge graph
                </h3>
                <MemoryGraph entities={entities} facts={facts} />
              </section>
            </>
          )}
        </div>
      </div>

      <ConfirmDialog
        open={forgetting !== null}
        title={forgetting?.kind === 'entity' ? 'Forget this entity?' : 'Forget this fact?'}
        body={
          forgetting?.kind === 'entity' ? (
            <>Gantry will forget “{forgetting.entity.name}” and every fact about it.</>
          ) : forgetting?.kind === 'fact' ? (
            <>Gantry will forget “{factSentence(forgetting.fact)}” Its answers will no longer use it.</>
          ) : (
            ''
          )
        }
        confirmLabel="Forget"
        danger
        onConfirm={() => void confirmForget()}
        onCancel={() => setForgetting(null)}
      />
    </div>
  )
}
