import { describe, expect, it } from 'vitest'
import { createSseParser, readSse, type SseMessage } from './sse'
import { decodeStreamEvent } from './stream'

function feed(chunks: string[]): SseMessage[] {
  const parser = createSseParser()
  const out: SseMessage[] = []
  for (const chunk of chunks) out.push(...parser.push(chunk))
  out.push(...parser.flush())
  return out
}

const GANTRY_STREAM =
  'id: 0\ndata: {"type":"context","citations":[],"timings":null}\n\n' +
  'id: 1\ndata: {"type":"token","text":"Hel"}\n\n' +
  ': keep-alive\n\n' +
  'id: 2\ndata: {"type":"token","text":"lo"}\n\n' +
  'data: [DONE]\n\n'

describe('the SSE parser', () => {
  it('reads one event per blank-line-ended block, with its id', () => {
    expect(feed(['id: 7\ndata: hello\n\n'])).toEqual([{ id: '7', data: 'hello' }])
  })

  it('reads several events in one chunk', () => {
    const events = feed([GANTRY_STREAM])
    expect(events.map((e) => e.data)).toEqual([
      '{"type":"context","citations":[],"timings":null}',
      '{"type":"token","text":"Hel"}',
      '{"type":"token","text":"lo"}',
      '[DONE]',
    ])
    expect(events.map((e) => e.id)).toEqual(['0', '1', '2', '2'])
  })

  it('joins an event split across chunks, at any point', () => {
    const whole = feed([GANTRY_STREAM])
    for (let cut = 1; cut < GANTRY_STREAM.length; cut++) {
      expect(feed([GANTRY_STREAM.slice(0, cut), GANTRY_STREAM.slice(cut)])).toEqual(whole)
    }
    // One character at a time.
    expect(feed(GANTRY_STREAM.split(''))).toEqual(whole)
  })

  it('skips comment lines such as keep-alives', () => {
    expect(feed([': keep-alive\n\n', ':\n', 'data: x\n\n'])).toEqual([{ data: 'x' }])
  })

  it('handles CRLF and CR line endings, even a CRLF split between chunks', () => {
    expect(feed(['id: 1\r\ndata: a\r\n\r\n'])).toEqual([{ id: '1', data: 'a' }])
    expect(feed(['data: b\r\rdata: c\r\r'])).toEqual([{ data: 'b' }, { data: 'c' }])
    expect(feed(['data: d\r', '\n\r', '\n'])).toEqual([{ data: 'd' }])
  })

  it('joins multi-line data with newlines and keeps the event name', () => {
    expect(feed(['event: note\ndata: one\ndata: two\n\n'])).toEqual([{ event: 'note', data: 'one\ntwo' }])
  })

  it('takes the value after "data:" with or without its space, and ignores unknown fields', () => {
    expect(feed(['data:tight\nfoo: bar\n\n'])).toEqual([{ data: 'tight' }])
  })

  it('does not dispatch a block without data', () => {
    expect(feed(['id: 3\n\n', 'event: x\n\n'])).toEqual([])
  })

  it('dispatches a last event left without its blank line when the stream ends', () => {
    expect(feed(['data: [DONE]'])).toEqual([{ data: '[DONE]' }])
  })

  it('reads a byte stream whose multi-byte characters are split across chunks', async () => {
    const bytes = new TextEncoder().encode('data: {"type":"token","text":"héllo ✓"}\n\ndata: [DONE]\n\n')
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 5) controller.enqueue(bytes.slice(i, i + 5))
        controller.close()
      },
    })
    const seen: string[] = []
    await readSse(body, (m) => seen.push(m.data))
    expect(seen).toEqual(['{"type":"token","text":"héllo ✓"}', '[DONE]'])
  })
})

describe('decoding stream events', () => {
  it('decodes JSON events and ends on [DONE]', () => {
    expect(decodeStreamEvent('{"type":"token","text":"a"}')).toEqual({ type: 'token', text: 'a' })
    expect(decodeStreamEvent('[DONE]')).toBeNull()
  })

  it('ignores what is not an event', () => {
    expect(decodeStreamEvent('not json')).toBeNull()
    expect(decodeStreamEvent('{"text":"no type"}')).toBeNull()
  })
})
