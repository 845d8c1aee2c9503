// Invites: codes a person signs up with (when sign-up is by invite), made with a note and a
// lifetime, shown once, listed with their state, withdrawn.
import { useCallback, useEffect, useId, useState } from 'react'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { Icon } from '../../components/Icon'
import { Loading, ProblemAlert } from '../../components/LoadState'
import { formatWhen, inviteState } from '../../lib/adminFormat'
import { copyText } from '../../lib/clipboard'
import { errorText } from '../../lib/errors'
import { adminApi } from './api'
import type { Invite } from './types'
import { Badge, Card, LoadError, field, fieldBase, label, primary, smallDanger } from './ui'

const STATE_BADGE = {
  open: { tone: 'success', text: 'Open' },
  used: { tone: 'neutral', text: 'Used' },
  expired: { tone: 'warning', text: 'Expired' },
} as const

export function InvitesCard() {
  const [invites, setInvites] = useState<Invite[]>([])
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading')
  const [loadError, setLoadError] = useState<unknown>(null)
  const [note, setNote] = useState('')
  const [days, setDays] = useState('7')
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const [created, setCreated] = useState<{ code: string; note: string } | null>(null)
  const [copied, setCopied] = useState(false)
  const [withdrawing, setWithdrawing] = useState<Invite | null>(null)
  const noteId = useId()
  const daysId = useId()
  const codeId = useId()

  const load = useCallback(async () => {
    setStatus('loading')
    try {
      setInvites(await adminApi.invites())
      setStatus('ready')
    } catch (error) {
      setLoadError(error)
      setStatus('error')
    }
  }, [])

  useEffect(() => {
    void load()
  }, [load])

  const create = async (event: React.FormEvent) => {
    event.preventDefault()
    const validDays = Number(days)
    if (!Number.isInteger(validDays) || validDays < 1 || validDays > 366) {
      setProblem('An invite lasts 1 to 366 days.')
      return
    }
    setBusy(true)
    setProblem(null)
    try {
      const made = await adminApi.createInvite({ note: note.trim(), valid_days: validDays })
      setInvites((all) => [made.info, ...all.filter((i) => i.id !== made.info.id)])
      setCreated({ code: made.code, note: made.info.note })
      setCopied(false)
      setNote('')
    } catch (error) {
      setProblem(errorText(error))
    } finally {
      setBusy(false)
    }
  }

  const withdraw = async () => {
    if (!withdrawing) return
    const invite = withdrawing
    setWithdrawing(null)
    try {
      await adminApi.deleteInvite(invite.id)
      setInvites((all) => all.filter((i) => i.id !== invite.id))
      setProblem(null)
    } catch (error) {
      setProblem(errorText(error))
    }
  }

  return (
    <Card
      title="Invites"
      description="A code lets one person create their own account while sign-up is by invite."
      testId="invites-card"
    >
      <form onSubmit={(event) => void create(event)} className="flex flex-col gap-2 sm:flex-row sm:items-end">
        <div className="min-w-0 flex-1">
          <label htmlFor={noteId} className={label}>
            Note
          </label>
          <input
            id={noteId}
            value={note}
            onChange={(event) => setNote(event.target.value)}
            placeholder="Who it is for, e.g. Bea from accounts"
            maxLength={200}
            data-testid="invite-note"
            className={field}
          />
        </div>
        <div className="sm:w-28">
          <label htmlFor={daysId} className={label}>
            Valid (days)
          </label>
          <input
            id={daysId}
            type="number"
            min={1}
            max={366}
            value={days}
            onChange={(event) => setDays(event.target.value)}
            data-testid="invite-days"
            className={field}
          />
        </div>
        <button type="submit" disabled={busy} data-testid="create-invite" className={primary}>
          <Icon name="plus" size={16} />
          Create invite
        </button>
      </form>

      {problem && <ProblemAlert message={problem} onDismiss={() => setProblem(null)} className="mt-3" />}

      {created && (
        <div
          role="status"
          data-testid="new-invite"
          className="mt-4 rounded-xl border border-accent/40 bg-accent-soft p-3.5 text-sm"
        >
          <label htmlFor={codeId} className="block font-medium text-accent-text">
            Invite{created.note ? ` for “${created.note}”` : ''} created. Copy the code now: it is not shown
            again.
          </label>
          <div className="mt-2 flex gap-2">
            <input
              id={codeId}
              readOnly
              value={created.code}
              data-testid="new-invite-code"
              onFocus={(event) => event.target.select()}
              className={`${fieldBase} w-full px-3 py-2 font-mono text-xs`}
            />
            <button
              type="button"
              onClick={() => void copyText(created.code).then((ok) => setCopied(ok))}
              className="inline-flex shrink-0 items-center gap-1.5 rounded-lg border border-line-strong bg-canvas px-3 py-2 text-sm font-medium hover:bg-surface"
            >
              <Icon name={copied ? 'check' : 'copy'} size={15} />
              {copied ? 'Copied' : 'Copy'}
            </button>
          </div>
          <button
            type="button"
            onClick={() => setCreated(null)}
            className="mt-2 text-xs font-medium text-muted underline hover:text-fg"
          >
            Done
          </button>
        </div>
      )}

      <div className="mt-4">
        {status === 'loading' && <Loading label="Loading invites" />}
        {status === 'error' && <LoadError error={loadError} what="the invites" onRetry={() => void load()} />}
        {status === 'ready' && invites.length === 0 && <p className="text-sm text-subtle">No invites yet.</p>}
        {status === 'ready' && invites.length > 0 && (
          <ul className="divide-y divide-line rounded-xl border border-line" aria-label="Invites">
            {invites.map((invite) => {
              const state = inviteState(invite)
              return (
                <li
                  key={invite.id}
                  data-testid="invite-row"
                  className="flex items-center gap-3 px-3.5 py-2.5"
                >
                  <div className="min-w-0 flex-1">
                    <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                      <span className="truncate text-sm font-medium">{invite.note || 'Invite'}</span>
                      <Badge tone={STATE_BADGE[state].tone}>{STATE_BADGE[state].text}</Badge>
                    </div>
                    <p className="text-xs text-subtle">
                      Made {formatWhen(invite.created_at)} ·{' '}
                      {state === 'used'
                        ? `used ${formatWhen(invite.used_at)}`
                        : `${state === 'expired' ? 'expired' : 'expires'} ${formatWhen(invite.expires_at)}`}
                    </p>
                  </div>
                  {state !== 'used' && (
                    <button
                      type="button"
                      onClick={() => setWithdrawing(invite)}
                      aria-label={`Withdraw invite ${invite.note}`}
                      data-testid="withdraw-invite"
                      className={smallDanger}
                    >
                      Withdraw
                    </button>
                  )}
                </li>
              )
            })}
          </ul>
        )}
      </div>

      <ConfirmDialog
        open={withdrawing !== null}
        title="Withdraw this invite?"
        body={<>Its code will stop working{withdrawing?.note ? ` (“${withdrawing.note}”)` : ''}.</>}
        confirmLabel="Withdraw"
        danger
        onConfirm={() => void withdraw()}
        onCancel={() => setWithdrawing(null)}
      />
    </Card>
  )
}
