// The Knowledge Vault's collections (named groups of the user's documents) and which
// documents are in each; the documents and collections each conversation draws on (its
// scope), and the scope picked for the next new chat.
//
// A conversation's scope is the server's: read when the conversation opens (what was read
// is kept here for this session, so that it shows at once next time, and read again) and
// set through the same route.
import { create } from 'zustand'
import { request } from '../api/client'
import type { components } from '../api/schema'
import { errorText } from '../lib/errors'

export type Collection = components['schemas']['Collection']
export type ScopeItem = components['schemas']['ScopeItem']
export type ConversationScope = components['schemas']['ConversationScope']
type CollectionWithDocuments = components['schemas']['CollectionWithDocuments']
type VaultDocument = components['schemas']['Document']
type DocumentPage = components['schemas']['PageView_Document']

/** How many documents the Sources picker offers (the newest). */
const PICKER_DOCUMENTS = 200

/** The scope items a server's answer describes: collections first, then documents. */
export function scopeItems(scope: ConversationScope | null | undefined): ScopeItem[] {
  return [
    ...(scope?.collections ?? []).map((id): ScopeItem => ({ type: 'collection', id })),
    ...(scope?.documents ?? []).map((id): ScopeItem => ({ type: 'document', id })),
  ]
}

export const sameItem = (a: ScopeItem, b: ScopeItem) => a.type === b.type && a.id === b.id

/** Adds the item to the scope, or takes it out when it is there. */
export function toggleScope(items: ScopeItem[], item: ScopeItem): ScopeItem[] {
  return items.some((i) => sameItem(i, item)) ? items.filter((i) => !sameItem(i, item)) : [...items, item]
}

/** A scope in words: "All documents", the one source's name, or how many. */
export function scopeLabel(
  items: ScopeItem[],
  collections: Pick<Collection, 'id' | 'name'>[],
  documents: Pick<VaultDocument, 'id' | 'filename'>[],
): string {
  if (items.length === 0) return 'All documents'
  if (items.length === 1) {
    const [item] = items
    const name =
      item.type === 'collection'
        ? collections.find((c) => c.id === item.id)?.name
        : documents.find((d) => d.id === item.id)?.filename
    return name ?? (item.type === 'collection' ? '1 collection' : '1 document')
  }
  return `${items.length} sources`
}

/** The collections a document is in, by name. */
export function collectionsOf(
  documentId: string,
  collections: Collection[],
  members: Record<string, string[]>,
): Collection[] {
  return collections.filter((c) => members[c.id]?.includes(documentId))
}

const byName = (a: Collection, b: Collection) =>
  a.name.localeCompare(b.name, undefined, { sensitivity: 'base' })
const id = encodeURIComponent
const scopePath = (conversationId: string) => `/api/chat/conversations/${id(conversationId)}/document-scope`

/**
 * Each conversation's count of scope changes sent from here: a scope read from the server
 * while a change was on its way may be older than the change, and is not kept.
 */
const scopeChanges = new Map<string, number>()
/** The reads of a scope under way, so that a conversation's scope is asked for once at a time. */
const scopeReads = new Map<string, Promise<ScopeItem[]>>()
/** Counts resets (a sign-out): a read begun before one is not kept. */
let generation = 0

interface CollectionsState {
  items: Collection[]
  /** Each collection's document ids. */
  members: Record<string, string[]>
  status: 'idle' | 'loading' | 'ready' | 'error'
  error: string | null
  /** The documents the Sources picker offers. */
  documents: VaultDocument[]
  documentsStatus: 'idle' | 'loading' | 'ready' | 'error'
  /** Each conversation's scope as last read or set (absent: not known yet; empty: everything). */
  scopes: Record<string, ScopeItem[]>
  /** The scope picked for the next new chat. */
  pending: ScopeItem[]
  /** Loads the collections and their documents (once; again with `force`). */
  load: (force?: boolean) => Promise<void>
  /** Loads the documents for the Sources picker (once; again with `force`). */
  loadDocuments: (force?: boolean) => Promise<void>
  create: (name: string, description?: string) => Promise<Collection>
  update: (collection: Collection, change: { name?: string; description?: string }) => Promise<Collection>
  remove: (collection: Collection) => Promise<void>
  /** Puts a document in a collection (`member`) or takes it out. */
  setMember: (collectionId: string, documentId: string, member: boolean) => Promise<void>
  /** A document was deleted: it is in no collection any more. */
  forgetDocument: (documentId: string) => void
  /**
   * Reads what a conversation draws on from the server (again even when it is known: the
   * known one shows meanwhile). Rejects when it cannot be read.
   */
  loadScope: (conversationId: string) => Promise<ScopeItem[]>
  /** Sets what a conversation draws on (empty: everything). */
  setScope: (conversationId: string, items: ScopeItem[]) => Promise<ScopeItem[]>
  /** Records a scope known without asking (a conversation just made here). */
  knowScope: (conversationId: string, items: ScopeItem[]) => void
  setPending: (items: ScopeItem[]) => void
  reset: () => void
}

