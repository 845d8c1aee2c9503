// Personas: the system's (global, made by admins) and the user's own, each a system prompt
// with a default model and temperature; and the one picked for the next new chat.
import { create } from 'zustand'
import { api, request } from '../api/client'
import type { components } from '../api/schema'
import { useConversations } from './conversations'
import { errorText } from '../lib/errors'

export type Persona = components['schemas']['Persona']
export type PersonaRequest = components['schemas']['PersonaRequest']
export type Conversation = components['schemas']['Conversation']

/** A global persona: every user can pick it; only admins change it. */
export const isGlobal = (persona: Persona): boolean => !persona.owner_id

/** The user's own personas, then the system's, each by name. */
export function splitPersonas(items: Persona[]): { own: Persona[]; system: Persona[] } {
  const byName = (a: Persona, b: Persona) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' })
  return {
    own: items.filter((p) => !isGlobal(p)).sort(byName),
    system: items.filter(isGlobal).sort(byName),
  }
}

/** The persona a conversation without one gets: the user's default, else the global one. */
export function defaultPersona(items: Persona[]): Persona | null {
  return (
    items.find((p) => !isGlobal(p) && p.is_default) ?? items.find((p) => isGlobal(p) && p.is_default) ?? null
  )
}

/**
 * The persona that answers in a conversation that names `personaId`: that one while it
 * still exists, otherwise the default (as the server falls back when one is deleted).
 */
export function effectivePersona(items: Persona[], personaId: string | null | undefined): Persona | null {
  return (personaId ? items.find((p) => p.id === personaId) : undefined) ?? defaultPersona(items)
}

/** What to send to replace a persona, with `change` applied (PATCH replaces it whole). */
export function personaRequest(persona: Persona, change: Partial<PersonaRequest> = {}): PersonaRequest {
  return {
    name: persona.name,
    system_prompt: persona.system_prompt,
    default_model: persona.default_model ?? null,
    temperature: persona.temperature ?? null,
    is_default: persona.is_default,
    ...change,
  }
}

/** Reads a temperature typed in a form: blank is none; otherwise a number from 0 to 2. */
export function parseTemperature(text: string): { ok: true; value: number | null } | { ok: false } {
  const trimmed = text.trim()
  if (!trimmed) return { ok: true, value: null }
  const value = Number(trimmed.replace(',', '.'))
  if (!Number.isFinite(value) || value < 0 || value > 2) return { ok: false }
  return { ok: true, value }
}

const id = encodeURIComponent
const base = (global: boolean) => (global ? '/api/admin/personas' : '/api/personas')

interface PersonasState {
  items: Persona[]
  status: 'idle' | 'loading' | 'ready' | 'error'
  error: string | null
  /** The persona picked for the next new chat (`null`: the default). */
  pending: string | null
  /** Loads the list (once; again with `force`). */
  load: (force?: boolean) => Promise<void>
  /** Creates one of the user's own personas, or (an admin's) a global one. */
  create: (body: PersonaRequest, global?: boolean) => Promise<Persona>
  /** Replaces a persona: the user's own, or (an admin's) a global one. */
  update: (persona: Persona, change: Partial<PersonaRequest>) => Promise<Persona>
  remove: (persona: Persona) => Promise<void>
  /** Makes a persona the default of its scope (or stops it being one). */
  setDefault: (persona: Persona, isDefault: boolean) => Promise<Persona>
  setPending: (personaId: string | null) => void
  /** Sets a conversation's persona (`null`: the default); answers the changed conversation. */
  choose: (conversationId: string, personaId: string | null) => Promise<Conversation>
  reset: () => void
}

export const usePersonas = create<PersonasState>((set, get) => {
  /** Puts a persona in the list; a new default takes the flag from its scope's old one. */
  const put = (persona: Persona) =>
    set((s) => ({
      items: [
        ...s.items
          .filter((p) => p.id !== persona.id)
          .map((p) =>
            persona.is_default && p.is_default && isGlobal(p) === isGlobal(persona)
              ? { ...p, is_default: false }
              : p,
          ),
        persona,
      ],
    }))

  return {
    items: [],
    status: 'idle',
    error: null,
    pending: null,
    load: async (force = false) => {
      const { status } = get()
      if (!force && (status === 'loading' || status === 'ready')) return
      set({ status: 'loading', error: null })
      try {
        set({ items: await api.personas(), status: 'ready' })
      } catch (error) {
        set({ status: 'error', error: errorText(error) })
      }
    },
    create: async (body, global = false) => {
      const persona = await request<Persona>(base(global), { method: 'POST', body })
      put(persona)
      return persona
    },
    update: async (persona, change) => {
      const fresh = await request<Persona>(`${base(isGlobal(persona))}/${id(persona.id)}`, {
        method: 'PATCH',
        body: personaRequest(persona, change),
      })
      put(fresh)
      return fresh
    },
    remove: async (persona) => {
      await request<void>(`${base(isGlobal(persona))}/${id(persona.id)}`, { method: 'DELETE' })
      set((s) => ({
        items: s.items.filter((p) => p.id !== persona.id),
        pending: s.pending === persona.id ? null : s.pending,
      }))
    },
    setDefault: (persona, isDefault) => get().update(persona, { is_default: isDefault }),
    setPending: (personaId) => set({ pending: personaId }),
    choose: async (conversationId, personaId) => {
      const conversation = await request<Conversation>(
        `/api/chat/conversations/${id(conversationId)}/persona`,
        { method: 'PATCH', body: { persona_id: personaId } },
      )
      useConversations.getState().upsert(conversation)
      return conversation
    },
    reset: () => set({ items: [], status: 'idle', error: null, pending: null }),
  }
})
