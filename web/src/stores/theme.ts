// The colour theme: the system's unless the user chose one, remembered in localStorage.
import { create } from 'zustand'

export type Theme = 'light' | 'dark'
export type ThemePreference = Theme | 'system'

export const THEME_KEY = 'gantry.theme'

function systemTheme(): Theme {
  return typeof window !== 'undefined' && window.matchMedia?.('(prefers-color-scheme: dark)').matches
    ? 'dark'
    : 'light'
}

function storedPreference(): ThemePreference {
  try {
    const value = localStorage.getItem(THEME_KEY)
    if (value === 'light' || value === 'dark') return value
  } catch {
    // Storage may be off (private windows): follow the system.
  }
  return 'system'
}

function apply(theme: Theme) {
  const root = document.documentElement
  root.classList.toggle('dark', theme === 'dark')
  root.style.colorScheme = theme
}

interface ThemeState {
  preference: ThemePreference
  theme: Theme
  /** Switches to the other theme; choosing the system's own theme follows the system again. */
  toggle: () => void
  setPreference: (preference: ThemePreference) => void
}

export const useTheme = create<ThemeState>((set, get) => {
  const preference = storedPreference()
  return {
    preference,
    theme: preference === 'system' ? systemTheme() : preference,
    toggle: () => {
      const next: Theme = get().theme === 'dark' ? 'light' : 'dark'
      get().setPreference(next === systemTheme() ? 'system' : next)
    },
    setPreference: (preference) => {
      try {
        if (preference === 'system') localStorage.removeItem(THEME_KEY)
        else localStorage.setItem(THEME_KEY, preference)
      } catch {
        // Not remembered, still applied.
      }
      const theme = preference === 'system' ? systemTheme() : preference
      apply(theme)
      set({ preference, theme })
    },
  }
})

/** Follows the system's theme while the user has not chosen one. */
export function watchSystemTheme(): () => void {
  const query = window.matchMedia?.('(prefers-color-scheme: dark)')
  if (!query) return () => {}
  const onChange = () => {
    const { preference } = useTheme.getState()
    if (preference === 'system') useTheme.getState().setPreference('system')
  }
  query.addEventListener('change', onChange)
  return () => query.removeEventListener('change', onChange)
}
