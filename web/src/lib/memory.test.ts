import { describe, expect, it } from 'vitest'
import type { MemoryFact } from '../api/types'
import { buildGraph, circlePoints, factSentence, factsAbout, searchFacts } from './memory'

const fact = (id: string, subject: string, predicate: string, object: string): MemoryFact => ({
  id,
  subject,
  predicate,
  object,
  valid_from: '2026-01-01T00:00:00Z',
})

describe('factSentence', () => {
  it('spells out a relation', () => {
    expect(factSentence(fact('1', 'Maya', 'lives_in', 'Porto'))).toBe('Maya lives in Porto.')
  })
  it('speaks of the user as you, with the verb agreeing', () => {
    expect(factSentence(fact('1', 'user', 'works_at', 'Acme'))).toBe('You work at Acme.')
    expect(factSentence(fact('1', 'User', 'has_sister', 'Maya'))).toBe('You have sister Maya.')
    expect(factSentence(fact('1', 'Maya', 'sister_of', 'user'))).toBe('Maya sister of you.')
  })
})

describe('finding facts', () => {
  const facts = [fact('1', 'Maya', 'lives_in', 'Porto'), fact('2', 'user', 'works_at', 'Acme')]
  it('finds the facts about an entity, either side, whatever the case', () => {
    expect(factsAbout(facts, { name: 'porto' }).map((f) => f.id)).toEqual(['1'])
    expect(factsAbout(facts, { name: 'Nobody' })).toEqual([])
  })
  it('searches every word', () => {
    expect(searchFacts(facts, 'maya PORTO').map((f) => f.id)).toEqual(['1'])
    expect(searchFacts(facts, 'you work').map((f) => f.id)).toEqual(['2'])
    expect(searchFacts(facts, '  ')).toHaveLength(2)
  })
})

describe('graph layout', () => {
  it('puts points on a circle, the first at the top', () => {
    const points = circlePoints(4, 100)
    expect(points[0]).toEqual({ x: 0, y: -100 })
    expect(points[2]!.y).toBe(100)
    for (const p of points) expect(Math.hypot(p.x, p.y)).toBeCloseTo(100, 0)
    expect(circlePoints(1, 100)).toEqual([{ x: 0, y: 0 }])
    expect(circlePoints(0, 100)).toEqual([])
  })
  it('makes a node per name and an edge per fact', () => {
    const graph = buildGraph([{ name: 'Maya' }], [fact('1', 'maya', 'lives_in', 'Porto')])
    expect(graph.nodes.map((n) => n.label)).toEqual(['Maya', 'Porto'])
    expect(graph.edges).toHaveLength(1)
    expect(graph.edges[0]!.label).toBe('lives in')
    expect(graph.edges[0]!.from.label).toBe('Maya')
  })
})
