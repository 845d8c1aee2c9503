// The models the backends offer, which one answers when nothing names one, and the model
// picked for the next new chat.
import { create } from 'zustand'
import { request } from '../api/client'
import type { components } from '../api/schema'
import { errorText } from '../lib/errors'

export type Model = components['schemas']['ModelView']
export type ActiveModel = components['schemas']['ActiveModel']
type ModelList = components['schemas']['ModelList']

/**
 * The id of the model that answers when a turn names none: the server's default; when it
 * has none the backend picks, which is certain only when it offers a single model.
 */
export function activeModelId(models: Model[], active: string | null): string | null {
  if (active) return active
  const flagged = models.find((m) => m.active)
  if (flagged) return flagged.id
  return models.length === 1 ? models[0].id : null
}

/**
 * The model a conversation answers with, as the server settles it: the conversation's own,
 * else its persona's default, else the server's.
 */
export function effectiveModel(
  conversationModel: string | null | undefined,
  personaModel: string | null | undefined,
  active: string | null,
): string | null {
  return conversationModel || personaModel || active || null
}

/** A model's name to show: a file path's last part, without a `.gguf` ending. */
export function modelLabel(model: string): string {
  const last = model.split(/[\\/]/).filter(Boolean).pop() ?? model
  return last.replace(/\.gguf$/i, '') || model
}

/** Models by name, the active one first. */
export function sortModels(models: Model[], active: string | null): Model[] {
  return models
    .slice()
    .sort(
      (a, b) =>
        Number(b.id === active) - Number(a.id === active) ||
        a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }),
    )
}

interface ModelsState {
  models: Model[]
  /** The server's default model (`null`: the backend picks). */
  active: string | null
  status: 'idle' | 'loading' | 'ready' | 'error'
  error: string | null
  /** The model picked for the next new chat (`null`: the persona's or the server's). */
  pending: string | null
  /** Loads the models and the active one (once; again with `force`). */
  load: (force?: boolean) => Promise<void>
  setPending: (model: string | null) => void
  reset: () => void
}

export const useModels = create<ModelsState>((set, get) => ({
  models: [],
  active: null,
  status: 'idle',
  error: null,
  pending: null,
  load: async (force = false) => {
    const { status } = get()
    if (!force && (status === 'loading' || status === 'ready')) return
    set({ status: 'loading', error: null })
    try {
      const [list, active] = await Promise.all([
        request<ModelList>('/api/models'),
        request<ActiveModel>('/api/models/active'),
      ])
      set({ models: list.models, active: active.model?.id ?? null, status: 'ready' })
    } catch (error) {
      set({ status: 'error', error: errorText(error) })
    }
  },
  setPending: (model) => set({ pending: model }),
  reset: () => set({ models: [], active: null, status: 'idle', error: null, pending: null }),
}))
