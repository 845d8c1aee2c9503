import { describe, expect, it } from 'vitest'
import { citeNumber, splitMarkers } from './citeLinks'

describe('citation markers', () => {
  it('become links only for the numbers the answer was given', () => {
    const parts = splitMarkers('Tides follow the moon [1], not [7]; see [2].', new Set([1, 2]))
    expect(parts.map((p) => (p.type === 'link' ? `<${p.url}>` : p.value))).toEqual([
      'Tides follow the moon ',
      '<#cite-1>',
      ', not [7]; see ',
      '<#cite-2>',
      '.',
    ])
  })

  it('leave text without markers whole', () => {
    expect(splitMarkers('no sources here', new Set([1]))).toEqual([
      { type: 'text', value: 'no sources here' },
    ])
  })

  it('read the number back from a link, and nothing else', () => {
    expect(citeNumber('#cite-12')).toBe(12)
    expect(citeNumber('https://example.com/#cite-1')).toBeNull()
    expect(citeNumber(undefined)).toBeNull()
  })
})
