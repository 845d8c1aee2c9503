import { describe, expect, it } from 'vitest'
import type { Conversation } from '../api/types'
import { dateGroup, groupConversations } from './dates'

// Local times, so the test holds in any time zone.
const now = new Date(2026, 11, 1, 15, 30) // 1 December 2026, 15:30

function at(year: number, month: number, day: number, hour = 12, minute = 0): string {
  return new Date(year, month, day, hour, minute).toISOString()
}

function conversation(id: string, updated_at: string, pinned = false): Conversation {
  return {
    id,
    owner_id: 'u',
    title: id,
    pinned,
    archived: false,
    created_at: updated_at,
    updated_at,
  }
}

describe('dateGroup', () => {
  it('uses calendar days, not 24-hour spans', () => {
    expect(dateGroup(new Date(2026, 11, 1, 0, 1), now)).toBe('today')
    expect(dateGroup(new Date(2026, 10, 30, 23, 59), now)).toBe('yesterday')
    expect(dateGroup(new Date(2026, 10, 30, 0, 0), now)).toBe('yesterday')
  })

  it('puts 2 to 7 days ago in the previous 7 days, 8 to 30 in the previous 30', () => {
    expect(dateGroup(new Date(2026, 10, 29), now)).toBe('week')
    expect(dateGroup(new Date(2026, 10, 24), now)).toBe('week')
    expect(dateGroup(new Date(2026, 10, 23), now)).toBe('month')
    expect(dateGroup(new Date(2026, 10, 1), now)).toBe('month')
    expect(dateGroup(new Date(2026, 9, 31), now)).toBe('older')
  })

  it('counts a time in the future (a clock ahead) as today', () => {
    expect(dateGroup(new Date(2026, 11, 2, 9), now)).toBe('today')
  })
})

describe('groupConversations', () => {
  it('lists pinned first, then Today, Yesterday, Previous 7 days, Previous 30 days and Older', () => {
    const groups = groupConversations(
      [
        conversation('old', at(2025, 5, 1)),
        conversation('today-early', at(2026, 11, 1, 8)),
        conversation('pinned-old', at(2024, 0, 1), true),
        conversation('month', at(2026, 10, 10)),
        conversation('yesterday', at(2026, 10, 30, 22)),
        conversation('today-late', at(2026, 11, 1, 14)),
        conversation('week', at(2026, 10, 27)),
      ],
      now,
    )
    expect(groups.map((g) => g.label)).toEqual([
      'Pinned',
      'Today',
      'Yesterday',
      'Previous 7 days',
      'Previous 30 days',
      'Older',
    ])
    expect(groups.map((g) => g.items.map((c) => c.id))).toEqual([
      ['pinned-old'],
      ['today-late', 'today-early'],
      ['yesterday'],
      ['week'],
      ['month'],
      ['old'],
    ])
  })

  it('leaves out empty groups', () => {
    const groups = groupConversations([conversation('a', at(2026, 11, 1, 9))], now)
    expect(groups).toHaveLength(1)
    expect(groups[0].key).toBe('today')
    expect(groupConversations([], now)).toEqual([])
  })

  it('keeps the most recently updated first within a group', () => {
    const groups = groupConversations(
      [conversation('p1', at(2026, 10, 1), true), conversation('p2', at(2026, 11, 1, 10), true)],
      now,
    )
    expect(groups[0].items.map((c) => c.id)).toEqual(['p2', 'p1'])
  })
})
