import { describe, expect, it } from 'vitest'
import {
  addDays,
  averageLatency,
  compactNumber,
  dailySeries,
  daysBetween,
  isDay,
  labelledDays,
  lastDays,
  niceMax,
  rangeQuery,
  rankBars,
  utcDay,
} from './adminUsage'

const t = (requests: number, prompt: number, completion: number) => ({
  requests,
  prompt_tokens: prompt,
  completion_tokens: completion,
})

describe('days', () => {
  it('counts UTC days, across months and leap days', () => {
    expect(utcDay(new Date('2026-03-04T23:30:00Z'))).toBe('2026-03-04')
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29')
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(daysBetween('2026-01-30', '2026-02-02')).toEqual([
      '2026-01-30',
      '2026-01-31',
      '2026-02-01',
      '2026-02-02',
    ])
    expect(daysBetween('2026-02-02', '2026-01-30')).toEqual([])
    expect(daysBetween('nonsense', '2026-01-30')).toEqual([])
    expect(isDay('2026-02-30')).toBe(false)
    expect(isDay('2026-02-28')).toBe(true)
  })

  it('makes the last N days end today', () => {
    expect(lastDays(7, new Date('2026-03-10T12:00:00Z'))).toEqual({ from: '2026-03-04', to: '2026-03-10' })
    expect(lastDays(1, new Date('2026-03-10T12:00:00Z'))).toEqual({ from: '2026-03-10', to: '2026-03-10' })
  })

  it('turns whole days into the API range, its end exclusive', () => {
    expect(rangeQuery('2026-03-01', '2026-03-31')).toEqual({
      from: '2026-03-01T00:00:00Z',
      to: '2026-04-01T00:00:00Z',
    })
    expect(rangeQuery('', 'x')).toEqual({ from: undefined, to: undefined })
  })
})

describe('dailySeries', () => {
  it('has a bar for every day of the range, zero where the report has none', () => {
    const series = dailySeries({ '2026-03-02': t(3, 100, 50) }, '2026-03-01', '2026-03-03', 'tokens')
    expect(series.map((bar) => [bar.day, bar.value])).toEqual([
      ['2026-03-01', 0],
      ['2026-03-02', 150],
      ['2026-03-03', 0],
    ])
    expect(
      dailySeries({ '2026-03-02': t(3, 100, 50) }, '2026-03-02', '2026-03-02', 'requests')[0].value,
    ).toBe(3)
  })
})

describe('rankBars', () => {
  it('ranks largest first, each a share of the largest, labelled', () => {
    const bars = rankBars({ a: t(1, 10, 10), b: t(5, 30, 50), c: t(2, 0, 0) }, 'tokens', (k) =>
      k.toUpperCase(),
    )
    expect(bars.map((bar) => [bar.label, bar.value, bar.share])).toEqual([
      ['B', 80, 1],
      ['A', 20, 0.25],
      ['C', 0, 0],
    ])
    expect(rankBars({ a: t(1, 10, 10), b: t(5, 30, 50) }, 'requests')[0].key).toBe('b')
  })

  it('has no bars for an empty report, and no share without use', () => {
    expect(rankBars({}, 'tokens')).toEqual([])
    expect(rankBars({ a: t(0, 0, 0) }, 'tokens')[0].share).toBe(0)
  })
})

describe('numbers', () => {
  it('rounds an axis up to 1, 2 or 5 times a power of ten', () => {
    expect(niceMax(0)).toBe(1)
    expect(niceMax(7)).toBe(10)
    expect(niceMax(10)).toBe(10)
    expect(niceMax(11)).toBe(20)
    expect(niceMax(430)).toBe(500)
    expect(niceMax(501)).toBe(1000)
    expect(niceMax(1_900_000)).toBe(2_000_000)
  })

  it('writes numbers short', () => {
    expect(compactNumber(0)).toBe('0')
    expect(compactNumber(950)).toBe('950')
    expect(compactNumber(1000)).toBe('1k')
    expect(compactNumber(1234)).toBe('1.2k')
    expect(compactNumber(34_567)).toBe('35k')
    expect(compactNumber(999_999)).toBe('1M')
    expect(compactNumber(1_500_000)).toBe('1.5M')
    expect(compactNumber(2_000_000_000)).toBe('2B')
  })

  it('averages latency only over calls', () => {
    expect(averageLatency(900, 3)).toBe(300)
    expect(averageLatency(0, 0)).toBeNull()
  })
})

describe('labelledDays', () => {
  it('labels every day of a short range, and a few of a long one with the last', () => {
    expect(labelledDays(['a', 'b'])).toEqual(new Set(['a', 'b']))
    const days = daysBetween('2026-01-01', '2026-01-30')
    const chosen = labelledDays(days, 6)
    expect(chosen.size).toBeLessThanOrEqual(6)
    expect(chosen.has('2026-01-30')).toBe(true)
  })
})
