import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Conversation, VaultDocument } from '../api/types'
import { useCollections } from '../stores/collections'
import { useConversations } from '../stores/conversations'
import { useModels } from '../stores/models'
import { usePersonas } from '../stores/personas'
import { ConversationHeader } from './ConversationHeader'

const conversation: Conversation = {
  id: 'conv',
  owner_id: 'u',
  title: 'Harbour',
  model: null,
  persona_id: null,
  pinned: false,
  archived: false,
  created_at: '2026-12-01T10:00:00Z',
  updated_at: '2026-12-01T10:00:00Z',
}

const notes: VaultDocument = {
  id: 'd',
  owner_id: 'u',
  filename: 'notes.md',
  content_type: 'text/markdown',
  size_bytes: 10,
  status: 'ready',
  created_at: '2026-12-01T10:00:00Z',
  updated_at: '2026-12-01T10:00:00Z',
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

interface Call {
  url: string
  method: string
  body: unknown
}

/** A server with the conversation, scoped to notes.md; records what it was sent. */
function server(scope = { collections: [] as string[], documents: ['d'] }) {
  const calls: Call[] = []
  let saved = { ...conversation }
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const method = init?.method ?? 'GET'
      const body: unknown = init?.body ? JSON.parse(String(init.body)) : undefined
      calls.push({ url, method, body })
      if (url === '/api/chat/conversations/conv/document-scope') return json(scope)
      if (url === '/api/chat/conversations/conv' && method === 'PATCH') {
        const model = (body as { model: string }).model
        saved = { ...saved, model: model || null }
        return json(saved)
      }
      return json({ error: { code: 'not_found', message: 'Not here' } }, 404)
    }),
  )
  return calls
}

function show() {
  return render(
    <MemoryRouter>
      <ConversationHeader conversationId="conv" />
    </MemoryRouter>,
  )
}

beforeEach(() => {
  useConversations.getState().reset()
  useConversations.setState({ items: [conversation], status: 'ready' })
  useModels.setState({
    models: [{ id: 'small.gguf', name: 'small.gguf', backend: 'llama', active: true }],
    active: 'small.gguf',
    status: 'ready',
    pending: null,
  })
  usePersonas.setState({ items: [], status: 'ready', pending: null })
  useCollections.getState().reset()
  useCollections.setState({ status: 'ready', documentsStatus: 'ready', documents: [notes] })
})
afterEach(() => vi.unstubAllGlobals())

describe('ConversationHeader', () => {
  it('shows the sources the server keeps for the conversation', async () => {
    const calls = server()
    show()
    // Not known yet: nothing can be picked.
    expect(screen.getByRole('button', { name: 'Sources: Sources' })).toBeDisabled()
    await waitFor(() => expect(screen.getByRole('button', { name: 'Sources: notes.md' })).toBeEnabled())
    expect(calls).toContainEqual({
      url: '/api/chat/conversations/conv/document-scope',
      method: 'GET',
      body: undefined,
    })
  })

  it('offers to try again when the sources cannot be read', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json({ error: { code: 'internal', message: 'Broken' } }, 500)),
    )
    show()
    expect(await screen.findByText(/Could not load this chat’s sources/)).toBeInTheDocument()
    server()
    await userEvent.setup().click(screen.getByRole('button', { name: 'Try again' }))
    await waitFor(() => expect(screen.getByRole('button', { name: 'Sources: notes.md' })).toBeEnabled())
  })

  it('changes the model of the open conversation in place, and back to the default', async () => {
    const user = userEvent.setup()
    const calls = server()
    show()
    await user.click(screen.getByRole('button', { name: 'Model: small' }))
    expect(screen.getByRole('option', { name: /Automatic/ })).toHaveAttribute('aria-selected', 'true')
    await user.click(screen.getByRole('option', { name: /^small/ }))
    await waitFor(() =>
      expect(useConversations.getState().items.find((c) => c.id === 'conv')?.model).toBe('small.gguf'),
    )
    expect(calls).toContainEqual({
      url: '/api/chat/conversations/conv',
      method: 'PATCH',
      body: { model: 'small.gguf' },
    })

    await user.click(screen.getByRole('button', { name: 'Model: small' }))
    expect(screen.getByRole('option', { name: /^small/ })).toHaveAttribute('aria-selected', 'true')
    await user.click(screen.getByRole('option', { name: /Automatic/ }))
    await waitFor(() =>
      expect(useConversations.getState().items.find((c) => c.id === 'conv')?.model).toBeNull(),
    )
    expect(calls[calls.length - 1]).toEqual({
      url: '/api/chat/conversations/conv',
      method: 'PATCH',
      body: { model: '' },
    })
  })

  it('says so when the model cannot be changed, and shows the one kept', async () => {
    const user = userEvent.setup()
    server()
    show()
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json({ error: { code: 'bad_request', message: 'No such model' } }, 400)),
    )
    await user.click(screen.getByRole('button', { name: 'Model: small' }))
    await user.click(screen.getByRole('option', { name: /^small/ }))
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The model could not be changed: No such model',
    )
    expect(useConversations.getState().items.find((c) => c.id === 'conv')?.model).toBeNull()
  })
})
