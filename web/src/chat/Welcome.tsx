// A new chat: pick its persona, model and sources; the first message creates the
// conversation with them.
import { useState } from 'react'
import { useNavigate } from 'react-router'
import { api, ApiError } from '../api/client'
import { Logo } from '../components/Icon'
import { useAuth } from '../stores/auth'
import { useChat } from '../stores/chat'
import { useCollections } from '../stores/collections'
import { useConversations } from '../stores/conversations'
import { useModels } from '../stores/models'
import { effectivePersona, usePersonas } from '../stores/personas'
import { useUi } from '../stores/ui'
import { Composer } from './Composer'
import { ModelPicker } from './ModelPicker'
import { PersonaPicker } from './PersonaPicker'
import { SourcesPicker } from './SourcesPicker'

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
  const personaId = usePersonas((s) => s.pending)
  const personas = usePersonas((s) => s.items)
  const model = useModels((s) => s.pending)
  const scope = useCollections((s) => s.pending)
  const persona = effectivePersona(personas, personaId)

  const start = async (text: string) => {
    if (!text.trim() || busy) return
    setBusy(true)
    setError(null)
    try {
      // What was picked here goes with the new conversation; the next new chat starts afresh.
      const conversation = await api.createConversation({ persona_id: personaId, model })
      useConversations.getState().upsert(conversation)
      if (scope.length) await useCollections.getState().setScope(conversation.id, scope)
      else useCollections.getState().knowScope(conversation.id, [])
      usePersonas.getState().setPending(null)
      useModels.getState().setPending(null)
      useCollections.getState().setPending([])
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
        <div
          role="group"
          aria-label="New chat settings"
          className="mb-2.5 flex min-w-0 items-center justify-center gap-1 sm:gap-1.5"
          data-testid="new-chat-options"
        >
          <PersonaPicker personaId={personaId} onChange={usePersonas.getState().setPending} disabled={busy} />
          <ModelPicker
            mode="new"
            model={model}
            personaModel={persona?.default_model}
            onChange={useModels.getState().setPending}
            disabled={busy}
          />
          <SourcesPicker items={scope} onChange={useCollections.getState().setPending} disabled={busy} />
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
