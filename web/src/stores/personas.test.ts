import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useConversations } from './conversations'
import {
  defaultPersona,
  effectivePersona,
  parseTemperature,
  personaRequest,
  splitPersonas,
  usePersonas,
  type Persona,
} from './personas'

function persona(over: Partial<Persona> = {}): Persona {
  return {
    id: 'p-1',
    name: 'Tutor',
    system_prompt: 'Explain patiently.',
    is_default: false,
    owner_id: 'u-1',
    default_model: null,
    temperature: null,
    created_at: '2026-12-01T10:00:00Z',
    updated_at: '2026-12-01T10:00:00Z',
    ...over,
  }
}

const json = (body: unknown, status = 200) =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  })

beforeEach(() => {
  usePersonas.getState().reset()
  useConversations.getState().reset()
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('persona helpers', () => {
  const own = persona({ id: 'own', name: 'zebra' })
  const own2 = persona({ id: 'own2', name: 'Alpha' })
  const global = persona({ id: 'g', name: 'Helper', owner_id: null })

  it('splits the user’s own from the system’s, each by name', () => {
    const { own: mine, system } = splitPersonas([own, global, own2])
    expect(mine.map((p) => p.id)).toEqual(['own2', 'own'])
    expect(system.map((p) => p.id)).toEqual(['g'])
  })

  it('takes the user’s default before the global one', () => {
    expect(defaultPersona([own, global])).toBeNull()
    const globalDefault = { ...global, is_default: true }
    expect(defaultPersona([own, globalDefault])?.id).toBe('g')
    expect(defaultPersona([{ ...own, is_default: true }, globalDefault])?.id).toBe('own')
  })

  it('falls back to the default when a conversation’s persona is gone', () => {
    const globalDefault = { ...global, is_default: true }
    expect(effectivePersona([own, globalDefault], 'own')?.id).toBe('own')
    expect(effectivePersona([own, globalDefault], 'deleted')?.id).toBe('g')
    expect(effectivePersona([own, globalDefault], null)?.id).toBe('g')
    expect(effectivePersona([own], null)).toBeNull()
  })

  it('makes a whole replacement with the change applied', () => {
    const p = persona({ default_model: 'tiny', temperature: 0.5 })
    expect(personaRequest(p, { is_default: true })).toEqual({
      name: 'Tutor',
      system_prompt: 'Explain patiently.',
      default_model: 'tiny',
      temperature: 0.5,
      is_default: true,
    })
  })

  it('reads a temperature from 0 to 2, blank being none', () => {
    expect(parseTemperature('')).toEqual({ ok: true, value: null })
    expect(parseTemperature(' 0.7 ')).toEqual({ ok: true, value: 0.7 })
    expect(parseTemperature('1,5')).toEqual({ ok: true, value: 1.5 })
    expect(parseTemperature('2')).toEqual({ ok: true, value: 2 })
    expect(parseTemperature('2.1')).toEqual({ ok: false })
    expect(parseTemperature('-1')).toEqual({ ok: false })
    expect(parseTemperature('warm')).toEqual({ ok: false })
  })
})

describe('the personas store', () => {
  it('loads the list once, and again when forced', async () => {
    const fetchMock = vi.fn(async () => json([persona()]))
    vi.stubGlobal('fetch', fetchMock)
    await usePersonas.getState().load()
    await usePersonas.getState().load()
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(usePersonas.getState().items).toHaveLength(1)
    expect(usePersonas.getState().status).toBe('ready')
    await usePersonas.getState().load(true)
    expect(fetchMock).toHaveBeenCalledTimes(2)
  })

  it('reports a list that could not be loaded', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json({ error: { code: 'boom', message: 'Down' } }, 500)),
    )
    await usePersonas.getState().load()
    expect(usePersonas.getState().status).toBe('error')
    expect(usePersonas.getState().error).toBe('Down')
  })

  it('creates a default persona, which takes the flag from the old default of its scope only', async () => {
    const old = persona({ id: 'old', is_default: true })
    const global = persona({ id: 'g', owner_id: null, is_default: true })
    usePersonas.setState({ items: [old, global], status: 'ready' })
    const made = persona({ id: 'new', name: 'Editor', is_default: true })
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => json(made, 201))
    vi.stubGlobal('fetch', fetchMock)
    await usePersonas.getState().create({ name: 'Editor', system_prompt: 'Edit.', is_default: true })
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/api/personas')
    expect(init?.method).toBe('POST')
    const items = usePersonas.getState().items
    expect(items.find((p) => p.id === 'old')?.is_default).toBe(false)
    expect(items.find((p) => p.id === 'g')?.is_default).toBe(true)
    expect(items.find((p) => p.id === 'new')?.is_default).toBe(true)
  })

  it('sends a global persona to the admin routes', async () => {
    const global = persona({ id: 'g', owner_id: null })
    usePersonas.setState({ items: [global], status: 'ready' })
    const fetchMock = vi.fn(async (_url: string, init?: RequestInit) =>
      init?.method === 'DELETE' ? new Response(null, { status: 204 }) : json({ ...global, name: 'Renamed' }),
    )
    vi.stubGlobal('fetch', fetchMock)
    await usePersonas.getState().update(global, { name: 'Renamed' })
    expect(fetchMock.mock.calls[0][0]).toBe('/api/admin/personas/g')
    expect(JSON.parse(String(fetchMock.mock.calls[0][1]?.body))).toMatchObject({
      name: 'Renamed',
      system_prompt: 'Explain patiently.',
      is_default: false,
    })
    expect(usePersonas.getState().items[0].name).toBe('Renamed')
    await usePersonas.getState().remove(usePersonas.getState().items[0])
    expect(fetchMock.mock.calls[1][0]).toBe('/api/admin/personas/g')
    expect(usePersonas.getState().items).toEqual([])
  })

  it('forgets a deleted persona picked for the next chat', async () => {
    const p = persona()
    usePersonas.setState({ items: [p], status: 'ready', pending: p.id })
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(null, { status: 204 })),
    )
    await usePersonas.getState().remove(p)
    expect(usePersonas.getState().pending).toBeNull()
  })

  it('sets a conversation’s persona and updates the conversation list', async () => {
    const conversation = {
      id: 'c-1',
      owner_id: 'u-1',
      title: 'Hello',
      pinned: false,
      archived: false,
      persona_id: 'p-1',
      model: null,
      created_at: '2026-12-01T10:00:00Z',
      updated_at: '2026-12-01T10:00:00Z',
    }
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => json(conversation))
    vi.stubGlobal('fetch', fetchMock)
    await usePersonas.getState().choose('c-1', 'p-1')
    expect(fetchMock.mock.calls[0][0]).toBe('/api/chat/conversations/c-1/persona')
    expect(fetchMock.mock.calls[0][1]?.method).toBe('PATCH')
    expect(JSON.parse(String(fetchMock.mock.calls[0][1]?.body))).toEqual({ persona_id: 'p-1' })
    expect(useConversations.getState().items[0].persona_id).toBe('p-1')
  })
})
