// A small typed client for Gantry's JSON API over fetch. Every request is same-origin
// (relative URLs, the session cookie sent along), and every failure is an `ApiError`
// carrying the server's `{"error": {"code", "message", "field"}}`.
import type {
  ApiKey,
  ChangePasswordRequest,
  ChunkMatch,
  Conversation,
  ConversationUpdate,
  ConversationWithMessages,
  LoginRequest,
  MemoryView,
  Message,
  ModelList,
  NewAccountRequest,
  NewConversationRequest,
  NewKeyView,
  Page,
  PassageSearch,
  Persona,
  SearchResults,
  SetupStatus,
  Stopped,
  User,
  VaultDocument,
} from './types'

/** A request Gantry refused, or that never reached it (`status` 0, code `network`). */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly field: string | null

  constructor(status: number, code: string, message: string, field: string | null = null) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = field
  }
}

/** Called whenever the server answers 401, so the app can return to the sign-in page. */
let onUnauthorized: (() => void) | null = null
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler
}

/** Reads a failed response's JSON error (or makes one from its status). */
export async function errorFrom(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`
  let message = response.statusText || `The server answered ${response.status}.`
  let field: string | null = null
  try {
    const body: unknown = await response.json()
    const detail = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } })?.error
    if (detail && typeof detail === 'object') {
      if (typeof detail.code === 'string') code = detail.code
      if (typeof detail.message === 'string') message = detail.message
      if (typeof detail.field === 'string') field = detail.field
    }
  } catch {
    // Not JSON (a proxy's page): keep the status.
  }
  if (response.status === 401) onUnauthorized?.()
  return new ApiError(response.status, code, message, field)
}

type Query = Record<string, string | number | boolean | null | undefined>

function withQuery(path: string, query?: Query): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') params.set(key, String(value))
  }
  const text = params.toString()
  return text ? `${path}?${text}` : path
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  query?: Query
  body?: unknown
  headers?: Record<string, string>
  signal?: AbortSignal
}

/** Sends a request; resolves to the fetch `Response` when it is 2xx, throws otherwise. */
export async function send(path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers }
  let body: string | undefined
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.body)
  }
  let response: Response
  try {
    response = await fetch(withQuery(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    })
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error
    throw new ApiError(0, 'network', 'Could not reach the server. Check your connection.')
  }
  if (!response.ok) throw await errorFrom(response)
  return response
}

/** Sends a request and reads its JSON answer (`undefined` for 204). */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options)
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

const id = encodeURIComponent

/** Gantry's routes, typed with the OpenAPI document's schemas. */
export const api = {
  setupStatus: () => request<SetupStatus>('/api/setup'),
  setup: (body: NewAccountRequest) => request<User>('/api/setup', { method: 'POST', body }),
  login: (body: LoginRequest) => request<User>('/api/auth/login', { method: 'POST', body }),
  logout: () => request<void>('/api/auth/logout', { method: 'POST' }),
  me: () => request<User>('/api/auth/me'),

  conversations: (query: { limit?: number; cursor?: string | null; archived?: boolean } = {}) =>
    request<Page<Conversation>>('/api/chat/conversations', { query }),
  conversation: (conversation: string) =>
    request<ConversationWithMessages>(`/api/chat/conversations/${id(conversation)}`),
  createConversation: (body: NewConversationRequest = {}) =>
    request<Conversation>('/api/chat/conversations', { method: 'POST', body }),
  updateConversation: (conversation: string, body: ConversationUpdate) =>
    request<Conversation>(`/api/chat/conversations/${id(conversation)}`, {
      method: 'PATCH',
      body,
    }),
  deleteConversation: (conversation: string) =>
    request<void>(`/api/chat/conversations/${id(conversation)}`, { method: 'DELETE' }),
  messages: (conversation: string, query: { limit?: number; cursor?: string | null } = {}) =>
    request<Page<Message>>(`/api/chat/conversations/${id(conversation)}/messages`, { query }),
  stop: (conversation: string) =>
    request<Stopped>(`/api/chat/conversations/${id(conversation)}/stop`, { method: 'POST' }),

  search: (q: string, limit?: number) => request<SearchResults>('/api/chat/search', { query: { q, limit } }),
  models: () => request<ModelList>('/api/models'),
  personas: () => request<Persona[]>('/api/personas'),

  changePassword: (body: ChangePasswordRequest) =>
    request<void>('/api/auth/change-password', { method: 'POST', body }),
  apiKeys: () => request<ApiKey[]>('/api/auth/api-keys'),
  createApiKey: (name: string) =>
    request<NewKeyView>('/api/auth/api-keys', { method: 'POST', body: { name } }),
  revokeApiKey: (key: string) => request<void>(`/api/auth/api-keys/${id(key)}`, { method: 'DELETE' }),

  documents: (query: { limit?: number; cursor?: string | null } = {}) =>
    request<Page<VaultDocument>>('/api/documents', { query }),
  document: (document: string) => request<VaultDocument>(`/api/documents/${id(document)}`),
  deleteDocument: (document: string) => request<void>(`/api/documents/${id(document)}`, { method: 'DELETE' }),
  searchPassages: (body: PassageSearch) =>
    request<ChunkMatch[]>('/api/documents/search', { method: 'POST', body }),

  memory: () => request<MemoryView>('/api/memory'),
  forgetFact: (fact: string) => request<void>(`/api/memory/facts/${id(fact)}`, { method: 'DELETE' }),
  forgetEntity: (entity: string) => request<void>(`/api/memory/entities/${id(entity)}`, { method: 'DELETE' }),
}
