/** A duration in milliseconds, for people: "<0.1 ms", "2.4 ms", "380 ms", "1.25 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—'
  if (ms < 0.1) return '<0.1 ms'
  if (ms < 10) return `${ms.toFixed(1)} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(2)} s`
}

/** A count with its noun: "1 token", "42 tokens". */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count.toLocaleString()} ${count === 1 ? noun : nouns}`
}

/** A size in bytes, for people: "512 B", "1.5 KB", "2.3 MB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || Number.isNaN(bytes) || bytes < 0) return '—'
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`
}

/** A generation speed: "42.3 tok/s"; "—" when unknown. */
export function formatSpeed(tokensPerSecond: number | null | undefined): string {
  if (tokensPerSecond === null || tokensPerSecond === undefined || !Number.isFinite(tokensPerSecond))
    return '—'
  return `${tokensPerSecond < 10 ? tokensPerSecond.toFixed(1) : Math.round(tokensPerSecond)} tok/s`
}

/** The details shown under an answer, as the display options ask: time, tokens, speed. */
export function answerMeta(
  info: {
    createdAt?: string | null
    promptTokens?: number | null
    completionTokens?: number | null
    tokensPerSecond?: number | null
  },
  options: { showTimestamps: boolean; showUsage: boolean; showSpeed: boolean },
  formatTime: (date: Date) => string = (date) =>
    date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
): string[] {
  const parts: string[] = []
  if (options.showTimestamps && info.createdAt) {
    const date = new Date(info.createdAt)
    if (!Number.isNaN(date.getTime())) parts.push(formatTime(date))
  }
  if (options.showUsage) {
    if (info.completionTokens != null && info.promptTokens != null) {
      parts.push(
        `${plural(info.promptTokens, 'prompt token')} · ${plural(info.completionTokens, 'answer token')}`,
      )
    } else if (info.completionTokens != null) {
      parts.push(plural(info.completionTokens, 'token'))
    }
  }
  if (options.showSpeed && info.tokensPerSecond != null && Number.isFinite(info.tokensPerSecond)) {
    parts.push(formatSpeed(info.tokensPerSecond))
  }
  return parts
}
