// The list of conversations: pinned first, then by day; filter, rename, pin, delete, and
// more loaded as the list is scrolled to its end.
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import { NavLink, useMatch, useNavigate } from 'react-router'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { Icon, Logo, type IconName } from '../components/Icon'
import { Spinner } from '../components/Spinner'
import { cn } from '../lib/cn'
import { groupConversations } from '../lib/dates'
import { useAuth } from '../stores/auth'
import { useChat } from '../stores/chat'
import { useCollections } from '../stores/collections'
import { useConversations } from '../stores/conversations'
import { useModels } from '../stores/models'
import { usePersonas } from '../stores/personas'
import { useUi } from '../stores/ui'
import { ArchivedDialog } from './ArchivedDialog'
import { ConversationItem } from './ConversationItem'
import { LoadFailed, Loading } from '../components/LoadState'
import { errorText } from '../lib/errors'

export function Sidebar() {
  const items = useConversations((s) => s.items)
  const status = useConversations((s) => s.status)
  const next = useConversations((s) => s.next)
  const loadingMore = useConversations((s) => s.loadingMore)
  const loadMore = useConversations((s) => s.loadMore)
  const update = useConversations((s) => s.update)
  const remove = useConversations((s) => s.remove)
  const load = useConversations((s) => s.load)
  const streams = useChat((s) => s.streams)
  const [showArchive, setShowArchive] = useState(false)
  const user = useAuth((s) => s.user)
  const logout = useAuth((s) => s.logout)
  const open = useUi((s) => s.sidebarOpen)
  const setOpen = useUi((s) => s.setSidebarOpen)
  const requestComposerFocus = useUi((s) => s.requestComposerFocus)
  const navigate = useNavigate()
  const match = useMatch('/c/:conversationId')
  const currentId = match?.params.conversationId

  const [filter, setFilter] = useState('')
  const [deleting, setDeleting] = useState<{ id: string; title: string } | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const sentinel = useRef<HTMLDivElement>(null)
  const scroller = useRef<HTMLDivElement>(null)

  const groups = useMemo(() => {
    const words = filter.trim().toLowerCase()
    const shown = words ? items.filter((c) => c.title.toLowerCase().includes(words)) : items
    return groupConversations(shown)
  }, [items, filter])

  // Load the next page when the end of the list comes into view.
  useEffect(() => {
    const target = sentinel.current
    if (!target || !next || typeof IntersectionObserver === 'undefined') return
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) void loadMore()
      },
      { root: scroller.current, rootMargin: '120px' },
    )
    observer.observe(target)
    return () => observer.disconnect()
  }, [next, loadMore, items.length])

  // Escape closes the drawer at phone width.
  useEffect(() => {
    if (!open) return
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setOpen(false)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [open, setOpen])

  const act = (work: Promise<unknown>) =>
    work.then(
      () => setProblem(null),
      (error: unknown) => setProblem(errorText(error)),
    )

  const confirmDelete = async () => {
    if (!deleting) return
    const { id } = deleting
    setDeleting(null)
    await act(
      remove(id).then(() => {
        useChat.getState().forget(id)
        if (currentId === id) navigate('/', { replace: true })
      }),
    )
  }

  const newChat = () => {
    setOpen(false)
    navigate('/')
    requestComposerFocus()
  }

  return (
    <>
      {/* The backdrop behind the drawer at phone width. */}
      <div
        aria-hidden="true"
        onClick={() => setOpen(false)}
        className={cn(
          'fixed inset-0 z-30 bg-black/40 transition-opacity md:hidden',
          open ? 'opacity-100' : 'pointer-events-none opacity-0',
        )}
      />
      <aside
        id="sidebar"
        aria-label="Conversations"
        className={cn(
          'z-40 flex w-[17.5rem] shrink-0 flex-col border-r border-line bg-sidebar',
          'max-md:fixed max-md:inset-y-0 max-md:left-0 max-md:shadow-soft max-md:transition-[transform,visibility] max-md:duration-200',
          open ? 'max-md:translate-x-0' : 'max-md:invisible max-md:-translate-x-full',
        )}
      >
        <div className="flex items-center gap-2.5 px-4 pb-2 pt-4">
          <Logo size={26} />
          <span className="text-[0.95rem] font-semibold tracking-tight">Gantry</span>
          <button
            type="button"
            aria-label="Close conversations"
            onClick={() => setOpen(false)}
            className="ml-auto inline-flex size-8 items-center justify-center rounded-lg text-muted hover:bg-surface hover:text-fg md:hidden"
          >
            <Icon name="x" />
          </button>
        </div>

        <div className="space-y-2 px-3 pb-2 pt-2">
          <button
            type="button"
            data-testid="new-chat"
            onClick={newChat}
            className="flex w-full items-center gap-2 rounded-lg border border-line bg-canvas px-3 py-2 text-sm font-medium shadow-[0_1px_1px_rgb(0_0_0/0.03)] transition-colors hover:border-line-strong hover:bg-surface"
          >
            <Icon name="plus" size={16} />
            New chat
          </button>
          <div className="relative">
            <Icon
              name="search"
              size={15}
              className="pointer-events-none absolute left-2.5 top-1/2 -translate-y-1/2 text-subtle"
            />
            <input
              type="search"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
              placeholder="Filter conversations"
              aria-label="Filter conversations"
              data-testid="conversation-filter"
              className="w-full rounded-lg border border-transparent bg-surface py-1.5 pl-8 pr-2.5 text-sm text-fg placeholder:text-subtle focus:border-line-strong focus:bg-canvas focus:outline-none focus-visible:outline-2 focus-visible:outline-offset-0"
            />
          </div>
        </div>

        <div className="px-3 pb-1">
          <SideLink to="/vault" icon="layers" testId="vault-link" onNavigate={() => setOpen(false)}>
            Knowledge Vault
          </SideLink>
          <SideLink to="/memory" icon="brain" testId="memory-link" onNavigate={() => setOpen(false)}>
            Memory
          </SideLink>
          <SideLink to="/personas" icon="persona" testId="personas-link" onNavigate={() => setOpen(false)}>
            Personas
          </SideLink>
          {user?.role === 'admin' && (
            <SideLink to="/admin" icon="shield" testId="admin-link" onNavigate={() => setOpen(false)}>
              Admin
            </SideLink>
          )}
          <button
            type="button"
            data-testid="archived-link"
            onClick={() => setShowArchive(true)}
            className="flex w-full items-center gap-2 rounded-lg px-2.5 py-1.5 text-sm text-muted transition-colors hover:bg-surface hover:text-fg"
          >
            <Icon name="folder" size={16} />
            Archived
          </button>
        </div>

        <div ref={scroller} className="scrollbar-thin flex-1 overflow-y-auto px-2 pb-3">
          {status === 'loading' && items.length === 0 && <Loading label="Loading conversations" />}
          {status === 'error' && (
            <LoadFailed
              what="your conversations"
              onRetry={() => void load()}
              className="mx-2 my-4 text-sm text-muted"
            />
          )}
          {status === 'ready' && items.length === 0 && (
            <p className="mx-2 my-6 text-center text-sm text-subtle">No conversations yet.</p>
          )}
          {filter && groups.length === 0 && items.length > 0 && (
            <p className="mx-2 my-6 text-center text-sm text-subtle">
              No conversation title matches “{filter}”.
            </p>
          )}
          <nav aria-label="Conversation list">
            {groups.map((group) => (
              <section key={group.key} aria-labelledby={`group-${group.key}`} className="mt-3 first:mt-1">
                <h2 id={`group-${group.key}`} className="px-2.5 pb-1 pt-1 text-xs font-medium text-subtle">
                  {group.label}
                </h2>
                <ul className="space-y-px">
                  {group.items.map((conversation) => (
                    <ConversationItem
                      key={conversation.id}
                      conversation={conversation}
                      streaming={Boolean(streams[conversation.id])}
                      onOpen={() => setOpen(false)}
                      onRename={(title) => void act(update(conversation.id, { title }))}
                      onTogglePin={() => void act(update(conversation.id, { pinned: !conversation.pinned }))}
                      onArchive={() => void act(update(conversation.id, { archived: true }))}
                      onDelete={() => setDeleting({ id: conversation.id, title: conversation.title })}
                    />
                  ))}
                </ul>
              </section>
            ))}
          </nav>
          {next && (
            <div ref={sentinel} className="flex justify-center py-3">
              {loadingMore ? (
                <Spinner label="Loading more conversations" />
              ) : (
                <button
                  type="button"
                  onClick={() => void loadMore()}
                  className="rounded-md px-2 py-1 text-xs text-muted hover:text-fg"
                >
                  Load more
                </button>
              )}
            </div>
          )}
        </div>

        {problem && (
          <div
            role="alert"
            className="mx-3 mb-2 flex items-start gap-2 rounded-lg border border-danger-line bg-danger-soft px-2.5 py-2 text-xs text-danger"
          >
            <span className="flex-1">{problem}</span>
            <button type="button" aria-label="Dismiss" onClick={() => setProblem(null)}>
              <Icon name="x" size={14} />
            </button>
          </div>
        )}

        <div className="flex items-center gap-2.5 border-t border-line px-3 py-3">
          <div
            aria-hidden="true"
            className="flex size-8 shrink-0 items-center justify-center rounded-full bg-accent-soft text-sm font-semibold text-accent-text"
          >
            {(user?.display_name || user?.email || '?').slice(0, 1).toUpperCase()}
          </div>
          <div className="min-w-0 flex-1">
            <div className="truncate text-sm font-medium">{user?.display_name}</div>
            <div className="truncate text-xs text-subtle">{user?.email}</div>
          </div>
          <NavLink
            to="/settings"
            aria-label="Settings"
            title="Settings"
            data-testid="settings-link"
            onClick={() => setOpen(false)}
            className={({ isActive }) =>
              cn(
                'inline-flex size-8 items-center justify-center rounded-lg hover:bg-surface hover:text-fg',
                isActive ? 'bg-surface text-fg' : 'text-muted',
              )
            }
          >
            <Icon name="settings" size={17} />
          </NavLink>
          <button
            type="button"
            aria-label="Sign out"
            title="Sign out"
            data-testid="sign-out"
            onClick={() => {
              // Nothing of this account stays for the next one to sign in here.
              useChat.getState().reset()
              useConversations.getState().reset()
              useCollections.getState().reset()
              usePersonas.getState().reset()
              useModels.getState().reset()
              void logout()
            }}
            className="inline-flex size-8 items-center justify-center rounded-lg text-muted hover:bg-surface hover:text-fg"
          >
            <Icon name="logout" size={17} />
          </button>
        </div>
      </aside>

      <ArchivedDialog open={showArchive} onClose={() => setShowArchive(false)} />
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this conversation?"
        body={<>“{deleting?.title}” and everything learnt from it will be deleted. This cannot be undone.</>}
        confirmLabel="Delete"
        danger
        onConfirm={() => void confirmDelete()}
        onCancel={() => setDeleting(null)}
      />
    </>
  )
}

/** A link to one of the app's pages, highlighted while it is open. */
function SideLink({
  to,
  icon,
  testId,
  onNavigate,
  children,
}: {
  to: string
  icon: IconName
  testId: string
  onNavigate: () => void
  children: ReactNode
}) {
  return (
    <NavLink
      to={to}
      data-testid={testId}
      onClick={onNavigate}
      className={({ isActive }) =>
        cn(
          'flex items-center gap-2 rounded-lg px-2.5 py-1.5 text-sm transition-colors',
          isActive ? 'bg-surface font-medium text-fg' : 'text-muted hover:bg-surface hover:text-fg',
        )
      }
    >
      <Icon name={icon} size={16} />
      {children}
    </NavLink>
  )
}
