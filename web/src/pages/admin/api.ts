// The admin routes, over the app's typed client (same-origin, `ApiError` on failure).
import { ApiError, request } from '../../api/client'
import type {
  ActiveModel,
  AuditEntry,
  BackendEntry,
  BackendHealth,
  BackendRequest,
  BackendView,
  Health,
  Invite,
  LoadedView,
  ModelList,
  NewInviteRequest,
  NewInviteView,
  NewUserRequest,
  Page,
  Persona,
  PersonaRequest,
  QuotaOverrides,
  QuotaReport,
  Readiness,
  SystemView,
  UsageReport,
  User,
  UserUpdate,
} from './types'

const id = encodeURIComponent

export const adminApi = {
  users: (query: { q?: string; limit?: number; cursor?: string | null } = {}) =>
    request<Page<User>>('/api/admin/users', { query }),
  createUser: (body: NewUserRequest) => request<User>('/api/admin/users', { method: 'POST', body }),
  updateUser: (user: string, body: UserUpdate) =>
    request<User>(`/api/admin/users/${id(user)}`, { method: 'PATCH', body }),
  resetPassword: (user: string, password: string) =>
    request<void>(`/api/admin/users/${id(user)}/password`, { method: 'POST', body: { password } }),
  deleteUser: (user: string) => request<void>(`/api/admin/users/${id(user)}`, { method: 'DELETE' }),
  quotas: (user: string) => request<QuotaReport>(`/api/admin/users/${id(user)}/quotas`),
  setQuotas: (user: string, body: QuotaOverrides) =>
    request<QuotaReport>(`/api/admin/users/${id(user)}/quotas`, { method: 'PUT', body }),

  invites: () => request<Invite[]>('/api/admin/invites'),
  createInvite: (body: NewInviteRequest) =>
    request<NewInviteView>('/api/admin/invites', { method: 'POST', body }),
  deleteInvite: (invite: string) => request<void>(`/api/admin/invites/${id(invite)}`, { method: 'DELETE' }),

  personas: () => request<Persona[]>('/api/admin/personas'),
  createPersona: (body: PersonaRequest) => request<Persona>('/api/admin/personas', { method: 'POST', body }),
  updatePersona: (persona: string, body: PersonaRequest) =>
    request<Persona>(`/api/admin/personas/${id(persona)}`, { method: 'PATCH', body }),
  deletePersona: (persona: string) =>
    request<void>(`/api/admin/personas/${id(persona)}`, { method: 'DELETE' }),

  backends: () => request<BackendEntry[]>('/api/admin/backends'),
  addBackend: (body: BackendRequest) => request<BackendView>('/api/admin/backends', { method: 'POST', body }),
  testBackend: (body: BackendRequest) =>
    request<BackendHealth>('/api/admin/backends/test', { method: 'POST', body }),
  removeBackend: (name: string) => request<void>(`/api/admin/backends/${id(name)}`, { method: 'DELETE' }),
  loadModel: (name: string, model: string) =>
    request<LoadedView>(`/api/admin/backends/${id(name)}/load`, { method: 'POST', body: { model } }),
  unloadModel: (name: string) =>
    request<LoadedView>(`/api/admin/backends/${id(name)}/unload`, { method: 'POST' }),
  setDefaultModel: (model: string | null) =>
    request<void>('/api/admin/models/default', { method: 'PUT', body: { model } }),
  models: () => request<ModelList>('/api/models'),
  activeModel: () => request<ActiveModel>('/api/models/active'),

  usage: (query: { from?: string; to?: string; user_id?: string }) =>
    request<UsageReport>('/api/admin/usage', { query }),
  audit: (query: { since?: string; limit?: number; cursor?: string | null }) =>
    request<Page<AuditEntry>>('/api/admin/audit', { query }),
  system: () => request<SystemView>('/api/admin/system'),
  health: () => probe<Health>('/health'),
  ready: () => probe<Readiness>('/ready'),
}

/**
 * Reads a probe's JSON, whatever its status (`/ready` answers 503 with its reasons). A
 * non-JSON answer (a proxy in front of the UI that does not pass the probe on) is an error.
 */
async function probe<T>(path: string): Promise<T> {
  let response: Response
  try {
    response = await fetch(path, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
  } catch {
    throw new ApiError(0, 'network', 'Could not reach the server.')
  }
  const type = response.headers.get('content-type') ?? ''
  if (!type.includes('json')) {
    throw new ApiError(
      response.status,
      'not_json',
      `${path} did not answer with JSON: is a proxy in front of Gantry passing it on?`,
    )
  }
  return (await response.json()) as T
}

/** Whether a failed request was refused because the caller is not an admin. */
export function isForbidden(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403
}
