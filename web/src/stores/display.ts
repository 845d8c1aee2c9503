// How the chat shows each answer's details, remembered in localStorage.
import { create } from 'zustand'

export const DISPLAY_KEY = 'gantry.display'

export interface DisplayOptions {
  /** The time each answer was written. */
  showTimestamps: boolean
  /** Prompt and answer tokens. */
  showUsage: boolean
  /** Generation speed in tokens per second. */
  showSpeed: boolean
}

export const DEFAULT_DISPLAY: DisplayOptions = {
  showTimestamps: false,
  showUsage: true,
  showSpeed: false,
}

/** The stored options, each falling back to its default when missing or malformed. */
export function readDisplay(storage: Pick<Storage, 'getItem'> | null = safeStorage()): DisplayOptions {
  const options = { ...DEFAULT_DISPLAY }
  try {
    const raw = storage?.getItem(DISPLAY_KEY)
    if (!raw) return options
    const parsed: unknown = JSON.parse(raw)
    if (parsed && typeof parsed === 'object') {
      for (const key of Object.keys(DEFAULT_DISPLAY) as Array<keyof DisplayOptions>) {
        const value = (parsed as Record<string, unknown>)[key]
        if (typeof value === 'boolean') options[key] = value
      }
    }
  } catch {
    // Unreadable: the defaults.
  }
  return options
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null
  }
}

interface DisplayState extends DisplayOptions {
  set: (key: keyof DisplayOptions, value: boolean) => void
  reset: () => void
}

function save(options: DisplayOptions) {
  try {
    safeStorage()?.setItem(DISPLAY_KEY, JSON.stringify(options))
  } catch {
    // Not remembered, still applied.
  }
}

function pick(state: DisplayOptions): DisplayOptions {
  return { showTimestamps: state.showTimestamps, showUsage: state.showUsage, showSpeed: state.showSpeed }
}

export const useDisplay = create<DisplayState>((set, get) => ({
  ...readDisplay(),
  set: (key, value) => {
    const next = { ...pick(get()), [key]: value }
    save(next)
    set(next)
  },
  reset: () => {
    save(DEFAULT_DISPLAY)
    set({ ...DEFAULT_DISPLAY })
  },
}))
