// One conversation: a bar with its persona, model and sources; its messages; the composer.
import { useEffect } from 'react'
import { Link, useParams } from 'react-router'
import { useChat } from '../stores/chat'
import { useConversations } from '../stores/conversations'
import { useUi } from '../stores/ui'
import { Composer } from './Composer'
import { ConversationHeader } from './ConversationHeader'
import { MessageList } from './MessageList'

export default function ConversationView() {
  const { conversationId = '' } = useParams()
  const thread = useChat((s) => s.threads[conversationId])
  const stream = useChat((s) => s.streams[conversationId])
  const load = useChat((s) => s.load)
  const send = useChat((s) => s.send)
  const stop = useChat((s) => s.stop)
  const known = useConversations((s) => s.items.some((c) => c.id === conversationId))
  const listReady = useConversations((s) => s.status === 'ready')
  const focusSignal = useUi((s) => s.focusComposer)

  useEffect(() => {
    void load(conversationId)
  }, [conversationId, load])

  // A conversation further down than the loaded pages: fetch it for its title.
  useEffect(() => {
    if (listReady && !known) void useConversations.getState().refresh(conversationId)
  }, [listReady, known, conversationId])

  if (thread?.status === 'error' && thread.messages.length === 0) {
    return (
      <div className="flex flex-1 flex-col items-center justify-center gap-3 p-6 text-center">
        <p className="text-base font-medium">This conversation could not be opened.</p>
        <p className="max-w-md text-sm text-muted">{thread.error}</p>
        <div className="flex gap-2">
          <button
            type="button"
            onClick={() => void load(conversationId, true)}
            className="rounded-lg border border-line px-3 py-1.5 text-sm hover:bg-surface"
          >
            Try again
          </button>
          <Link
            to="/"
            className="rounded-lg bg-accent px-3 py-1.5 text-sm font-medium text-white hover:bg-accent-hover"
          >
            New chat
          </Link>
        </div>
      </div>
    )
  }

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <ConversationHeader key={conversationId} conversationId={conversationId} />
      {thread ? (
        <MessageList conversationId={conversationId} thread={thread} streaming={Boolean(stream)} />
      ) : (
        <div className="flex-1" />
      )}
      <div className="mx-auto w-full max-w-3xl px-3 pb-3 md:px-6 md:pb-4">
        <Composer
          key={conversationId}
          onSend={(text) => send(conversationId, text)}
          onStop={() => void stop(conversationId)}
          streaming={Boolean(stream)}
          stopping={stream?.stopping}
          autoFocus
          focusSignal={focusSignal}
        />
      </div>
    </div>
  )
}
