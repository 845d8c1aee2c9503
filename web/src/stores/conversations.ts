// The sidebar's conversations: loaded a page at a time, changed in place.
import { create } from 'zustand'
import { api } from '../api/client'
import type { Conversation, ConversationUpdate } from '../api/types'
import { errorText } from '../lib/errors'

export const DEFAULT_TITLE = 'New conversation'
const PAGE = 40

interface ConversationsState {
  items: Conversation[]
  next: string | null
  status: 'idle' | 'loading' | 'ready' | 'error'
  loadingMore: boolean
  error: string | null
  load: () => Promise<void>
  loadMore: () => Promise<void>
  create: () => Promise<Conversation>
  update: (id: string, change: ConversationUpdate) => Promise<void>
  remove: (id: string) => Promise<void>
  /** Puts a conversation in the list (or replaces it). */
  upsert: (conversation: Conversation) => void
  /** Marks a conversation as just changed, so it moves to the top of its group. */
  touch: (id: string) => void
  /** Fetches a conversation again (its title, set by the server after the first answer). */
  refresh: (id: string) => Promise<Conversation | null>
  reset: () => void
}

function merge(items: Conversation[], more: Conversation[]): Conversation[] {
  const seen = new Set(items.map((c) => c.id))
  return [...items, ...more.filter((c) => !seen.has(c.id))]
}

export const useConversations = create<ConversationsState>((set, get) => ({
  items: [],
  next: null,
  status: 'idle',
  loadingMore: false,
  error: null,
  load: async () => {
    set({ status: 'loading', error: null })
    try {
      const page = await api.conversations({ limit: PAGE })
      set({ items: page.items, next: page.next ?? null, status: 'ready' })
    } catch (error) {
      set({ status: 'error', error: errorText(error) })
    }
  },
  loadMore: async () => {
    const { next, loadingMore } = get()
    if (!next || loadingMore) return
    set({ loadingMore: true })
    try {
      const page = await api.conversations({ limit: PAGE, cursor: next })
      set((s) => ({ items: merge(s.items, page.items), next: page.next ?? null }))
    } catch (error) {
      set({ error: errorText(error) })
    } finally {
      set({ loadingMore: false })
    }
  },
  create: async () => {
    const conversation = await api.createConversation({})
    get().upsert(conversation)
    return conversation
  },
  update: async (id, change) => {
    const before = get().items.find((c) => c.id === id)
    // Optimistic: shown at once, put back if the server refuses.
    if (before) {
      const patch = Object.fromEntries(
        Object.entries(change).filter(([, value]) => value !== null && value !== undefined),
      )
      get().upsert({ ...before, ...patch })
    }
    try {
      const after = await api.updateConversation(id, change)
      if (after.archived) set((s) => ({ items: s.items.filter((c) => c.id !== id) }))
      else get().upsert(after)
    } catch (error) {
      if (before) get().upsert(before)
      throw error
    }
  },
  remove: async (id) => {
    await api.deleteConversation(id)
    set((s) => ({ items: s.items.filter((c) => c.id !== id) }))
  },
  upsert: (conversation) =>
    set((s) => {
      const index = s.items.findIndex((c) => c.id === conversation.id)
      if (index === -1) return { items: [conversation, ...s.items] }
      const items = s.items.slice()
      items[index] = conversation
      return { items }
    }),
  touch: (id) =>
    set((s) => ({
      items: s.items.map((c) => (c.id === id ? { ...c, updated_at: new Date().toISOString() } : c)),
    })),
  refresh: async (id) => {
    try {
      const { conversation } = await api.conversation(id)
      get().upsert(conversation)
      return conversation
    } catch {
      return null
    }
  },
  reset: () => set({ items: [], next: null, status: 'idle', loadingMore: false, error: null }),
}))
