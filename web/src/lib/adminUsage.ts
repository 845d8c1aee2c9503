// Shapes the admin usage report into what its charts draw: a bar for every UTC day of the
// range (days without use at zero), ranked bars per user and per model, and axis maxima.

export interface Totals {
  requests: number
  prompt_tokens: number
  completion_tokens: number
}

export type UsageMetric = 'tokens' | 'requests'

const DAY_MS = 24 * 60 * 60 * 1000
const DAY = /^\d{4}-\d{2}-\d{2}$/

/** The UTC day of `date`, `YYYY-MM-DD` (the report's days are UTC days). */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10)
}

/** `day` moved by `days` (negative goes back). */
export function addDays(day: string, days: number): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS))
}

/** Whether `text` is a calendar day `YYYY-MM-DD`. */
export function isDay(text: string): boolean {
  if (!DAY.test(text)) return false
  const time = Date.parse(`${text}T00:00:00Z`)
  return !Number.isNaN(time) && utcDay(new Date(time)) === text
}

/** Every day from `from` to `to`, both included; empty when `to` is before `from`. */
export function daysBetween(from: string, to: string, limit = 1000): string[] {
  if (!isDay(from) || !isDay(to)) return []
  const days: string[] = []
  for (let day = from; day <= to && days.length < limit; day = addDays(day, 1)) days.push(day)
  return days
}

/** The last `days` UTC days up to and including today's. */
export function lastDays(days: number, now: Date = new Date()): { from: string; to: string } {
  const to = utcDay(now)
  return { from: addDays(to, -(Math.max(1, days) - 1)), to }
}

/**
 * The API's range for whole days `from` to `to` (both included): RFC 3339 instants, `to`
 * exclusive, so the last day counts whole.
 */
export function rangeQuery(from: string, to: string): { from?: string; to?: string } {
  return {
    from: isDay(from) ? `${from}T00:00:00Z` : undefined,
    to: isDay(to) ? `${addDays(to, 1)}T00:00:00Z` : undefined,
  }
}

export function tokens(totals: Totals): number {
  return totals.prompt_tokens + totals.completion_tokens
}

export function metricOf(totals: Totals, metric: UsageMetric): number {
  return metric === 'tokens' ? tokens(totals) : totals.requests
}

export interface DayBar {
  day: string
  totals: Totals
  /** The metric's value this day. */
  value: number
}

const ZERO: Totals = { requests: 0, prompt_tokens: 0, completion_tokens: 0 }

/** A bar for each day of the range, in order; days the report leaves out are zero. */
export function dailySeries(
  byDay: Record<string, Totals>,
  from: string,
  to: string,
  metric: UsageMetric,
): DayBar[] {
  return daysBetween(from, to).map((day) => {
    const totals = byDay[day] ?? ZERO
    return { day, totals, value: metricOf(totals, metric) }
  })
}

export interface RankedBar {
  key: string
  label: string
  totals: Totals
  value: number
  /** The value as a share of the largest one, 0 to 1 (for the bar's length). */
  share: number
}

/** Bars for a map of totals (per user or per model), largest first, ties by label. */
export function rankBars(
  map: Record<string, Totals>,
  metric: UsageMetric,
  labelOf: (key: string) => string = (key) => key,
): RankedBar[] {
  const bars = Object.entries(map).map(([key, totals]) => ({
    key,
    label: labelOf(key),
    totals,
    value: metricOf(totals, metric),
    share: 0,
  }))
  const max = Math.max(0, ...bars.map((bar) => bar.value))
  for (const bar of bars) bar.share = max > 0 ? bar.value / max : 0
  return bars.sort((a, b) => b.value - a.value || a.label.localeCompare(b.label))
}

/** A round axis maximum at or above `max`: 1, 2 or 5 times a power of ten (1 for 0). */
export function niceMax(max: number): number {
  if (!Number.isFinite(max) || max <= 1) return 1
  const power = 10 ** Math.floor(Math.log10(max))
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= max) return step * power
  }
  return 10 * power
}

/** A number in few characters: 950, 1.2k, 34k, 1.5M. */
export function compactNumber(value: number): string {
  const abs = Math.abs(value)
  const sign = value < 0 ? '-' : ''
  const short = (n: number, unit: string) => {
    const text = n < 10 ? n.toFixed(1).replace(/\.0$/, '') : String(Math.round(n))
    return `${sign}${text}${unit}`
  }
  if (abs < 1000) return `${sign}${Math.round(abs)}`
  if (abs < 999_500) return short(abs / 1000, 'k')
  if (abs < 999_500_000) return short(abs / 1_000_000, 'M')
  return short(abs / 1_000_000_000, 'B')
}

/** A day for an axis or a tooltip: "4 Mar" (in UTC, as the report counts). */
export function dayLabel(day: string, withYear = false): string {
  const date = new Date(`${day}T00:00:00Z`)
  if (Number.isNaN(date.getTime())) return day
  return date.toLocaleDateString(undefined, {
    day: 'numeric',
    month: 'short',
    ...(withYear ? { year: 'numeric' } : {}),
    timeZone: 'UTC',
  })
}

/** Which days of a series get an axis label: at most `count`, evenly spread, the last kept. */
export function labelledDays(days: string[], count = 6): Set<string> {
  if (days.length <= count) return new Set(days)
  const step = Math.ceil(days.length / count)
  const chosen = new Set<string>()
  for (let i = days.length - 1; i >= 0; i -= step) chosen.add(days[i])
  return chosen
}

/** Average milliseconds a call, or null without calls. */
export function averageLatency(totalMs: number, requests: number): number | null {
  return requests > 0 ? totalMs / requests : null
}
