// The messages of each open conversation, and the answers being streamed into them.
import { create } from 'zustand'
import { api, ApiError } from '../api/client'
import { streamFollow, streamMessage, streamRegenerate } from '../api/stream'
import type { Citation, ContextTimings, Message, StreamEvent } from '../api/types'
import { DEFAULT_TITLE, useConversations } from './conversations'

export type ChatStatus = 'complete' | 'partial' | 'error' | 'streaming'

export interface AnswerStats {
  timeToFirstTokenMs?: number | null
  tokensPerSecond?: number | null
  completionTokens?: number | null
  promptTokens?: number | null
}

export interface ChatMessage {
  /** Stable while the message is shown (a local key until the server names it). */
  key: string
  /** The server's id, once known. */
  id: string | null
  role: 'user' | 'assistant' | 'system'
  content: string
  status: ChatStatus
  error: { code: string; message: string } | null
  createdAt: string
  model?: string | null
  /** The sources the answer was given: from the stream's `context` event, then as saved. */
  citations?: Citation[]
  timings?: ContextTimings | null
  stats?: AnswerStats
  /** How Retry answers again: regenerate (the question was kept) or send it anew. */
  retry?: 'regenerate' | 'resend'
}

export interface Thread {
  messages: ChatMessage[]
  /** Cursor of the older page; null at the start of the conversation. */
  next: string | null
  status: 'loading' | 'ready' | 'error'
  error: string | null
  loadingOlder: boolean
}

interface ActiveStream {
  draftKey: string
  controller: AbortController
  stopping: boolean
}

interface ChatState {
  threads: Record<string, Thread>
  streams: Record<string, ActiveStream>
  /** Loads a conversation's latest messages (once; again with `force`). */
  load: (conversationId: string, force?: boolean) => Promise<void>
  loadOlder: (conversationId: string) => Promise<void>
  /** Starts an empty thread for a conversation just created here. */
  openNew: (conversationId: string) => void
  send: (conversationId: string, content: string) => Promise<void>
  /** Follows an answer still being written (after a reload, or started elsewhere). */
  follow: (conversationId: string) => Promise<void>
  regenerate: (conversationId: string) => Promise<void>
  retry: (conversationId: string, key: string) => Promise<void>
  stop: (conversationId: string) => Promise<void>
  /** Applies one streamed event to the draft answer `draftKey`. */
  applyEvent: (conversationId: string, draftKey: string, event: StreamEvent) => void
  /** The stream ended: a draft still streaming was stopped (partial). */
  finishStream: (conversationId: string, draftKey: string) => void
  forget: (conversationId: string) => void
  reset: () => void
}

let counter = 0
export function localKey(prefix: string): string {
  counter += 1
  return `${prefix}-${Date.now().toString(36)}-${counter}`
}

export function fromServer(message: Message): ChatMessage {
  return {
    key: message.id,
    id: message.id,
    role: message.role,
    content: message.content,
    status: message.status,
    error:
      message.status === 'error'
        ? { code: 'backend_error', message: message.error ?? 'The answer failed.' }
        : null,
    createdAt: message.created_at,
    model: message.model,
    citations: message.context?.citations,
    timings: message.context?.timings ?? null,
    stats: {
      completionTokens: message.completion_tokens,
      promptTokens: message.prompt_tokens,
      timeToFirstTokenMs: message.context?.timings.time_to_first_token_ms,
      tokensPerSecond: message.context?.timings.tokens_per_second,
    },
    retry: message.status === 'error' ? 'regenerate' : undefined,
  }
}

const emptyThread = (): Thread => ({
  messages: [],
  next: null,
  status: 'ready',
  error: null,
  loadingOlder: false,
})

function describe(error: unknown): { code: string; message: string } {
  if (error instanceof ApiError) return { code: error.code, message: error.message }
  if (error instanceof Error) return { code: 'client', message: error.message }
  return { code: 'client', message: String(error) }
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError'
}

