// A new chat: the first message creates the conversation.
import { useState } from 'react'
import { useNavigate } from 'react-router'
import { ApiError } from '../api/client'
import { Logo } from '../components/Icon'
import { useAuth } from '../stores/auth'
import { useChat } from '../stores/chat'
import { useConversations } from '../stores/conversations'
import { useUi } from '../stores/ui'
import { Composer } from './Composer'

const SUGGESTIONS = [
  'Explain how vector search works, simply',
  'Write a Python function that merges two sorted lists',
  'Summarise the pros and cons of self-hosting',
  'Draft a short, friendly reminder email',
]

function greeting(now = new Date()): string {
  const hour = now.getHours()
  if (hour < 5) return 'Good evening'
  if (hour < 12) return 'Good morning'
  if (hour < 18) return 'Good afternoon'
  return 'Good evening'
}

export default function Welcome() {
  const user = useAuth((s) => s.user)
  const focusSignal = useUi((s) => s.focusComposer)
  const navigate = useNavigate()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const start = async (text: string) => {
    if (!text.trim() || busy) return
    setBusy(true)
    setError(null)
    try {
      const conversation = await useConversations.getState().create()
      useChat.getState().openNew(conversation.id)
      navigate(`/c/${conversation.id}`)
      void useChat.getState().send(conversation.id, text)
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : 'Could not start the conversation.')
      setBusy(false)
    }
  }

  const name = user?.display_name?.split(' ')[0]

  return (
    <div className="flex flex-1 flex-col overflow-y-auto">
      <div className="mx-auto flex w-full max-w-3xl flex-1 flex-col justify-center px-4 pb-8 pt-10 md:px-6">
        <div className="mb-8 flex flex-col items-center text-center">
          <Logo size={40} />
          <h2 className="mt-5 text-2xl font-semibold tracking-tight md:text-[1.7rem]">
            {greeting()}
            {name ? `, ${name}` : ''}
          </h2>
          <p className="mt-2 text-[0.9375rem] text-muted">What would you like to work on?</p>
        </div>
        <Composer onSend={start} disabled={busy} autoFocus focusSignal={focusSignal} />
        {error && (
          <p role="alert" className="mt-3 text-center text-sm text-danger">
            {error}
          </p>
        )}
        <div className="mt-6 grid gap-2 sm:grid-cols-2">
          {SUGGESTIONS.map((suggestion) => (
            <button
              key={suggestion}
              type="button"
              disabled={busy}
              onClick={() => void start(suggestion)}
              className="rounded-xl border border-line px-4 py-3 text-left text-sm text-muted transition-colors hover:border-line-strong hover:bg-surface hover:text-fg disabled:opacity-60"
            >
              {suggestion}
            </button>
          ))}
        </div>
      </div>
    </div>
  )
}
