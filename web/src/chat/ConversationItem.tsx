import { useEffect, useRef, useState } from 'react'
import { NavLink } from 'react-router'
import type { Conversation } from '../api/types'
import { Icon } from '../components/Icon'
import { Menu } from '../components/Menu'
import { cn } from '../lib/cn'
import { formatTime } from '../lib/dates'

interface Props {
  conversation: Conversation
  streaming: boolean
  onRename: (title: string) => void
  onTogglePin: () => void
  onArchive: () => void
  onDelete: () => void
  onOpen: () => void
}

/** Downloads the conversation in `format`: the browser streams the server's file. */
function download(conversation: Conversation, format: 'json' | 'markdown' | 'pdf') {
  const link = document.createElement('a')
  link.href = `/api/chat/conversations/${encodeURIComponent(conversation.id)}/export?format=${format}`
  link.download = ''
  document.body.append(link)
  link.click()
  link.remove()
}

export function ConversationItem({
  conversation,
  streaming,
  onRename,
  onTogglePin,
  onArchive,
  onDelete,
  onOpen,
}: Props) {
  const [editing, setEditing] = useState(false)
  const [title, setTitle] = useState(conversation.title)
  const input = useRef<HTMLInputElement>(null)

  useEffect(() => {
    if (editing) {
      input.current?.focus()
      input.current?.select()
    }
  }, [editing])

  const commit = () => {
    const next = title.trim()
    setEditing(false)
    if (next && next !== conversation.title) onRename(next)
    else setTitle(conversation.title)
  }

  if (editing) {
    return (
      <li data-testid="conversation-item" data-id={conversation.id} className="px-1 py-0.5">
        <input
          ref={input}
          value={title}
          aria-label="Conversation title"
          data-testid="rename-input"
          onChange={(e) => setTitle(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault()
              commit()
            } else if (e.key === 'Escape') {
              e.preventDefault()
              setTitle(conversation.title)
              setEditing(false)
            }
          }}
          maxLength={200}
          className="w-full rounded-lg border border-accent bg-canvas px-2.5 py-1.5 text-sm text-fg outline-none"
        />
      </li>
    )
  }

  return (
    <li data-testid="conversation-item" data-id={conversation.id} className="group relative">
      <NavLink
        to={`/c/${conversation.id}`}
        onClick={onOpen}
        title={`${conversation.title} · ${formatTime(conversation.updated_at)}`}
        className={({ isActive }) =>
          cn(
            'flex items-center gap-2 rounded-lg py-2 pl-2.5 pr-9 text-sm transition-colors',
            isActive ? 'bg-surface-2 font-medium text-fg' : 'text-fg/85 hover:bg-surface',
          )
        }
      >
        {conversation.pinned && <Icon name="pin" size={13} className="shrink-0 text-subtle" />}
        <span className="truncate">{conversation.title}</span>
        {streaming && (
          <span className="ml-auto size-1.5 shrink-0 rounded-full bg-accent" aria-label="answering" />
        )}
      </NavLink>
      <div className="absolute inset-y-0 right-1 flex items-center">
        <Menu
          label={`Options for ${conversation.title}`}
          testId="conversation-menu"
          className="inline-flex size-7 items-center justify-center rounded-md text-muted opacity-0 transition-opacity hover:bg-surface-2 hover:text-fg focus-visible:opacity-100 aria-expanded:opacity-100 group-hover:opacity-100 group-has-[[aria-current=page]]:opacity-100 [@media(hover:none)]:opacity-100"
          items={[
            { label: 'Rename', icon: 'pencil', onSelect: () => setEditing(true), testId: 'rename' },
            {
              label: conversation.pinned ? 'Unpin' : 'Pin',
              icon: 'pin',
              onSelect: onTogglePin,
              testId: 'pin',
            },
            { label: 'Archive', icon: 'folder', onSelect: onArchive, testId: 'archive' },
            {
              label: 'Export as JSON',
              icon: 'download',
              onSelect: () => download(conversation, 'json'),
              testId: 'export-json',
            },
            {
              label: 'Export as Markdown',
              icon: 'download',
              onSelect: () => download(conversation, 'markdown'),
              testId: 'export-markdown',
            },
            {
              label: 'Export as PDF',
              icon: 'download',
              onSelect: () => download(conversation, 'pdf'),
              testId: 'export-pdf',
            },
            { label: 'Delete', icon: 'trash', onSelect: onDelete, danger: true, testId: 'delete' },
          ]}
        />
      </div>
    </li>
  )
}
