import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Message } from '../api/types'
import { useChat, type ChatMessage } from './chat'
import { useConversations } from './conversations'

const C = 'conv-1'

function serverMessage(over: Partial<Message> = {}): Message {
  return {
    id: 'm-2',
    conversation_id: C,
    owner_id: 'u',
    role: 'assistant',
    content: 'Hello there.',
    status: 'complete',
    model: 'tiny',
    prompt_tokens: 30,
    completion_tokens: 3,
    error: null,
    created_at: '2026-12-01T10:00:00Z',
    ...over,
  }
}

function draft(): ChatMessage {
  return {
    key: 'draft-1',
    id: null,
    role: 'assistant',
    content: '',
    status: 'streaming',
    error: null,
    createdAt: '2026-12-01T10:00:00Z',
  }
}

function seed(messages: ChatMessage[]) {
  useChat.setState({
    threads: { [C]: { messages, next: null, status: 'ready', error: null, loadingOlder: false } },
    streams: {},
  })
}

const messages = () => useChat.getState().threads[C].messages
const last = () => messages()[messages().length - 1]

beforeEach(() => {
  useChat.getState().reset()
  useConversations.getState().reset()
})

afterEach(() => {
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe('the chat store, given streamed events', () => {
  it('keeps the context event’s citations and timings on the draft', () => {
    seed([draft()])
    const citations = [
      {
        number: 1,
        kind: 'fact' as const,
        id: 'f',
        parent_id: null,
        label: 'Memory',
        excerpt: 'Ada likes tea',
      },
    ]
    const timings = {
      embed_ms: 1,
      vector_ms: 2,
      keyword_ms: 3,
      fuse_ms: 0.1,
      confirm_ms: 0.2,
      facts_ms: 4,
      total_ms: 5,
    }
    useChat.getState().applyEvent(C, 'draft-1', { type: 'context', citations, timings })
    expect(last().citations).toEqual(citations)
    expect(last().timings).toEqual(timings)
    expect(last().status).toBe('streaming')
  })

  it('appends tokens to the draft as they come', () => {
    seed([draft()])
    const apply = useChat.getState().applyEvent
    apply(C, 'draft-1', { type: 'token', text: 'Hel' })
    expect(last().content).toBe('Hel')
    apply(C, 'draft-1', { type: 'token', text: 'lo' })
    apply(C, 'draft-1', { type: 'token', text: ' there.' })
    expect(last().content).toBe('Hello there.')
    expect(last().status).toBe('streaming')
  })

  it('replaces the draft with the saved message on done, keeping its key, with its saved context', () => {
    seed([draft()])
    const apply = useChat.getState().applyEvent
    apply(C, 'draft-1', { type: 'context', citations: [], timings: null })
    apply(C, 'draft-1', { type: 'token', text: 'Hello th' })
    const timings = {
      embed_ms: 1,
      vector_ms: 0.5,
      keyword_ms: 0.4,
      fuse_ms: 0.1,
      confirm_ms: 0.3,
      facts_ms: 0.2,
      total_ms: 2.5,
      time_to_first_token_ms: 78,
      tokens_per_second: 111.2,
    }
    const citation = {
      number: 1,
      kind: 'chunk' as const,
      id: 'c-1',
      parent_id: 'd-1',
      label: 'notes.md',
      excerpt: 'Tides follow the moon.',
    }
    apply(C, 'draft-1', {
      type: 'done',
      message: serverMessage({ context: { citations: [citation], timings } }),
    })
    const m = last()
    expect(m.key).toBe('draft-1')
    expect(m.id).toBe('m-2')
    expect(m.content).toBe('Hello there.')
    expect(m.status).toBe('complete')
    expect(m.citations).toEqual([citation])
    expect(m.timings).toEqual(timings)
    expect(m.stats).toMatchObject({
      timeToFirstTokenMs: 78,
      tokensPerSecond: 111.2,
      completionTokens: 3,
      promptTokens: 30,
    })
    expect(messages()).toHaveLength(1)
  })

  it('marks the draft as failed on an error event, keeping what had arrived', () => {
    seed([draft()])
    const apply = useChat.getState().applyEvent
    apply(C, 'draft-1', { type: 'token', text: 'Half an ans' })
    apply(C, 'draft-1', { type: 'error', code: 'backend_error', message: 'the model went away' })
    expect(last()).toMatchObject({
      status: 'error',
      content: 'Half an ans',
      error: { code: 'backend_error', message: 'the model went away' },
      retry: 'regenerate',
    })
  })

  it('marks a draft whose stream ended without done as partial (stopped)', () => {
    seed([draft()])
    useChat.getState().applyEvent(C, 'draft-1', { type: 'token', text: 'Some' })
    useChat.getState().finishStream(C, 'draft-1')
    expect(last().status).toBe('partial')
  })

  it('leaves other messages alone', () => {
    const question: ChatMessage = { ...draft(), key: 'q', role: 'user', content: 'Hi?', status: 'complete' }
    seed([question, draft()])
    useChat.getState().applyEvent(C, 'draft-1', { type: 'token', text: 'Yes' })
    expect(messages()[0]).toBe(question)
  })
})

function sseResponse(lines: string[]): Response {
  const bytes = new TextEncoder().encode(lines.join(''))
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      // Split awkwardly, as a network would.
      for (let i = 0; i < bytes.length; i += 17) controller.enqueue(bytes.slice(i, i + 17))
      controller.close()
    },
  })
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } })
}

