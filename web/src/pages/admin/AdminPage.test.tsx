import { act, cleanup, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter, Route, Routes } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useAuth } from '../../stores/auth'
import AdminPage from './AdminPage'

const ada = {
  id: '11111111-1111-1111-1111-111111111111',
  email: 'ada@example.com',
  display_name: 'Ada Admin',
  role: 'admin' as const,
  disabled: false,
  created_at: '2026-01-01T00:00:00Z',
}
const bea = {
  ...ada,
  id: '22222222-2222-2222-2222-222222222222',
  email: 'bea@example.com',
  display_name: 'Bea',
  role: 'user' as const,
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

/** Renders the page at `path`, letting its lazily loaded tab arrive. */
async function renderAt(path: string) {
  await act(async () => {
    render(
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/admin/*" element={<AdminPage />} />
        </Routes>
      </MemoryRouter>,
    )
  })
}

describe('the admin page', () => {
  let fetchMock: ReturnType<typeof vi.fn>
  beforeEach(() => {
    fetchMock = vi.fn()
    vi.stubGlobal('fetch', fetchMock)
  })
  afterEach(() => {
    cleanup()
    vi.unstubAllGlobals()
    useAuth.setState({ user: null, status: 'loading' })
  })

  it('tells a non-admin it is for administrators, asking the server nothing', async () => {
    useAuth.setState({ user: bea, status: 'signedIn' })
    await renderAt('/admin')
    expect(screen.getByTestId('admin-forbidden')).toHaveTextContent('Only administrators can see this page')
    expect(fetchMock).not.toHaveBeenCalled()
  })

  it('opens on the users tab and shows the server’s refusal in place', async () => {
    useAuth.setState({ user: ada, status: 'signedIn' })
    fetchMock.mockImplementation(async (url: string, init?: RequestInit) => {
      if (url.startsWith('/api/admin/users') && (!init?.method || init.method === 'GET'))
        return json(200, { items: [ada, bea] })
      if (url.startsWith('/api/admin/invites')) return json(200, [])
      if (url === `/api/admin/users/${ada.id}` && init?.method === 'PATCH')
        return json(403, { error: { code: 'forbidden', message: 'an admin cannot disable themself' } })
      return json(404, { error: { code: 'not_found', message: 'no' } })
    })
    await renderAt('/admin')
    const rows = await screen.findAllByTestId('user-row')
    expect(rows).toHaveLength(2)
    expect(screen.getByTestId('admin-tab-users')).toHaveAttribute('aria-current', 'page')

    await userEvent.click(within(rows[0]).getByTestId('user-disable'))
    expect(await within(rows[0]).findByRole('alert')).toHaveTextContent('an admin cannot disable themself')
    expect(rows[0]).toHaveAttribute('data-disabled', 'false')
  })

  it('shows the non-admin message when the server answers 403', async () => {
    useAuth.setState({ user: ada, status: 'signedIn' })
    fetchMock.mockImplementation(async () =>
      json(403, { error: { code: 'forbidden', message: 'only an admin may do this' } }),
    )
    await renderAt('/admin/personas')
    expect(await screen.findByTestId('admin-forbidden')).toBeInTheDocument()
  })
})
