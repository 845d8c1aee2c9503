// The archive: conversations put away from the sidebar, each restorable or openable.
import { useEffect, useId, useRef, useState } from 'react'
import { useNavigate } from 'react-router'
import { api } from '../api/client'
import type { Conversation } from '../api/types'
import { Icon } from '../components/Icon'
import { LoadFailed, Loading } from '../components/LoadState'
import { formatTime } from '../lib/dates'
import { useConversations } from '../stores/conversations'

export function ArchivedDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const navigate = useNavigate()
  const [items, setItems] = useState<Conversation[] | null>(null)
  const [failed, setFailed] = useState(false)

  const load = () => {
    setFailed(false)
    setItems(null)
    api
      .conversations({ archived: true, limit: 100 })
      .then((page) => setItems(page.items))
      .catch(() => setFailed(true))
  }

  useEffect(() => {
    const el = dialog.current
    if (!el) return
    if (open && !el.open) {
      el.showModal?.()
      load()
    } else if (!open && el.open) el.close?.()
  }, [open])

  const restore = async (conversation: Conversation) => {
    await useConversations.getState().update(conversation.id, { archived: false })
    setItems((list) => list?.filter((c) => c.id !== conversation.id) ?? null)
  }

  return (
    <dialog
      ref={dialog}
      aria-labelledby={titleId}
      data-testid="archived-dialog"
      onCancel={(event) => {
        event.preventDefault()
        onClose()
      }}
      onClick={(event) => {
        if (event.target === dialog.current) onClose()
      }}
      className="mx-auto mt-[12vh] w-[min(30rem,calc(100vw-1.5rem))] rounded-2xl border border-line bg-canvas p-0 text-fg shadow-soft backdrop:bg-black/40"
    >
      <div className="flex items-center justify-between border-b border-line px-4 py-3">
        <h2 id={titleId} className="text-base font-semibold">
          Archived conversations
        </h2>
        <button
          type="button"
          aria-label="Close"
          onClick={onClose}
          className="inline-flex size-8 items-center justify-center rounded-lg text-muted hover:bg-surface hover:text-fg"
        >
          <Icon name="x" size={16} />
        </button>
      </div>
      <div className="scrollbar-thin max-h-[60vh] overflow-y-auto p-2">
        {items === null && !failed && <Loading label="Loading the archive" />}
        {failed && <LoadFailed what="the archive" onRetry={load} className="px-3 py-6 text-center text-sm" />}
        {items?.length === 0 && (
          <p className="px-3 py-6 text-center text-sm text-subtle">Nothing is archived.</p>
        )}
        <ul>
          {items?.map((conversation) => (
            <li
              key={conversation.id}
              data-testid="archived-item"
              className="flex items-center gap-2 rounded-lg px-3 py-2 hover:bg-surface"
            >
              <button
                type="button"
                onClick={() => {
                  onClose()
                  navigate(`/c/${conversation.id}`)
                }}
                className="min-w-0 flex-1 text-left"
              >
                <span className="block truncate text-sm font-medium">{conversation.title}</span>
                <span className="text-xs text-subtle">{formatTime(conversation.updated_at)}</span>
              </button>
              <button
                type="button"
                data-testid="restore"
                onClick={() => void restore(conversation)}
                className="shrink-0 rounded-lg border border-line px-2.5 py-1 text-xs font-medium hover:bg-surface-2"
              >
                Restore
              </button>
            </li>
          ))}
        </ul>
      </div>
    </dialog>
  )
}
