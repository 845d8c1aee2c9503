// Who is signed in, and whether the installation still needs its first admin.
import { create } from 'zustand'
import { api, ApiError } from '../api/client'
import type { LoginRequest, NewAccountRequest, User } from '../api/types'
import { errorText } from '../lib/errors'

export type AuthStatus = 'loading' | 'needsSetup' | 'signedOut' | 'signedIn' | 'unreachable'

interface AuthState {
  status: AuthStatus
  user: User | null
  error: string | null
  /** Finds out who is signed in (or whether setup is due). */
  boot: () => Promise<void>
  setup: (body: NewAccountRequest) => Promise<void>
  login: (body: LoginRequest) => Promise<void>
  logout: () => Promise<void>
  /** The server said 401: the session ended. */
  sessionEnded: () => void
}

export const useAuth = create<AuthState>((set, get) => ({
  status: 'loading',
  user: null,
  error: null,
  boot: async () => {
    set({ status: 'loading', error: null })
    try {
      const user = await api.me()
      set({ status: 'signedIn', user })
      return
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) {
        set({ status: 'unreachable', error: errorText(error) })
        return
      }
    }
    try {
      const { needs_setup } = await api.setupStatus()
      set({ status: needs_setup ? 'needsSetup' : 'signedOut', user: null })
    } catch (error) {
      set({ status: 'unreachable', error: errorText(error) })
    }
  },
  setup: async (body) => {
    const user = await api.setup(body)
    set({ status: 'signedIn', user, error: null })
  },
  login: async (body) => {
    const user = await api.login(body)
    set({ status: 'signedIn', user, error: null })
  },
  logout: async () => {
    try {
      await api.logout()
    } finally {
      set({ status: 'signedOut', user: null })
    }
  },
  sessionEnded: () => {
    if (get().status === 'signedIn') set({ status: 'signedOut', user: null })
  },
}))
