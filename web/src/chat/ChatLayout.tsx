// The signed-in frame: the sidebar of conversations, a header, and the page.
import { Suspense, useEffect, useState } from 'react'
import { Outlet, useMatch } from 'react-router'
import { Icon } from '../components/Icon'
import { Splash } from '../components/Spinner'
import { ThemeToggle } from '../components/ThemeToggle'
import { useConversations } from '../stores/conversations'
import { useUi } from '../stores/ui'
import { SearchDialog } from './SearchDialog'
import { Sidebar } from './Sidebar'

const MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.userAgent)

function Header({ onSearch }: { onSearch: () => void }) {
  const open = useUi((s) => s.sidebarOpen)
  const setOpen = useUi((s) => s.setSidebarOpen)
  const match = useMatch('/c/:conversationId')
  const id = match?.params.conversationId
  const title = useConversations((s) => (id ? s.items.find((c) => c.id === id)?.title : undefined))
  const vault = useMatch('/vault')
  const settings = useMatch('/settings')
  const memory = useMatch('/memory')
  const personas = useMatch('/personas')
  const admin = useMatch('/admin/*')
  const heading = id
    ? (title ?? '')
    : vault
      ? 'Knowledge Vault'
      : memory
        ? 'Memory'
        : settings
          ? 'Settings'
          : personas
            ? 'Personas'
            : admin
              ? 'Admin'
              : 'New chat'
  return (
    <header className="flex h-14 shrink-0 items-center gap-2 border-b border-line/70 px-3 md:px-5">
      <button
        type="button"
        data-testid="menu"
        aria-label="Open navigation"
        aria-controls="sidebar"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
        className="inline-flex size-9 items-center justify-center rounded-lg text-muted hover:bg-surface hover:text-fg md:hidden"
      >
        <Icon name="menu" />
      </button>
      <h1 className="min-w-0 flex-1 truncate text-[0.95rem] font-medium" data-testid="conversation-title">
        {heading}
      </h1>
      <button
        type="button"
        onClick={onSearch}
        aria-label="Search conversations"
        aria-keyshortcuts="Control+K Meta+K"
        title={`Search (${MAC ? '⌘K' : 'Ctrl+K'})`}
        data-testid="search"
        className="inline-flex h-9 items-center gap-2 rounded-lg px-2 text-muted hover:bg-surface hover:text-fg md:border md:border-line md:pl-2.5 md:pr-2"
      >
        <Icon name="search" size={16} />
        <span className="hidden text-sm md:inline">Search</span>
        <kbd className="hidden rounded border border-line px-1 font-sans text-[0.7rem] text-subtle md:inline">
          {MAC ? '⌘K' : 'Ctrl K'}
        </kbd>
      </button>
      <ThemeToggle />
    </header>
  )
}

export default function ChatLayout() {
  const status = useConversations((s) => s.status)
  const load = useConversations((s) => s.load)
  const [searching, setSearching] = useState(false)

  // Cmd+K (Ctrl+K) opens the search anywhere in the app.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.metaKey || event.ctrlKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault()
        setSearching(true)
      }
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])

  useEffect(() => {
    if (status === 'idle') void load()
  }, [status, load])

  return (
    <div className="flex h-dvh overflow-hidden bg-canvas">
      <Sidebar />
      <div className="flex min-w-0 flex-1 flex-col">
        <Header onSearch={() => setSearching(true)} />
        <main className="flex min-h-0 flex-1 flex-col">
          <Suspense fallback={<Splash />}>
            <Outlet />
          </Suspense>
        </main>
      </div>
      <SearchDialog open={searching} onClose={() => setSearching(false)} />
    </div>
  )
}
