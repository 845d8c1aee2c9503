// The slim bar above an open conversation: its persona, its model and its sources.
import { useRef, useState } from 'react'
import { useNavigate } from 'react-router'
import { ProblemAlert } from '../components/LoadState'
import { useCollections, type ScopeItem } from '../stores/collections'
import { useConversations } from '../stores/conversations'
import { useModels } from '../stores/models'
import { effectivePersona, usePersonas } from '../stores/personas'
import { ModelPicker } from './ModelPicker'
import { PersonaPicker } from './PersonaPicker'
import { SourcesPicker } from './SourcesPicker'

const EMPTY: ScopeItem[] = []

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export function ConversationHeader({ conversationId }: { conversationId: string }) {
  const conversation = useConversations((s) => s.items.find((c) => c.id === conversationId))
  const personas = usePersonas((s) => s.items)
  const stored = useCollections((s) => s.scopes[conversationId] ?? EMPTY)
  const navigate = useNavigate()
  const [personaBusy, setPersonaBusy] = useState(false)
  const [scopeDraft, setScopeDraft] = useState<ScopeItem[] | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const latest = useRef(0)

  const personaId = conversation?.persona_id ?? null
  const persona = effectivePersona(personas, personaId)

  const choosePersona = async (next: string | null) => {
    if (next === personaId) return
    setPersonaBusy(true)
    setProblem(null)
    try {
      await usePersonas.getState().choose(conversationId, next)
    } catch (error) {
      setProblem(`The persona could not be changed: ${errorText(error)}`)
    } finally {
      setPersonaBusy(false)
    }
  }

  // Each change is shown at once and sent; the last one sent is the one that stays.
  const chooseScope = async (next: ScopeItem[]) => {
    const turn = ++latest.current
    setScopeDraft(next)
    setProblem(null)
    try {
      await useCollections.getState().setScope(conversationId, next)
      if (turn === latest.current) setScopeDraft(null)
    } catch (error) {
      if (turn === latest.current) {
        setScopeDraft(null)
        setProblem(`The sources could not be changed: ${errorText(error)}`)
      }
    }
  }

  // Another model means a new chat: the server keeps a conversation's model from its start.
  const chooseModel = (model: string | null) => {
    useModels.getState().setPending(model)
    usePersonas.getState().setPending(personaId)
    useCollections.getState().setPending(scopeDraft ?? stored)
    navigate('/')
  }

  return (
    <div className="shrink-0 border-b border-line/70 bg-canvas" data-testid="conversation-header">
      <div
        role="group"
        aria-label="Conversation settings"
        className="mx-auto flex w-full max-w-3xl items-center gap-1 px-3 py-1.5 sm:gap-1.5 md:px-6"
      >
        <PersonaPicker
          personaId={personaId}
          onChange={(next) => void choosePersona(next)}
          busy={personaBusy}
          disabled={!conversation}
        />
        <ModelPicker
          mode="conversation"
          model={conversation?.model ?? null}
          personaModel={persona?.default_model}
          onChange={chooseModel}
          disabled={!conversation}
        />
        <SourcesPicker
          items={scopeDraft ?? stored}
          onChange={(next) => void chooseScope(next)}
          busy={scopeDraft !== null}
          disabled={!conversation}
        />
      </div>
      {problem && (
        <div className="mx-auto w-full max-w-3xl px-3 pb-2 md:px-6">
          <ProblemAlert message={problem} onDismiss={() => setProblem(null)} />
        </div>
      )}
    </div>
  )
}
