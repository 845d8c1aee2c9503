import { describe, expect, it } from 'vitest'
import {
  auditActionLabel,
  formatLatency,
  auditActionTone,
  formatQuota,
  formatUptime,
  inviteState,
  parseQuota,
  quotaInput,
} from './adminFormat'

describe('formatUptime', () => {
  it('reads as people say it', () => {
    expect(formatUptime(45)).toBe('45 s')
    expect(formatUptime(12 * 60 + 5)).toBe('12 min')
    expect(formatUptime(3 * 3600)).toBe('3 h')
    expect(formatUptime(3 * 3600 + 5 * 60)).toBe('3 h 5 min')
    expect(formatUptime(2 * 86400 + 4 * 3600 + 59)).toBe('2 d 4 h')
    expect(formatUptime(86400)).toBe('1 d')
    expect(formatUptime(-1)).toBe('—')
  })
})

describe('formatLatency', () => {
  it('reads whole milliseconds, a zero as under one', () => {
    expect(formatLatency(0)).toBe('<1 ms')
    expect(formatLatency(12)).toBe('12 ms')
    expect(formatLatency(3001)).toBe('3.0 s')
    expect(formatLatency(null)).toBe('—')
  })
})

describe('audit actions', () => {
  it('are named in words, unknown ones kept', () => {
    expect(auditActionLabel('user.role')).toBe('Changed role')
    expect(auditActionLabel('something.new')).toBe('something.new')
    expect(auditActionTone('user.delete')).toBe('danger')
    expect(auditActionTone('backend.add')).toBe('accent')
    expect(auditActionTone('model.default')).toBe('neutral')
  })
})

describe('inviteState', () => {
  const now = new Date('2026-03-10T12:00:00Z')
  it('is used, expired or open', () => {
    expect(inviteState({ used_at: '2026-03-09T00:00:00Z', expires_at: '2026-03-01T00:00:00Z' }, now)).toBe(
      'used',
    )
    expect(inviteState({ expires_at: '2026-03-10T11:00:00Z' }, now)).toBe('expired')
    expect(inviteState({ used_at: null, expires_at: '2026-03-11T00:00:00Z' }, now)).toBe('open')
  })
})

describe('quotas', () => {
  it('reads an empty input as the default, numbers as overrides', () => {
    expect(parseQuota('', 'count')).toEqual({ ok: true, value: null })
    expect(parseQuota('  ', 'count')).toEqual({ ok: true, value: null })
    expect(parseQuota('1,000', 'count')).toEqual({ ok: true, value: 1000 })
    expect(parseQuota('0', 'count')).toEqual({ ok: true, value: 0 })
    expect(parseQuota('1.5', 'count').ok).toBe(false)
    expect(parseQuota('-3', 'count').ok).toBe(false)
    expect(parseQuota('lots', 'count').ok).toBe(false)
  })

  it('types sizes in megabytes and keeps bytes', () => {
    expect(parseQuota('1.5', 'bytes')).toEqual({ ok: true, value: 1572864 })
    expect(quotaInput(1572864, 'bytes')).toBe('1.5')
    expect(quotaInput(null, 'bytes')).toBe('')
    expect(quotaInput(20, 'count')).toBe('20')
    expect(formatQuota(1073741824, 'bytes')).toBe('1.0 GB')
    expect(formatQuota(2000000, 'count')).toBe((2000000).toLocaleString())
  })
})
