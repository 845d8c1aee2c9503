// Small words and numbers for the admin pages: uptime, audit actions, invite states, and
// quota fields (what each means, how it is typed in and shown).
import { formatBytes } from './format'

/** Seconds of uptime for people: "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatUptime(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—'
  const s = Math.floor(seconds)
  if (s < 60) return `${s} s`
  const minutes = Math.floor(s / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`
  const days = Math.floor(hours / 24)
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`
}

/** A probe's whole milliseconds: "<1 ms", "12 ms", "3.0 s". */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1) return '<1 ms'
  if (ms < 1000) return `${Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(1)} s`
}

const ACTIONS: Record<string, string> = {
  'user.create': 'Created user',
  'user.role': 'Changed role',
  'user.disable': 'Disabled user',
  'user.enable': 'Enabled user',
  'user.rename': 'Renamed user',
  'user.password': 'Reset password',
  'user.delete': 'Deleted user',
  'user.quotas': 'Changed quotas',
  'invite.create': 'Created invite',
  'invite.delete': 'Withdrew invite',
  'persona.create': 'Created persona',
  'persona.update': 'Changed persona',
  'persona.delete': 'Deleted persona',
  'export.bulk': 'Exported conversations',
  'backend.add': 'Added backend',
  'backend.remove': 'Removed backend',
  'model.default': 'Set default model',
  'model.load': 'Loaded model',
  'model.unload': 'Unloaded model',
}

/** An audit action in words; an unknown one as it is. */
export function auditActionLabel(action: string): string {
  return ACTIONS[action] ?? action
}

/** The kind of an audit action, for its badge's colour. */
export function auditActionTone(action: string): 'danger' | 'accent' | 'neutral' {
  if (/\.(delete|remove|disable)$/.test(action)) return 'danger'
  if (/\.(create|add|enable)$/.test(action)) return 'accent'
  return 'neutral'
}

export type InviteState = 'used' | 'expired' | 'open'

export function inviteState(
  invite: { used_at?: string | null; expires_at: string },
  now: Date = new Date(),
): InviteState {
  if (invite.used_at) return 'used'
  return Date.parse(invite.expires_at) <= now.getTime() ? 'expired' : 'open'
}

/** A time for a list: "4 Mar 2026, 14:05"; the text as it is when it does not read. */
export function formatWhen(at: string | null | undefined): string {
  if (!at) return '—'
  const date = new Date(at)
  return Number.isNaN(date.getTime())
    ? at
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

export type QuotaKey =
  | 'conversations'
  | 'messages_per_conversation'
  | 'documents'
  | 'document_bytes'
  | 'collections'
  | 'personas'
  | 'requests_per_minute'
  | 'tokens_per_day'

export interface QuotaField {
  key: QuotaKey
  label: string
  /** `bytes` are typed in megabytes. */
  unit: 'count' | 'bytes'
  /** Whether the report says how much of it the account holds now. */
  held: boolean
}

export const QUOTA_FIELDS: QuotaField[] = [
  { key: 'conversations', label: 'Conversations', unit: 'count', held: true },
  { key: 'messages_per_conversation', label: 'Messages per conversation', unit: 'count', held: false },
  { key: 'documents', label: 'Documents', unit: 'count', held: true },
  { key: 'document_bytes', label: 'Document storage (MB)', unit: 'bytes', held: true },
  { key: 'collections', label: 'Collections', unit: 'count', held: true },
  { key: 'personas', label: 'Own personas', unit: 'count', held: true },
  { key: 'requests_per_minute', label: 'Chat turns a minute', unit: 'count', held: false },
  { key: 'tokens_per_day', label: 'Tokens a day', unit: 'count', held: false },
]

const MB = 1024 * 1024

/** A quota's value as people read it. */
export function formatQuota(value: number | null | undefined, unit: QuotaField['unit']): string {
  if (value === null || value === undefined) return '—'
  return unit === 'bytes' ? formatBytes(value) : value.toLocaleString()
}

/** What an override's input shows: empty for none (the default applies). */
export function quotaInput(value: number | null | undefined, unit: QuotaField['unit']): string {
  if (value === null || value === undefined) return ''
  return unit === 'bytes' ? String(Math.round((value / MB) * 100) / 100) : String(value)
}

/**
 * Reads an override's input: empty is `null` (back to the default); otherwise a whole
 * number at or above zero (megabytes for sizes, which may have decimals).
 */
export function parseQuota(
  text: string,
  unit: QuotaField['unit'],
): { ok: true; value: number | null } | { ok: false; error: string } {
  const trimmed = text.trim().replace(/[\s,_]/g, '')
  if (!trimmed) return { ok: true, value: null }
  const number = Number(trimmed)
  if (!Number.isFinite(number) || number < 0) return { ok: false, error: 'Enter a number of 0 or more.' }
  if (unit === 'bytes') return { ok: true, value: Math.round(number * MB) }
  if (!Number.isInteger(number)) return { ok: false, error: 'Enter a whole number.' }
  return { ok: true, value: number }
}
