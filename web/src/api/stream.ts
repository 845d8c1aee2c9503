// Streamed answers: POST a question (or a regeneration) with `Accept: text/event-stream`,
// or follow one already being written, and hand each decoded event to the caller.
import { errorFrom, ApiError } from './client'
import { DONE, readSse } from './sse'
import type { SendRequest, StreamEvent } from './types'

export interface StreamOptions {
  signal?: AbortSignal
  onEvent: (event: StreamEvent) => void
}

/** Decodes one event's data; `null` for `[DONE]` or anything that is not an event. */
export function decodeStreamEvent(data: string): StreamEvent | null {
  if (data === DONE) return null
  try {
    const value: unknown = JSON.parse(data)
    if (value && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string') {
      return value as StreamEvent
    }
  } catch {
    // Not JSON: ignored, as a client should ignore what it does not know.
  }
  return null
}

async function stream(
  path: string,
  body: unknown,
  options: StreamOptions,
  method: 'GET' | 'POST' = 'POST',
): Promise<void> {
  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers: {
        Accept: 'text/event-stream',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: options.signal,
    })
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new ApiError(0, 'network', 'Could not reach the server. Check your connection.')
  }
  if (!response.ok) throw await errorFrom(response)
  if (!response.body) throw new ApiError(response.status, 'no_body', 'The answer had no body.')
  await readSse(response.body, (message) => {
    const event = decodeStreamEvent(message.data)
    if (event) options.onEvent(event)
  })
}

/** Asks a question in a conversation; resolves once the stream has ended. */
export function streamMessage(conversation: string, body: SendRequest, options: StreamOptions) {
  return stream(`/api/chat/conversations/${encodeURIComponent(conversation)}/messages`, body, options)
}

/** Answers the conversation's last question again. */
export function streamRegenerate(conversation: string, options: StreamOptions) {
  return stream(`/api/chat/conversations/${encodeURIComponent(conversation)}/regenerate`, undefined, options)
}

/**
 * Follows the answer being written in a conversation, from its first event: after a
 * reload, or on another device. Rejects with a 404 `ApiError` when none is being written.
 */
export function streamFollow(conversation: string, options: StreamOptions) {
  return stream(
    `/api/chat/conversations/${encodeURIComponent(conversation)}/stream`,
    undefined,
    options,
    'GET',
  )
}
