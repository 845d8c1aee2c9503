// The sidebar's groups: pinned conversations first, then by the day each last changed.
import type { Conversation } from '../api/types'

export type GroupKey = 'pinned' | 'today' | 'yesterday' | 'week' | 'month' | 'older'

export const GROUP_LABELS: Record<GroupKey, string> = {
  pinned: 'Pinned',
  today: 'Today',
  yesterday: 'Yesterday',
  week: 'Previous 7 days',
  month: 'Previous 30 days',
  older: 'Older',
}

const ORDER: GroupKey[] = ['pinned', 'today', 'yesterday', 'week', 'month', 'older']

export interface ConversationGroup {
  key: GroupKey
  label: string
  items: Conversation[]
}

const DAY_MS = 24 * 60 * 60 * 1000

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime()
}

/** Which group a time falls in, by calendar days in the local time zone. */
export function dateGroup(at: Date, now: Date): Exclude<GroupKey, 'pinned'> {
  // Whole days between the two local midnights (rounded: a DST change shifts an hour).
  const days = Math.round((startOfDay(now) - startOfDay(at)) / DAY_MS)
  if (days <= 0) return 'today'
  if (days === 1) return 'yesterday'
  if (days <= 7) return 'week'
  if (days <= 30) return 'month'
  return 'older'
}

/**
 * Groups conversations for the sidebar: pinned first, then Today, Yesterday, Previous 7
 * days, Previous 30 days and Older by `updated_at`, each most recent first. Empty groups
 * are left out.
 */
export function groupConversations(items: Conversation[], now: Date = new Date()): ConversationGroup[] {
  const groups = new Map<GroupKey, Conversation[]>()
  for (const item of items) {
    const key: GroupKey = item.pinned ? 'pinned' : dateGroup(new Date(item.updated_at), now)
    const list = groups.get(key)
    if (list) list.push(item)
    else groups.set(key, [item])
  }
  const byRecent = (a: Conversation, b: Conversation) => Date.parse(b.updated_at) - Date.parse(a.updated_at)
  return ORDER.filter((key) => groups.has(key)).map((key) => ({
    key,
    label: GROUP_LABELS[key],
    items: groups.get(key)!.sort(byRecent),
  }))
}

/** A short relative time for tooltips: "just now", "5 min ago", or the date. */
export function formatTime(iso: string, now: Date = new Date()): string {
  const at = new Date(iso)
  const seconds = Math.round((now.getTime() - at.getTime()) / 1000)
  if (seconds < 45) return 'just now'
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`
  if (dateGroup(at, now) === 'today') {
    return at.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' })
  }
  return at.toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    year: at.getFullYear() === now.getFullYear() ? undefined : 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  })
}
