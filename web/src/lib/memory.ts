// Pure helpers of the Memory page: a fact as a sentence, the facts about an entity, and
// the knowledge graph's nodes laid out on a circle.
import type { MemoryEntity, MemoryFact } from '../api/types'

const USER_WORDS = new Set(['user', 'the user', 'i', 'me', 'myself', 'you'])

/** Whether a fact's side names the user themself. */
export function isUser(name: string): boolean {
  return USER_WORDS.has(name.trim().toLowerCase())
}

/** `works_at` → `works at`; the verb agreeing with "You" when the subject is the user. */
function relationWords(predicate: string, you: boolean): string {
  const words = predicate.replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase()
  if (!you) return words
  const [first = '', ...rest] = words.split(' ')
  const irregular: Record<string, string> = { is: 'are', has: 'have', was: 'were', does: 'do' }
  let verb = irregular[first] ?? first
  if (!irregular[first] && /[^s]s$/.test(first) && first.length > 3) verb = first.slice(0, -1)
  return [verb, ...rest].join(' ')
}

/** A readable sentence for a fact: "You work at Acme.", "Maya lives in Porto." */
export function factSentence(fact: Pick<MemoryFact, 'subject' | 'predicate' | 'object'>): string {
  const you = isUser(fact.subject)
  const subject = you ? 'You' : fact.subject.trim()
  const object = isUser(fact.object) ? 'you' : fact.object.trim()
  const sentence = `${subject} ${relationWords(fact.predicate, you)} ${object}`.replace(/\s+/g, ' ').trim()
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`
}

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase()

/** The facts whose subject or object is the entity. */
export function factsAbout(facts: MemoryFact[], entity: Pick<MemoryEntity, 'name'>): MemoryFact[] {
  return facts.filter((f) => same(f.subject, entity.name) || same(f.object, entity.name))
}

/** The facts whose sentence, subject, relation or object contains every word of the query. */
export function searchFacts(facts: MemoryFact[], query: string): MemoryFact[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean)
  if (!words.length) return facts
  return facts.filter((f) => {
    const text = `${f.subject} ${f.predicate} ${f.object} ${factSentence(f)}`.toLowerCase()
    return words.every((w) => text.includes(w))
  })
}

export interface GraphNode {
  key: string
  label: string
  x: number
  y: number
}

export interface GraphEdge {
  key: string
  from: GraphNode
  to: GraphNode
  label: string
}

/** `count` points evenly on a circle around (0, 0), the first at the top; one point sits at the centre. */
export function circlePoints(count: number, radius: number): { x: number; y: number }[] {
  if (count === 1) return [{ x: 0, y: 0 }]
  return Array.from({ length: count }, (_, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / count
    return {
      x: Math.round(radius * Math.cos(angle) * 10) / 10,
      y: Math.round(radius * Math.sin(angle) * 10) / 10,
    }
  })
}

/**
 * The graph to draw: one node per entity (and per name a fact mentions that is not one),
 * one edge per fact. The radius grows with the number of nodes so labels have room.
 */
export function buildGraph(
  entities: Pick<MemoryEntity, 'name'>[],
  facts: MemoryFact[],
): { nodes: GraphNode[]; edges: GraphEdge[]; radius: number } {
  const names = new Map<string, string>()
  const add = (name: string) => {
    const key = name.trim().toLowerCase()
    if (key && !names.has(key)) names.set(key, isUser(name) ? 'You' : name.trim())
  }
  entities.forEach((e) => add(e.name))
  facts.forEach((f) => {
    add(f.subject)
    add(f.object)
  })
  const radius = Math.max(120, names.size * 28)
  const points = circlePoints(names.size, radius)
  const nodes = [...names].map(([key, label], i) => ({ key, label, ...points[i]! }))
  const byKey = new Map(nodes.map((n) => [n.key, n]))
  const edges = facts.flatMap((f) => {
    const from = byKey.get(f.subject.trim().toLowerCase())
    const to = byKey.get(f.object.trim().toLowerCase())
    return from && to ? [{ key: f.id, from, to, label: f.predicate.replace(/[_-]+/g, ' ') }] : []
  })
  return { nodes, edges, radius }
}
