// Layout state shared by the header and the sidebar.
import { create } from 'zustand'

interface UiState {
  /** The sidebar drawer at phone width (always shown from 768 px). */
  sidebarOpen: boolean
  setSidebarOpen: (open: boolean) => void
  /** Bumped to ask the composer to take the focus (after "New chat"). */
  focusComposer: number
  requestComposerFocus: () => void
}

export const useUi = create<UiState>((set) => ({
  sidebarOpen: false,
  setSidebarOpen: (sidebarOpen) => set({ sidebarOpen }),
  focusComposer: 0,
  requestComposerFocus: () => set((s) => ({ focusComposer: s.focusComposer + 1 })),
}))