export const useChat = create<ChatState>((set, get) => {
  const updateThread = (id: string, change: (thread: Thread) => Partial<Thread>) =>
    set((s) => {
      const thread = s.threads[id]
      if (!thread) return s
      return { threads: { ...s.threads, [id]: { ...thread, ...change(thread) } } }
    })

  const updateMessage = (id: string, key: string, change: (m: ChatMessage) => Partial<ChatMessage>) =>
    updateThread(id, (thread) => ({
      messages: thread.messages.map((m) => (m.key === key ? { ...m, ...change(m) } : m)),
    }))

  /** After the first answer the server titles the conversation: pick the title up. */
  const followTitle = (id: string) => {
    const conversation = useConversations.getState().items.find((c) => c.id === id)
    if (conversation && conversation.title !== DEFAULT_TITLE) return
    let tries = 0
    const attempt = async () => {
      tries += 1
      const fresh = await useConversations.getState().refresh(id)
      if ((!fresh || fresh.title === DEFAULT_TITLE) && tries < 4) setTimeout(attempt, 800 * tries)
    }
    setTimeout(attempt, 400)
  }

  /** Runs one streamed answer into a new draft at the end of the thread. */
  const run = async (
    id: string,
    start: (options: { signal: AbortSignal; onEvent: (event: StreamEvent) => void }) => Promise<void>,
    question: { key: string; content: string } | null,
  ) => {
    const draftKey = localKey('draft')
    const controller = new AbortController()
    const draft: ChatMessage = {
      key: draftKey,
      id: null,
      role: 'assistant',
      content: '',
      status: 'streaming',
      error: null,
      createdAt: new Date().toISOString(),
    }
    updateThread(id, (thread) => ({ messages: [...thread.messages, draft] }))
    set((s) => ({ streams: { ...s.streams, [id]: { draftKey, controller, stopping: false } } }))
    useConversations.getState().touch(id)
    let started = false
    try {
      await start({
        signal: controller.signal,
        onEvent: (event) => {
          started = true
          get().applyEvent(id, draftKey, event)
        },
      })
      get().finishStream(id, draftKey)
      followTitle(id)
    } catch (error) {
      if (isAbort(error)) {
        get().finishStream(id, draftKey)
      } else if (!started && error instanceof ApiError && error.status !== 0) {
        // Refused before streaming: the server may still have kept the question (and an
        // error answer). Show what it kept; otherwise keep the question here to resend.
        await settleRefusal(id, draftKey, question, describe(error))
      } else {
        updateMessage(id, draftKey, () => ({
          status: 'error',
          error: describe(error),
          retry: started ? 'regenerate' : question ? 'resend' : 'regenerate',
        }))
      }
    } finally {
      set((s) => {
        const streams = { ...s.streams }
        if (streams[id]?.draftKey === draftKey) delete streams[id]
        return { streams }
      })
    }
  }

  const settleRefusal = async (
    id: string,
    draftKey: string,
    question: { key: string; content: string } | null,
    detail: { code: string; message: string },
  ) => {
    let kept: Message[] | null = null
    try {
      kept = (await api.messages(id, { limit: 50 })).items
    } catch {
      kept = null
    }
    const lastUser = kept ? [...kept].reverse().find((m) => m.role === 'user') : undefined
    const questionKept = question ? lastUser?.content === question.content : true
    if (!kept || !questionKept) {
      updateMessage(id, draftKey, () => ({
        status: 'error',
        error: detail,
        retry: question ? 'resend' : 'regenerate',
      }))
      return
    }
    updateThread(id, () => {
      const messages = kept.map(fromServer)
      const last = messages[messages.length - 1]
      if (last && last.role === 'assistant' && last.status === 'error') {
        messages[messages.length - 1] = { ...last, key: draftKey, error: detail, retry: 'regenerate' }
      } else {
        messages.push({
          key: draftKey,
          id: null,
          role: 'assistant',
          content: '',
          status: 'error',
          error: detail,
          createdAt: new Date().toISOString(),
          retry: 'regenerate',
        })
      }
      return { messages }
    })
  }

  return {
    threads: {},
    streams: {},

    load: async (id, force = false) => {
      const existing = get().threads[id]
      if (existing && !force && existing.status !== 'error') return
      if (get().streams[id]) return
      set((s) => ({
        threads: {
          ...s.threads,
          [id]: {
            ...(existing ?? emptyThread()),
            status: existing?.messages.length ? 'ready' : 'loading',
            error: null,
          },
        },
      }))
      try {
        const page = await api.messages(id, { limit: 50 })
        if (get().streams[id]) return
        updateThread(id, () => ({
          messages: page.items.map(fromServer),
          next: page.next ?? null,
          status: 'ready',
        }))
        // The last answer may still be being written (the page was reloaded mid-answer,
        // or it was asked elsewhere): follow it.
        const last = page.items[page.items.length - 1]
        if (last && (last.role === 'user' || last.status === 'partial')) void get().follow(id)
      } catch (error) {
        updateThread(id, () => ({ status: 'error', error: describe(error).message }))
      }
    },

    follow: async (id) => {
      if (get().streams[id]) return
      const draftKey = localKey('draft')
      const controller = new AbortController()
      let attached = false
      // Shown from the first event only: most of the time nothing is being written (404).
      const attach = () => {
        attached = true
        updateThread(id, (thread) => {
          const messages = thread.messages.slice()
          const last = messages[messages.length - 1]
          // The saved part of the answer is replayed from its start.
          if (last?.role === 'assistant' && last.status === 'partial') messages.pop()
          const draft: ChatMessage = {
            key: draftKey,
            id: null,
            role: 'assistant',
            content: '',
            status: 'streaming',
            error: null,
            createdAt: new Date().toISOString(),
          }
          return { messages: [...messages, draft] }
        })
        set((s) => ({ streams: { ...s.streams, [id]: { draftKey, controller, stopping: false } } }))
      }
      try {
        await streamFollow(id, {
          signal: controller.signal,
          onEvent: (event) => {
            if (!attached) {
              if (get().streams[id]) return controller.abort()
              attach()
            }
            get().applyEvent(id, draftKey, event)
          },
        })
        if (attached) get().finishStream(id, draftKey)
      } catch (error) {
        if (!attached) return
        if (isAbort(error)) get().finishStream(id, draftKey)
        else
          updateMessage(id, draftKey, () => ({
            status: 'error',
            error: describe(error),
            retry: 'regenerate',
          }))
      } finally {
        set((s) => {
          const streams = { ...s.streams }
          if (streams[id]?.draftKey === draftKey) delete streams[id]
          return { streams }
        })
      }
    },

    loadOlder: async (id) => {
      const thread = get().threads[id]
      if (!thread?.next || thread.loadingOlder) return
      updateThread(id, () => ({ loadingOlder: true }))
      try {
        const page = await api.messages(id, { limit: 50, cursor: thread.next })
        updateThread(id, (t) => {
          const seen = new Set(t.messages.map((m) => m.id))
          const older = page.items.filter((m) => !seen.has(m.id)).map(fromServer)
          return { messages: [...older, ...t.messages], next: page.next ?? null, loadingOlder: false }
        })
      } catch (error) {
        updateThread(id, () => ({ loadingOlder: false, error: describe(error).message }))
      }
    },

    openNew: (id) => set((s) => ({ threads: { ...s.threads, [id]: emptyThread() } })),

    send: async (id, content) => {
      const text = content.trim()
      if (!text || get().streams[id]) return
      if (!get().threads[id]) get().openNew(id)
      const key = localKey('user')
      const question: ChatMessage = {
        key,
        id: null,
        role: 'user',
        content: text,
        status: 'complete',
        error: null,
        createdAt: new Date().toISOString(),
      }
      updateThread(id, (thread) => ({ messages: [...thread.messages, question] }))
      await run(id, (options) => streamMessage(id, { content: text }, options), { key, content: text })
    },

    regenerate: async (id) => {
      if (get().streams[id]) return
      // The server replaces the last answer: drop it here too.
      updateThread(id, (thread) => {
        const messages = thread.messages.slice()
        if (messages.length && messages[messages.length - 1].role === 'assistant') messages.pop()
        return { messages }
      })
      await run(id, (options) => streamRegenerate(id, options), null)
    },

    retry: async (id, key) => {
      const thread = get().threads[id]
      const failed = thread?.messages.find((m) => m.key === key)
      if (!thread || !failed || get().streams[id]) return
      if (failed.retry === 'resend') {
        // The server never kept the question: send it again.
        const index = thread.messages.indexOf(failed)
        const question = [...thread.messages.slice(0, index)].reverse().find((m) => m.role === 'user')
        updateThread(id, (t) => ({
          messages: t.messages.filter((m) => m.key !== key && m.key !== question?.key),
        }))
        if (question) await get().send(id, question.content)
        return
      }
      await get().regenerate(id)
    },

    stop: async (id) => {
      const active = get().streams[id]
      if (!active || active.stopping) return
      set((s) => ({ streams: { ...s.streams, [id]: { ...active, stopping: true } } }))
      try {
        await api.stop(id)
      } catch {
        // The server could not be told: stop reading at least.
        active.controller.abort()
        return
      }
      // The server ends the stream itself; stop reading if it does not soon.
      setTimeout(() => {
        if (get().streams[id]?.draftKey === active.draftKey) active.controller.abort()
      }, 4000)
    },

    applyEvent: (id, draftKey, event) => {
      switch (event.type) {
        case 'context':
          updateMessage(id, draftKey, () => ({ citations: event.citations, timings: event.timings }))
          break
        case 'token':
          updateMessage(id, draftKey, (m) => ({ content: m.content + event.text }))
          break
        case 'done': {
          const saved = fromServer(event.message)
          updateMessage(id, draftKey, (m) => ({
            ...saved,
            key: m.key,
            citations: saved.citations ?? m.citations,
            timings: saved.timings ?? m.timings,
          }))
          break
        }
        case 'error':
          updateMessage(id, draftKey, () => ({
            status: 'error',
            error: { code: event.code, message: event.message },
            retry: 'regenerate',
          }))
          break
      }
    },

    finishStream: (id, draftKey) =>
      updateMessage(id, draftKey, (m) => (m.status === 'streaming' ? { status: 'partial' } : {})),

    forget: (id) =>
      set((s) => {
        const threads = { ...s.threads }
        delete threads[id]
        return { threads }
      }),

    reset: () => {
      for (const stream of Object.values(get().streams)) stream.controller.abort()
      set({ threads: {}, streams: {} })
    },
  }
})