export const useCollections = create<CollectionsState>((set, get) => ({
  items: [],
  members: {},
  status: 'idle',
  error: null,
  documents: [],
  documentsStatus: 'idle',
  scopes: {},
  pending: [],
  load: async (force = false) => {
    const { status } = get()
    if (!force && (status === 'loading' || status === 'ready')) return
    set({ status: 'loading', error: null })
    try {
      const items = await request<Collection[]>('/api/documents/collections')
      const full = await Promise.all(
        items.map((c) => request<CollectionWithDocuments>(`/api/documents/collections/${id(c.id)}`)),
      )
      const members = Object.fromEntries(full.map((f) => [f.collection.id, f.documents.map((d) => d.id)]))
      set({ items: items.slice().sort(byName), members, status: 'ready' })
    } catch (error) {
      set({ status: 'error', error: errorText(error) })
    }
  },
  loadDocuments: async (force = false) => {
    const { documentsStatus } = get()
    if (!force && (documentsStatus === 'loading' || documentsStatus === 'ready')) return
    set({ documentsStatus: 'loading' })
    try {
      const page = await request<DocumentPage>('/api/documents', { query: { limit: PICKER_DOCUMENTS } })
      set({ documents: page.items, documentsStatus: 'ready' })
    } catch {
      set({ documentsStatus: 'error' })
    }
  },
  create: async (name, description = '') => {
    const collection = await request<Collection>('/api/documents/collections', {
      method: 'POST',
      body: { name, description },
    })
    set((s) => ({
      items: [...s.items.filter((c) => c.id !== collection.id), collection].sort(byName),
      members: { ...s.members, [collection.id]: s.members[collection.id] ?? [] },
    }))
    return collection
  },
  update: async (collection, change) => {
    // The request replaces both: the description is sent along, or it would be emptied.
    const fresh = await request<Collection>(`/api/documents/collections/${id(collection.id)}`, {
      method: 'PATCH',
      body: {
        name: change.name ?? collection.name,
        description: change.description ?? collection.description,
      },
    })
    set((s) => ({ items: s.items.map((c) => (c.id === fresh.id ? fresh : c)).sort(byName) }))
    return fresh
  },
  remove: async (collection) => {
    await request<void>(`/api/documents/collections/${id(collection.id)}`, { method: 'DELETE' })
    const gone = (item: ScopeItem) => item.type === 'collection' && item.id === collection.id
    set((s) => {
      const members = { ...s.members }
      delete members[collection.id]
      const scopes = Object.fromEntries(
        Object.entries(s.scopes).map(([conversation, items]) => [
          conversation,
          items.filter((i) => !gone(i)),
        ]),
      )
      return {
        items: s.items.filter((c) => c.id !== collection.id),
        members,
        scopes,
        pending: s.pending.filter((i) => !gone(i)),
      }
    })
  },
  setMember: async (collectionId, documentId, member) => {
    const before = get().members[collectionId] ?? []
    const after = member
      ? [...before.filter((d) => d !== documentId), documentId]
      : before.filter((d) => d !== documentId)
    // Optimistic: shown at once, put back if the server refuses.
    set((s) => ({ members: { ...s.members, [collectionId]: after } }))
    try {
      await request<void>(`/api/documents/collections/${id(collectionId)}/documents`, {
        method: 'POST',
        body: { document_id: documentId, member },
      })
    } catch (error) {
      set((s) => ({ members: { ...s.members, [collectionId]: before } }))
      throw error
    }
  },
  forgetDocument: (documentId) =>
    set((s) => ({
      members: Object.fromEntries(
        Object.entries(s.members).map(([c, docs]) => [c, docs.filter((d) => d !== documentId)]),
      ),
      documents: s.documents.filter((d) => d.id !== documentId),
      scopes: Object.fromEntries(
        Object.entries(s.scopes).map(([conversation, items]) => [
          conversation,
          items.filter((i) => !(i.type === 'document' && i.id === documentId)),
        ]),
      ),
      pending: s.pending.filter((i) => !(i.type === 'document' && i.id === documentId)),
    })),
  loadScope: (conversationId) => {
    const under = scopeReads.get(conversationId)
    if (under) return under
    const changes = scopeChanges.get(conversationId) ?? 0
    const started = generation
    const read = request<ConversationScope>(scopePath(conversationId))
      .then((scope) => {
        const items = scopeItems(scope)
        if (started !== generation) return items
        if ((scopeChanges.get(conversationId) ?? 0) !== changes) {
          return get().scopes[conversationId] ?? items
        }
        get().knowScope(conversationId, items)
        return items
      })
      .finally(() => {
        if (scopeReads.get(conversationId) === read) scopeReads.delete(conversationId)
      })
    scopeReads.set(conversationId, read)
    return read
  },
  setScope: async (conversationId, items) => {
    const turn = (scopeChanges.get(conversationId) ?? 0) + 1
    scopeChanges.set(conversationId, turn)
    const scope = await request<ConversationScope>(scopePath(conversationId), {
      method: 'PATCH',
      body: { document_scope: items.length ? items : null },
    })
    const kept = scopeItems(scope)
    // Changes sent one after another: the last one sent is the one kept.
    if (scopeChanges.get(conversationId) === turn) get().knowScope(conversationId, kept)
    return kept
  },
  knowScope: (conversationId, items) => set((s) => ({ scopes: { ...s.scopes, [conversationId]: items } })),
  setPending: (items) => set({ pending: items }),
  reset: () => {
    generation += 1
    scopeReads.clear()
    set({
      items: [],
      members: {},
      status: 'idle',
      error: null,
      documents: [],
      documentsStatus: 'idle',
      scopes: {},
      pending: [],
    })
  },
}))
