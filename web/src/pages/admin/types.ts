// Names for the admin API's shapes, from the generated OpenAPI types (`schema.d.ts`).
// The backends' entries are typed `Object` in the document, so their shape is written out
// here from the server's `BackendView` and `BackendHealth`.
import type { components } from '../../api/schema'

type Schemas = components['schemas']

export type User = Schemas['User']
export type Role = Schemas['Role']
export type NewUserRequest = Schemas['NewUserRequest']
export type UserUpdate = Schemas['UserUpdate']
export type QuotaReport = Schemas['QuotaReport']
export type QuotaOverrides = Schemas['QuotaOverrides']
export type Quotas = Schemas['Quotas']
export type Invite = Schemas['Invite']
export type NewInviteRequest = Schemas['NewInviteRequest']
export type NewInviteView = Schemas['NewInviteView']
export type Persona = Schemas['Persona']
export type PersonaRequest = Schemas['PersonaRequest']
export type BackendRequest = Schemas['BackendRequest']
export type LoadedView = Schemas['LoadedView']
export type UsageReport = Schemas['UsageReport']
export type UsageTotals = Schemas['UsageTotals']
export type UsageSummary = Schemas['UsageSummary']
export type AuditEntry = Schemas['AuditEntry']
export type SystemView = Schemas['SystemView']
export type Health = Schemas['Health']
export type Readiness = Schemas['Readiness']
export type ModelList = Schemas['ModelList']
export type ActiveModel = Schemas['ActiveModel']

/** Which server software a backend runs (`BackendKind`, lowercase). */
export type BackendKind = 'openai' | 'tabbyapi' | 'llamacpp' | 'ollama' | 'vllm'

/** A backend as an admin sees it (the server's `BackendView`); never its API key. */
export interface BackendView {
  name: string
  base_url: string
  kind: BackendKind
  default_model?: string | null
  has_api_key: boolean
  /** `config`: the file or the environment (not removable here); `admin`: added here. */
  source: 'config' | 'admin'
}

/** What a probe of a backend found (the server's `BackendHealth`). */
export interface BackendHealth {
  ok: boolean
  models: string[]
  /** The model loaded, for backends that switch models (TabbyAPI). */
  loaded?: string | null
  error?: string | null
  latency_ms: number
}

export interface BackendEntry {
  backend: BackendView
  health: BackendHealth
}

/** A page of a list: `next` is the cursor of the following page, absent at the end. */
export interface Page<T> {
  items: T[]
  next?: string | null
}
