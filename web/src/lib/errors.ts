// What went wrong, as one line to show: an ApiError's (or any Error's) message.

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