function json(status: number, value: unknown): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } })
}

describe('the chat store, sending', () => {
  it('streams an answer into the thread and ends with the saved message', async () => {
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if (url.endsWith('/messages') && init?.method === 'POST') {
        expect(JSON.parse(String(init.body))).toEqual({ content: 'Hi?' })
        expect((init.headers as Record<string, string>).Accept).toBe('text/event-stream')
        return sseResponse([
          'id: 0\ndata: {"type":"context","citations":[],"timings":null}\n\n',
          'id: 1\ndata: {"type":"token","text":"Hello"}\n\n',
          ': keep-alive\n\n',
          'id: 2\ndata: {"type":"token","text":" there."}\n\n',
          `id: 3\ndata: ${JSON.stringify({ type: 'done', message: serverMessage() })}\n\n`,
          'data: [DONE]\n\n',
        ])
      }
      return json(200, { conversation: { id: C, title: 'Greeting' }, messages: [] })
    })
    vi.stubGlobal('fetch', fetchMock)
    useChat.getState().openNew(C)
    await useChat.getState().send(C, '  Hi?  ')
    const [question, answer] = messages()
    expect(question).toMatchObject({ role: 'user', content: 'Hi?' })
    expect(answer).toMatchObject({
      role: 'assistant',
      content: 'Hello there.',
      status: 'complete',
      id: 'm-2',
    })
    expect(useChat.getState().streams[C]).toBeUndefined()
  })

  it('shows a refusal before streaming in place, with what the server kept', async () => {
    const fetchMock = vi.fn(async (_url: string, init?: RequestInit) => {
      if (init?.method === 'POST') {
        return json(503, {
          error: { code: 'backend_unavailable', message: 'model server down', type: 'server_error' },
        })
      }
      return json(200, {
        items: [
          serverMessage({
            id: 'm-1',
            role: 'user',
            content: 'Hi?',
            prompt_tokens: null,
            completion_tokens: null,
          }),
          serverMessage({ content: '', status: 'error', error: 'model server down' }),
        ],
        next: null,
      })
    })
    vi.stubGlobal('fetch', fetchMock)
    useChat.getState().openNew(C)
    await useChat.getState().send(C, 'Hi?')
    expect(messages()).toHaveLength(2)
    expect(last()).toMatchObject({
      role: 'assistant',
      status: 'error',
      error: { code: 'backend_unavailable', message: 'model server down' },
      retry: 'regenerate',
    })
  })
})

describe('the chat store, opening a conversation mid-answer', () => {
  const question = serverMessage({ id: 'm-1', role: 'user', content: 'Tell me a story.', model: null })
  const partial = serverMessage({ content: 'Once upon', status: 'partial' })

  it('follows the answer still being written, replayed from its start', async () => {
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if (url.endsWith('/stream')) {
        expect(init?.method).toBe('GET')
        return sseResponse([
          'id: 0\ndata: {"type":"context","citations":[],"timings":null}\n\n',
          'id: 1\ndata: {"type":"token","text":"Once upon"}\n\n',
          'id: 2\ndata: {"type":"token","text":" a time."}\n\n',
          `id: 3\ndata: ${JSON.stringify({ type: 'done', message: serverMessage({ content: 'Once upon a time.' }) })}\n\n`,
          'data: [DONE]\n\n',
        ])
      }
      return json(200, { items: [question, partial], next: null })
    })
    vi.stubGlobal('fetch', fetchMock)
    await useChat.getState().load(C)
    await vi.waitFor(() => expect(last().status).toBe('complete'))
    expect(messages().map((m) => [m.role, m.content])).toEqual([
      ['user', 'Tell me a story.'],
      ['assistant', 'Once upon a time.'],
    ])
    expect(useChat.getState().streams[C]).toBeUndefined()
  })

  it('keeps the saved messages when nothing is being written', async () => {
    const fetchMock = vi.fn(async (url: string) => {
      if (url.endsWith('/stream')) return json(404, { error: { code: 'not_found', message: 'no answer' } })
      return json(200, { items: [question, partial], next: null })
    })
    vi.stubGlobal('fetch', fetchMock)
    await useChat.getState().load(C)
    await vi.waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2))
    expect(messages().map((m) => [m.content, m.status])).toEqual([
      ['Tell me a story.', 'complete'],
      ['Once upon', 'partial'],
    ])
  })
})
