import { describe, expect, it } from 'vitest'
import { answerMeta, formatBytes, formatSpeed } from './format'
import { uploadError } from './upload'

describe('formatBytes', () => {
  it('reads as people write sizes', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(formatBytes(20 * 1024)).toBe('20 KB')
    expect(formatBytes(2.5 * 1024 * 1024)).toBe('2.5 MB')
    expect(formatBytes(null)).toBe('—')
    expect(formatBytes(-1)).toBe('—')
  })
})

describe('formatSpeed', () => {
  it('rounds fast speeds and keeps a decimal for slow ones', () => {
    expect(formatSpeed(42.4)).toBe('42 tok/s')
    expect(formatSpeed(3.14)).toBe('3.1 tok/s')
    expect(formatSpeed(undefined)).toBe('—')
  })
})

describe('answerMeta', () => {
  const info = {
    createdAt: '2026-12-01T10:00:00Z',
    promptTokens: 30,
    completionTokens: 1,
    tokensPerSecond: 55.2,
  }
  const time = () => '10:00'

  it('shows only what is asked', () => {
    expect(answerMeta(info, { showTimestamps: false, showUsage: true, showSpeed: false }, time)).toEqual([
      '30 prompt tokens · 1 answer token',
    ])
    expect(answerMeta(info, { showTimestamps: true, showUsage: false, showSpeed: true }, time)).toEqual([
      '10:00',
      '55 tok/s',
    ])
    expect(answerMeta(info, { showTimestamps: false, showUsage: false, showSpeed: false }, time)).toEqual([])
  })

  it('leaves out what is unknown', () => {
    expect(
      answerMeta({ completionTokens: 12 }, { showTimestamps: true, showUsage: true, showSpeed: true }, time),
    ).toEqual(['12 tokens'])
    expect(
      answerMeta({ createdAt: 'nonsense' }, { showTimestamps: true, showUsage: true, showSpeed: true }),
    ).toEqual([])
  })
})

describe('uploadError', () => {
  it('reads the server’s JSON error', () => {
    const error = uploadError(
      415,
      'Unsupported Media Type',
      '{"error":{"code":"unsupported","message":"Not a kind of file Gantry reads."}}',
    )
    expect(error.status).toBe(415)
    expect(error.code).toBe('unsupported')
    expect(error.message).toBe('Not a kind of file Gantry reads.')
  })

  it('falls back to the status when the body is not JSON', () => {
    expect(uploadError(413, 'Payload Too Large', '<html>').message).toBe('The file is too large.')
    expect(uploadError(500, 'Internal Server Error', '').message).toBe('Internal Server Error')
    expect(uploadError(0, '', '').code).toBe('network')
  })
})
