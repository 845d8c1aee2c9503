import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  collectionsOf,
  scopeItems,
  scopeLabel,
  toggleScope,
  useCollections,
  type Collection,
} from './collections'

function collection(over: Partial<Collection> = {}): Collection {
  return {
    id: 'c-1',
    owner_id: 'u-1',
    name: 'Tax 2024',
    description: 'Receipts and forms',
    created_at: '2026-12-01T10:00:00Z',
    updated_at: '2026-12-01T10:00:00Z',
    ...over,
  }
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
const noContent = () => new Response(null, { status: 204 })

beforeEach(() => useCollections.getState().reset())
afterEach(() => vi.unstubAllGlobals())

describe('scope helpers', () => {
  it('turns the server’s scope into items, collections first', () => {
    expect(scopeItems({ collections: ['c'], documents: ['d1', 'd2'] })).toEqual([
      { type: 'collection', id: 'c' },
      { type: 'document', id: 'd1' },
      { type: 'document', id: 'd2' },
    ])
    expect(scopeItems({})).toEqual([])
    expect(scopeItems(null)).toEqual([])
  })

  it('toggles an item in and out', () => {
    const a = { type: 'collection', id: 'x' } as const
    const b = { type: 'document', id: 'x' } as const
    expect(toggleScope([], a)).toEqual([a])
    expect(toggleScope([a], b)).toEqual([a, b])
    expect(toggleScope([a, b], a)).toEqual([b])
  })

  it('says a scope in words', () => {
    const collections = [collection()]
    const documents = [{ id: 'd', filename: 'notes.md' }]
    expect(scopeLabel([], collections, documents)).toBe('All documents')
    expect(scopeLabel([{ type: 'collection', id: 'c-1' }], collections, documents)).toBe('Tax 2024')
    expect(scopeLabel([{ type: 'document', id: 'd' }], collections, documents)).toBe('notes.md')
    expect(scopeLabel([{ type: 'collection', id: 'gone' }], collections, documents)).toBe('1 collection')
    expect(
      scopeLabel(
        [
          { type: 'collection', id: 'c-1' },
          { type: 'document', id: 'd' },
        ],
        collections,
        documents,
      ),
    ).toBe('2 sources')
  })

  it('finds the collections a document is in', () => {
    const a = collection({ id: 'a', name: 'A' })
    const b = collection({ id: 'b', name: 'B' })
    expect(collectionsOf('d', [a, b], { a: ['d'], b: ['e'] })).toEqual([a])
    expect(collectionsOf('z', [a, b], {})).toEqual([])
  })
})

describe('the collections store', () => {
  it('loads the collections by name, with their documents', async () => {
    const fetchMock = vi.fn(async (url: string) => {
      if (url === '/api/documents/collections')
        return json([collection({ id: 'z', name: 'zoo' }), collection({ id: 'a', name: 'Art' })])
      const id = url.split('/').pop()
      return json({
        collection: collection({ id }),
        documents: id === 'a' ? [{ id: 'd1' }, { id: 'd2' }] : [],
      })
    })
    vi.stubGlobal('fetch', fetchMock)
    await useCollections.getState().load()
    const state = useCollections.getState()
    expect(state.status).toBe('ready')
    expect(state.items.map((c) => c.name)).toEqual(['Art', 'zoo'])
    expect(state.members).toEqual({ a: ['d1', 'd2'], z: [] })
  })

  it('creates a collection with an empty member list', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json(collection({ id: 'n', name: 'New' }), 201)),
    )
    await useCollections.getState().create('New')
    expect(useCollections.getState().items.map((c) => c.id)).toEqual(['n'])
    expect(useCollections.getState().members.n).toEqual([])
  })

  it('renames with the description sent along, so it is not emptied', async () => {
    const c = collection()
    useCollections.setState({ items: [c], status: 'ready' })
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => json({ ...c, name: 'Taxes' }))
    vi.stubGlobal('fetch', fetchMock)
    await useCollections.getState().update(c, { name: 'Taxes' })
    expect(fetchMock.mock.calls[0][1]?.method).toBe('PATCH')
    expect(JSON.parse(String(fetchMock.mock.calls[0][1]?.body))).toEqual({
      name: 'Taxes',
      description: 'Receipts and forms',
    })
    expect(useCollections.getState().items[0].name).toBe('Taxes')
  })

  it('puts a document in a collection at once, and back out when the server refuses', async () => {
    useCollections.setState({ items: [collection()], members: { 'c-1': [] }, status: 'ready' })
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => noContent())
    vi.stubGlobal('fetch', fetchMock)
    await useCollections.getState().setMember('c-1', 'd', true)
    expect(fetchMock.mock.calls[0][0]).toBe('/api/documents/collections/c-1/documents')
    expect(JSON.parse(String(fetchMock.mock.calls[0][1]?.body))).toEqual({ document_id: 'd', member: true })
    expect(useCollections.getState().members['c-1']).toEqual(['d'])

    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json({ error: { code: 'not_found', message: 'No such document' } }, 404)),
    )
    await expect(useCollections.getState().setMember('c-1', 'd', false)).rejects.toThrow('No such document')
    expect(useCollections.getState().members['c-1']).toEqual(['d'])
  })

  it('reads a conversation’s scope from the server, once at a time', async () => {
    let answer: (response: Response) => void = () => {}
    const fetchMock = vi.fn(
      (_url: string, _init?: RequestInit) => new Promise<Response>((resolve) => (answer = resolve)),
    )
    vi.stubGlobal('fetch', fetchMock)
    const first = useCollections.getState().loadScope('conv')
    const second = useCollections.getState().loadScope('conv')
    expect(fetchMock).toHaveBeenCalledTimes(1)
    expect(fetchMock.mock.calls[0][0]).toBe('/api/chat/conversations/conv/document-scope')
    expect(fetchMock.mock.calls[0][1]?.method).toBe('GET')
    expect(useCollections.getState().scopes.conv).toBeUndefined()
    answer(json({ collections: ['c-1'], documents: ['d'] }))
    const expected = [
      { type: 'collection', id: 'c-1' },
      { type: 'document', id: 'd' },
    ]
    expect(await first).toEqual(expected)
    expect(await second).toEqual(expected)
    expect(useCollections.getState().scopes.conv).toEqual(expected)

    // Read again the next time: the known scope stays meanwhile.
    const again = useCollections.getState().loadScope('conv')
    expect(fetchMock).toHaveBeenCalledTimes(2)
    expect(useCollections.getState().scopes.conv).toEqual(expected)
    answer(json({ collections: [], documents: [] }))
    expect(await again).toEqual([])
    expect(useCollections.getState().scopes.conv).toEqual([])
  })

  it('rejects when the scope cannot be read, and knows nothing of it', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json({ error: { code: 'not_found', message: 'No such conversation' } }, 404)),
    )
    await expect(useCollections.getState().loadScope('theirs')).rejects.toThrow('No such conversation')
    expect(useCollections.getState().scopes.theirs).toBeUndefined()
  })

  it('sets a conversation’s scope on the server: `null` for everything', async () => {
    const fetchMock = vi.fn(async (_url: string, init?: RequestInit) => {
      const body = JSON.parse(String(init?.body)) as { document_scope: { type: string; id: string }[] | null }
      const items = body.document_scope ?? []
      return json({
        collections: items.filter((i) => i.type === 'collection').map((i) => i.id),
        documents: items.filter((i) => i.type === 'document').map((i) => i.id),
      })
    })
    vi.stubGlobal('fetch', fetchMock)
    await useCollections.getState().setScope('conv', [{ type: 'collection', id: 'c-1' }])
    expect(fetchMock.mock.calls[0][0]).toBe('/api/chat/conversations/conv/document-scope')
    expect(fetchMock.mock.calls[0][1]?.method).toBe('PATCH')
    expect(useCollections.getState().scopes.conv).toEqual([{ type: 'collection', id: 'c-1' }])

    await useCollections.getState().setScope('conv', [])
    expect(JSON.parse(String(fetchMock.mock.calls[1][1]?.body))).toEqual({ document_scope: null })
    expect(useCollections.getState().scopes.conv).toEqual([])
  })

  it('does not let a read that began before a change undo it', async () => {
    let answerRead: (response: Response) => void = () => {}
    vi.stubGlobal(
      'fetch',
      vi.fn((_url: string, init?: RequestInit) =>
        init?.method === 'PATCH'
          ? Promise.resolve(json({ collections: [], documents: ['new'] }))
          : new Promise<Response>((resolve) => (answerRead = resolve)),
      ),
    )
    const read = useCollections.getState().loadScope('conv')
    await useCollections.getState().setScope('conv', [{ type: 'document', id: 'new' }])
    answerRead(json({ collections: [], documents: ['old'] }))
    await read
    expect(useCollections.getState().scopes.conv).toEqual([{ type: 'document', id: 'new' }])
  })

  it('forgets every known scope when reset (a sign-out)', async () => {
    let answer: (response: Response) => void = () => {}
    vi.stubGlobal(
      'fetch',
      vi.fn(() => new Promise<Response>((resolve) => (answer = resolve))),
    )
    useCollections.getState().knowScope('mine', [{ type: 'document', id: 'd' }])
    const read = useCollections.getState().loadScope('late')
    useCollections.getState().reset()
    answer(json({ collections: ['c'], documents: [] }))
    await read
    expect(useCollections.getState().scopes).toEqual({})
  })

  it('deleting a collection takes it out of every scope and the next chat’s', async () => {
    const c = collection()
    useCollections.setState({
      items: [c],
      members: { 'c-1': ['d'] },
      scopes: {
        conv: [
          { type: 'collection', id: 'c-1' },
          { type: 'document', id: 'd' },
        ],
      },
      pending: [{ type: 'collection', id: 'c-1' }],
      status: 'ready',
    })
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => noContent()),
    )
    await useCollections.getState().remove(c)
    const state = useCollections.getState()
    expect(state.items).toEqual([])
    expect(state.members).toEqual({})
    expect(state.scopes.conv).toEqual([{ type: 'document', id: 'd' }])
    expect(state.pending).toEqual([])
  })

  it('forgets a deleted document everywhere it was', () => {
    useCollections.setState({
      members: { a: ['d', 'e'], b: ['d'] },
      scopes: {
        conv: [
          { type: 'document', id: 'd' },
          { type: 'collection', id: 'a' },
        ],
      },
      pending: [{ type: 'document', id: 'd' }],
    })
    useCollections.getState().forgetDocument('d')
    expect(useCollections.getState().members).toEqual({ a: ['e'], b: [] })
    expect(useCollections.getState().scopes.conv).toEqual([{ type: 'collection', id: 'a' }])
    expect(useCollections.getState().pending).toEqual([])
  })
})
