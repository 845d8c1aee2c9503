import { render, screen, waitFor } from '@testing-library/react'
import { MemoryRouter, Route, Routes, useLocation } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { VaultDocument } from '../api/types'
import { useCollections } from '../stores/collections'
import VaultPage from './VaultPage'

function doc(id: string, filename: string): VaultDocument {
  return {
    id,
    owner_id: 'u',
    filename,
    content_type: 'text/markdown',
    size_bytes: 10,
    status: 'ready',
    created_at: '2026-12-01T10:00:00Z',
    updated_at: '2026-12-01T10:00:00Z',
  }
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
const missing = () => json({ error: { code: 'not_found', message: 'No such document' } }, 404)

const shelf = {
  id: 'shelf',
  owner_id: 'u',
  name: 'Shelf',
  description: '',
  created_at: '2026-12-01T10:00:00Z',
  updated_at: '2026-12-01T10:00:00Z',
}

/** The first page holds new.md only; old.md is further down; the Shelf collection is empty. */
function server(routes: Record<string, () => Response> = {}) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      if (routes[url]) return routes[url]()
      if (url === '/api/documents?limit=50') return json({ items: [doc('new', 'new.md')], next: 'more' })
      if (url === '/api/documents?collection_id=shelf') return json({ items: [] })
      if (url === '/api/documents/old') return json(doc('old', 'old.md'))
      if (url === '/api/documents/collections') return json([shelf])
      if (url === '/api/documents/collections/shelf') return json({ collection: shelf, documents: [] })
      return missing()
    }),
  )
}

let search = ''
function Where() {
  search = useLocation().search
  return null
}

function show(entry: string) {
  return render(
    <MemoryRouter initialEntries={[entry]}>
      <Routes>
        <Route
          path="/vault"
          element={
            <>
              <VaultPage />
              <Where />
            </>
          }
        />
      </Routes>
    </MemoryRouter>,
  )
}

const row = (filename: string) =>
  screen.getAllByTestId('document-row').find((r) => r.dataset.filename === filename)

beforeEach(() => {
  useCollections.getState().reset()
  Element.prototype.scrollIntoView = vi.fn()
})
afterEach(() => vi.unstubAllGlobals())

describe('VaultPage ?document=', () => {
  it('brings a document further down than the first page into view, focused and announced', async () => {
    server()
    show('/vault?document=old')
    await waitFor(() => expect(row('old.md')).toHaveAttribute('data-highlighted', 'true'))
    const shown = row('old.md')!
    expect(shown).toHaveFocus()
    expect(shown.scrollIntoView).toHaveBeenCalled()
    expect(row('new.md')).toHaveAttribute('data-highlighted', 'false')
    await waitFor(() =>
      expect(screen.getByTestId('vault-announcement')).toHaveTextContent('old.md is highlighted'),
    )
    // Asked for once: the address no longer asks.
    expect(search).toBe('')
  })

  it('drops a collection filter that would hide the document', async () => {
    server()
    show('/vault?collection=shelf&document=new')
    await waitFor(() => expect(row('new.md')).toHaveAttribute('data-highlighted', 'true'))
    expect(screen.getByTestId('collection-filter-all')).toHaveAttribute('aria-pressed', 'true')
    expect(search).toBe('')
  })

  it('says so when the document is gone', async () => {
    server()
    show('/vault?document=gone')
    expect(await screen.findByRole('alert')).toHaveTextContent('That document is not in your Vault any more.')
    expect(screen.getAllByTestId('document-row').every((r) => r.dataset.highlighted === 'false')).toBe(true)
  })
})
