import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { activeModelId, effectiveModel, modelLabel, sortModels, useModels, type Model } from './models'

const model = (id: string, active = false): Model => ({ id, name: id, backend: 'local', active })

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })

beforeEach(() => useModels.getState().reset())
afterEach(() => vi.unstubAllGlobals())

describe('model helpers', () => {
  it('finds the active model: the server’s default, the flagged one, or the only one', () => {
    expect(activeModelId([model('a'), model('b')], 'b')).toBe('b')
    expect(activeModelId([model('a'), model('b', true)], null)).toBe('b')
    expect(activeModelId([model('solo')], null)).toBe('solo')
    expect(activeModelId([model('a'), model('b')], null)).toBeNull()
    expect(activeModelId([], null)).toBeNull()
  })

  it('settles a conversation’s model as the server does', () => {
    expect(effectiveModel('mine', 'persona', 'server')).toBe('mine')
    expect(effectiveModel(null, 'persona', 'server')).toBe('persona')
    expect(effectiveModel(undefined, null, 'server')).toBe('server')
    expect(effectiveModel(null, undefined, null)).toBeNull()
  })

  it('shows a model file’s name without its path or .gguf', () => {
    expect(modelLabel('/models/qwen2.5-0.5b-instruct-q4_k_m.gguf')).toBe('qwen2.5-0.5b-instruct-q4_k_m')
    expect(modelLabel('C:\\models\\tiny.GGUF')).toBe('tiny')
    expect(modelLabel('gpt-4o')).toBe('gpt-4o')
    expect(modelLabel('/')).toBe('/')
  })

  it('lists the active model first, then by name', () => {
    const sorted = sortModels([model('zeta'), model('Beta'), model('alpha'), model('mid')], 'mid')
    expect(sorted.map((m) => m.id)).toEqual(['mid', 'alpha', 'Beta', 'zeta'])
  })
})

describe('the models store', () => {
  it('loads the models and the active one together, once', async () => {
    const fetchMock = vi.fn(async (url: string) =>
      url === '/api/models/active'
        ? json({ model: { id: 'b', name: 'b' } })
        : json({ models: [model('a'), model('b', true)] }),
    )
    vi.stubGlobal('fetch', fetchMock)
    await useModels.getState().load()
    await useModels.getState().load()
    expect(fetchMock).toHaveBeenCalledTimes(2)
    expect(useModels.getState()).toMatchObject({ active: 'b', status: 'ready' })
    expect(useModels.getState().models).toHaveLength(2)
  })

  it('knows when no default is configured', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) =>
        url === '/api/models/active' ? json({ model: null }) : json({ models: [] }),
      ),
    )
    await useModels.getState().load()
    expect(useModels.getState()).toMatchObject({ active: null, models: [], status: 'ready' })
  })

  it('keeps the model picked for the next chat until reset', () => {
    useModels.getState().setPending('a')
    expect(useModels.getState().pending).toBe('a')
    useModels.getState().reset()
    expect(useModels.getState().pending).toBeNull()
  })
})
