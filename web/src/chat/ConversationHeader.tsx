// The slim bar above an open conversation: its persona, its model and its sources, each
// changed in place (the server keeps them with the conversation).
import { useCallback, useEffect, useRef, useState } from 'react'
import { LoadFailed, ProblemAlert } from '../components/LoadState'
import { useCollections, type ScopeItem } from '../stores/collections'
import { useConversations } from '../stores/conversations'
import { effectivePersona, usePersonas } from '../stores/personas'
import { ModelPicker } from './ModelPicker'
import { PersonaPicker } from './PersonaPicker'
import { SourcesPicker } from './SourcesPicker'
import { errorText } from '../lib/errors'

export function ConversationHeader({ conversationId }: { conversationId: string }) {
  const conversation = useConversations((s) => s.items.find((c) => c.id === conversationId))
  const personas = usePersonas((s) => s.items)
  // `undefined` until the server has said (a scope read earlier shows meanwhile).
  const stored = useCollections((s) => s.scopes[conversationId])
  const [personaBusy, setPersonaBusy] = useState(false)
  const [modelBusy, setModelBusy] = useState(false)
  const [scopeDraft, setScopeDraft] = useState<ScopeItem[] | null>(null)
  const [scopeFailed, setScopeFailed] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const latest = useRef(0)

  const personaId = conversation?.persona_id ?? null
  const persona = effectivePersona(personas, personaId)

  const loadScope = useCallback(() => {
    setScopeFailed(false)
    useCollections
      .getState()
      .loadScope(conversationId)
      .catch(() => {
        // Known from before: that one stays shown. Never known: say so, with a retry.
        if (!useCollections.getState().scopes[conversationId]) setScopeFailed(true)
      })
  }, [conversationId])

  useEffect(() => loadScope(), [loadScope])

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

  // The next answers use the model picked (`null`: the persona's or the server's again).
  const chooseModel = async (next: string | null) => {
    if ((conversation?.model || null) === next) return
    setModelBusy(true)
    setProblem(null)
    try {
      await useConversations.getState().update(conversationId, { model: next ?? '' })
    } catch (error) {
      setProblem(`The model could not be changed: ${errorText(error)}`)
    } finally {
      setModelBusy(false)
    }
  }

  // Each change is shown at once and sent; the last one sent is the one that stays.
  const chooseScope = async (next: ScopeItem[]) => {
    const turn = ++latest.current
    setScopeDraft(next)
    setScopeFailed(false)
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
          model={conversation?.model || null}
          personaModel={persona?.default_model}
          onChange={(next) => void chooseModel(next)}
          busy={modelBusy}
          disabled={!conversation}
        />
        <SourcesPicker
          items={scopeDraft ?? stored ?? null}
          onChange={(next) => void chooseScope(next)}
          busy={scopeDraft !== null}
          failed={scopeFailed}
          disabled={!conversation}
        />
      </div>
      {(problem || scopeFailed) && (
        <div className="mx-auto w-full max-w-3xl px-3 pb-2 md:px-6">
          {problem && <ProblemAlert message={problem} onDismiss={() => setProblem(null)} />}
          {scopeFailed && !problem && (
            <LoadFailed what="this chat’s sources" onRetry={loadScope} className="text-sm text-muted" />
          )}
        </div>
      )}
    </div>
  )
}
