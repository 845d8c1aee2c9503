// A parser for server-sent events (the `text/event-stream` format), fed the text of a
// response as it arrives: events may be split across chunks and a chunk may hold several.
// EventSource cannot POST, so the chat's streamed answers are read with fetch and this.

/** One event: its `data` lines joined with newlines, its `id` and `event` if it had them. */
export interface SseMessage {
  data: string
  id?: string
  event?: string
  retry?: number
}

/** The `data` that ends Gantry's streams (after `done` or `error`). */
export const DONE = '[DONE]'

export interface SseParser {
  /** Feeds the next piece of text; returns the events it completed. */
  push(text: string): SseMessage[]
  /** The end of the stream: returns an event left without its closing blank line. */
  flush(): SseMessage[]
}

export function createSseParser(): SseParser {
  let buffer = ''
  // A chunk that ended in '\r' may be followed by the '\n' of the same line break.
  let skipLeadingLf = false
  let data: string[] = []
  let hasData = false
  let id: string | undefined
  let event: string | undefined
  let retry: number | undefined

  const dispatch = (out: SseMessage[]) => {
    if (hasData) {
      const message: SseMessage = { data: data.join('\n') }
      if (id !== undefined) message.id = id
      if (event !== undefined) message.event = event
      if (retry !== undefined) message.retry = retry
      out.push(message)
    }
    data = []
    hasData = false
    event = undefined
    retry = undefined
    // `id` is kept until another one comes, as EventSource's last event id.
  }

  const line = (text: string, out: SseMessage[]) => {
    if (text === '') return dispatch(out)
    if (text.startsWith(':')) return // a comment, e.g. ": keep-alive"
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    switch (field) {
      case 'data':
        data.push(value)
        hasData = true
        break
      case 'id':
        if (!value.includes('\0')) id = value
        break
      case 'event':
        event = value
        break
      case 'retry':
        if (/^\d+$/.test(value)) retry = Number(value)
        break
      default:
      // Unknown fields are ignored, as the format says.
    }
  }

  return {
    push(text) {
      const out: SseMessage[] = []
      if (skipLeadingLf && text.startsWith('\n')) text = text.slice(1)
      skipLeadingLf = false
      buffer += text
      let start = 0
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer[i]
        if (c !== '\n' && c !== '\r') continue
        line(buffer.slice(start, i), out)
        if (c === '\r') {
          if (i + 1 < buffer.length) {
            if (buffer[i + 1] === '\n') i++
          } else {
            skipLeadingLf = true
          }
        }
        start = i + 1
      }
      buffer = buffer.slice(start)
      return out
    },
    flush() {
      const out: SseMessage[] = []
      if (buffer !== '') line(buffer, out)
      buffer = ''
      dispatch(out)
      return out
    },
  }
}

/**
 * Reads a `text/event-stream` body to its end, calling `onMessage` for each event
 * (the closing `[DONE]` included). Resolves when the body ends.
 */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onMessage: (message: SseMessage) => void,
): Promise<void> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const parser = createSseParser()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      for (const message of parser.push(decoder.decode(value, { stream: true }))) {
        onMessage(message)
      }
    }
    for (const message of parser.push(decoder.decode())) onMessage(message)
    for (const message of parser.flush()) onMessage(message)
  } finally {
    reader.releaseLock()
  }
}
