// Usage: tokens and model calls in a range of UTC days, by day, per user and per model,
// drawn as plain bars (no chart library), with the report's rows in a table below.
import { useCallback, useEffect, useId, useMemo, useState } from 'react'
import { Icon } from '../../components/Icon'
import { Loading } from '../../components/LoadState'
import {
  averageLatency,
  compactNumber,
  dailySeries,
  dayLabel,
  isDay,
  labelledDays,
  lastDays,
  niceMax,
  rangeQuery,
  rankBars,
  tokens,
  type DayBar,
  type RankedBar,
  type UsageMetric,
} from '../../lib/adminUsage'
import { cn } from '../../lib/cn'
import { formatMs } from '../../lib/format'
import { errorText } from '../../lib/errors'
import { adminApi } from './api'
import type { UsageReport, User } from './types'
import { Card, LoadError, Stat, fieldSm, labelSm, selectSm } from './ui'

const PRESETS = [7, 30, 90] as const
const ROWS_SHOWN = 50

function MetricSwitch({ metric, onChange }: { metric: UsageMetric; onChange: (m: UsageMetric) => void }) {
  return (
    <fieldset>
      <legend className="sr-only">Measure</legend>
      <div className="inline-flex rounded-lg border border-line p-0.5">
        {(['tokens', 'requests'] as const).map((value) => (
          <label
            key={value}
            className={cn(
              'cursor-pointer rounded-md px-3 py-1.5 text-sm font-medium has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-accent',
              metric === value ? 'bg-accent-soft text-accent-text' : 'text-muted hover:text-fg',
            )}
          >
            <input
              type="radio"
              name="usage-metric"
              value={value}
              checked={metric === value}
              onChange={() => onChange(value)}
              data-testid={`usage-metric-${value}`}
              className="sr-only"
            />
            {value === 'tokens' ? 'Tokens' : 'Calls'}
          </label>
        ))}
      </div>
    </fieldset>
  )
}

function Legend({ metric }: { metric: UsageMetric }) {
  if (metric !== 'tokens') return null
  return (
    <div className="flex items-center gap-3 text-xs text-muted" aria-hidden="true">
      <span className="flex items-center gap-1.5">
        <span className="size-2.5 rounded-sm bg-accent" /> Prompt
      </span>
      <span className="flex items-center gap-1.5">
        <span className="size-2.5 rounded-sm bg-accent/45" /> Answer
      </span>
    </div>
  )
}

function describe(totals: { requests: number; prompt_tokens: number; completion_tokens: number }): string {
  return `${totals.requests.toLocaleString()} calls, ${totals.prompt_tokens.toLocaleString()} prompt and ${totals.completion_tokens.toLocaleString()} answer tokens`
}

/** The days under the columns: a few, evenly spread, the first and last kept inside. */
function AxisLabels({ bars, count, className }: { bars: DayBar[]; count: number; className?: string }) {
  const labelled = labelledDays(
    bars.map((bar) => bar.day),
    count,
  )
  return (
    <div aria-hidden="true" className={cn('relative mt-1 h-4 text-[0.7rem] text-subtle', className)}>
      {bars.map((bar, i) => {
        if (!labelled.has(bar.day)) return null
        const centre = ((i + 0.5) / bars.length) * 100
        const style =
          i === bars.length - 1
            ? { right: 0 }
            : centre < 8
              ? { left: 0 }
              : { left: `${centre}%`, transform: 'translateX(-50%)' }
        return (
          <span key={bar.day} className="absolute whitespace-nowrap" style={style}>
            {dayLabel(bar.day)}
          </span>
        )
      })}
    </div>
  )
}

/** Columns for each day, stacked prompt and answer tokens (or calls), with a light grid. */
function DayChart({ bars, metric }: { bars: DayBar[]; metric: UsageMetric }) {
  const max = niceMax(Math.max(0, ...bars.map((bar) => bar.value)))
  const busiest = bars.reduce<DayBar | null>(
    (best, bar) => (!best || bar.value > best.value ? bar : best),
    null,
  )
  const summary = busiest?.value
    ? `${metric === 'tokens' ? 'Tokens' : 'Model calls'} per day, ${bars.length} days; the busiest was ${dayLabel(busiest.day, true)} with ${busiest.value.toLocaleString()}.`
    : `No use in these ${bars.length} days.`
  return (
    <figure data-testid="usage-by-day">
      <div className="flex gap-2">
        <div
          aria-hidden="true"
          className="flex h-44 w-9 shrink-0 flex-col justify-between text-right text-[0.7rem] tabular-nums text-subtle"
        >
          <span className="-translate-y-1/2">{compactNumber(max)}</span>
          <span>{compactNumber(max / 2)}</span>
          <span className="translate-y-1/2">0</span>
        </div>
        <div className="min-w-0 flex-1">
          <div role="img" aria-label={summary} className="relative h-44 border-b border-line-strong">
            <div aria-hidden="true" className="absolute inset-x-0 top-0 border-t border-dashed border-line" />
            <div
              aria-hidden="true"
              className="absolute inset-x-0 top-1/2 border-t border-dashed border-line"
            />
            <div className={cn('absolute inset-0 flex items-end', bars.length > 60 ? 'gap-px' : 'gap-[3px]')}>
              {bars.map((bar) => {
                const height = (bar.value / max) * 100
                const prompt = metric === 'tokens' && bar.value ? bar.totals.prompt_tokens / bar.value : 1
                return (
                  <div
                    key={bar.day}
                    title={`${dayLabel(bar.day, true)}: ${describe(bar.totals)}`}
                    data-testid="day-bar"
                    data-day={bar.day}
                    data-value={bar.value}
                    className="group relative flex h-full min-w-0 flex-1 flex-col justify-end"
                  >
                    <div
                      className="flex w-full flex-col overflow-hidden rounded-t-[3px] transition-opacity group-hover:opacity-80"
                      style={{ height: `${height}%`, minHeight: bar.value ? 2 : 0 }}
                    >
                      {metric === 'tokens' && (
                        <div className="w-full bg-accent/45" style={{ flex: 1 - prompt }} />
                      )}
                      <div className="w-full bg-accent" style={{ flex: prompt }} />
                    </div>
                  </div>
                )
              })}
            </div>
          </div>
          <AxisLabels bars={bars} count={bars.length > 40 ? 5 : 7} className="hidden sm:block" />
          <AxisLabels bars={bars} count={3} className="sm:hidden" />
        </div>
      </div>
    </figure>
  )
}

/** Horizontal bars, largest first: per user or per model. */
function RankChart({
  bars,
  metric,
  testId,
  empty,
}: {
  bars: RankedBar[]
  metric: UsageMetric
  testId: string
  empty: string
}) {
  if (bars.length === 0) return <p className="text-sm text-subtle">{empty}</p>
  return (
    <ul className="space-y-2.5" data-testid={testId}>
      {bars.map((bar) => {
        const prompt = metric === 'tokens' && bar.value ? bar.totals.prompt_tokens / bar.value : 1
        return (
          <li
            key={bar.key}
            data-testid="rank-bar"
            data-label={bar.label}
            title={`${bar.label}: ${describe(bar.totals)}`}
          >
            <div className="flex items-baseline justify-between gap-3 text-sm">
              <span className="min-w-0 truncate">{bar.label}</span>
              <span className="shrink-0 tabular-nums text-muted">
                {metric === 'tokens'
                  ? `${compactNumber(bar.value)} tokens`
                  : `${bar.value.toLocaleString()} calls`}
              </span>
            </div>
            <div className="mt-1 h-2.5 overflow-hidden rounded-full bg-surface-2" aria-hidden="true">
              <div
                className="flex h-full rounded-full"
                style={{ width: `${Math.max(bar.share * 100, bar.value ? 1.5 : 0)}%` }}
              >
                <div className="h-full bg-accent" style={{ flex: prompt }} />
                {metric === 'tokens' && <div className="h-full bg-accent/45" style={{ flex: 1 - prompt }} />}
              </div>
            </div>
          </li>
        )
      })}
    </ul>
  )
}

export default function UsageTab() {
  const initial = lastDays(30)
  const [from, setFrom] = useState(initial.from)
  const [to, setTo] = useState(initial.to)
  const [userId, setUserId] = useState('')
  const [metric, setMetric] = useState<UsageMetric>('tokens')
  const [report, setReport] = useState<UsageReport | null>(null)
  const [users, setUsers] = useState<User[]>([])
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading')
  const [loadError, setLoadError] = useState<unknown>(null)
  const [allRows, setAllRows] = useState(false)
  const ids = { from: useId(), to: useId(), user: useId() }

  // Names for the report's user ids (the report has ids only).
  useEffect(() => {
    adminApi.users({ limit: 500 }).then(
      (page) => setUsers(page.items),
      () => setUsers([]),
    )
  }, [])

  const rangeOk = isDay(from) && isDay(to) && from <= to
  const load = useCallback(async () => {
    if (!rangeOk) return
    setStatus((s) => (s === 'ready' ? s : 'loading'))
    try {
      setReport(await adminApi.usage({ ...rangeQuery(from, to), user_id: userId || undefined }))
      setStatus('ready')
    } catch (error) {
      setLoadError(error)
      setStatus('error')
    }
  }, [from, to, userId, rangeOk])

  useEffect(() => {
    void load()
  }, [load])

  const nameOf = useMemo(() => {
    const names = new Map(users.map((u) => [u.id, u.display_name || u.email]))
    return (id: string) => names.get(id) ?? `Deleted or unknown (${id.slice(0, 8)})`
  }, [users])

  const days = useMemo(
    () => (report ? dailySeries(report.by_day, from, to, metric) : []),
    [report, from, to, metric],
  )
  const perUser = useMemo(
    () => (report ? rankBars(report.by_user, metric, nameOf) : []),
    [report, metric, nameOf],
  )
  const perModel = useMemo(() => (report ? rankBars(report.by_model, metric) : []), [report, metric])
  const rows = useMemo(
    () =>
      report
        ? [...report.rows].sort(
            (a, b) =>
              b.day.localeCompare(a.day) ||
              b.prompt_tokens + b.completion_tokens - (a.prompt_tokens + a.completion_tokens),
          )
        : [],
    [report],
  )
  const shownRows = allRows ? rows : rows.slice(0, ROWS_SHOWN)
  const preset = PRESETS.find((n) => {
    const range = lastDays(n)
    return range.from === from && range.to === to
  })

  return (
    <div className="space-y-5" data-testid="usage-tab">
      <Card title="Range" description="Whole days in UTC, as usage is counted.">
        <div className="flex flex-wrap items-end gap-3">
          <div
            className="inline-flex rounded-lg border border-line p-0.5"
            role="group"
            aria-label="Quick ranges"
          >
            {PRESETS.map((n) => (
              <button
                key={n}
                type="button"
                aria-pressed={preset === n}
                onClick={() => {
                  const range = lastDays(n)
                  setFrom(range.from)
                  setTo(range.to)
                }}
                data-testid={`usage-preset-${n}`}
                className={cn(
                  'rounded-md px-2.5 py-1.5 text-sm font-medium',
                  preset === n ? 'bg-accent-soft text-accent-text' : 'text-muted hover:text-fg',
                )}
              >
                {n} days
              </button>
            ))}
          </div>
          <div className="grid w-full grid-cols-2 gap-2 sm:w-auto">
            <div>
              <label htmlFor={ids.from} className={labelSm}>
                From
              </label>
              <input
                id={ids.from}
                type="date"
                value={from}
                max={to}
                onChange={(event) => setFrom(event.target.value)}
                data-testid="usage-from"
                className={fieldSm}
              />
            </div>
            <div>
              <label htmlFor={ids.to} className={labelSm}>
                To
              </label>
              <input
                id={ids.to}
                type="date"
                value={to}
                min={from}
                onChange={(event) => setTo(event.target.value)}
                data-testid="usage-to"
                className={fieldSm}
              />
            </div>
          </div>
          <div className="min-w-0 flex-1 sm:w-48 sm:flex-none">
            <label htmlFor={ids.user} className={labelSm}>
              User
            </label>
            <select
              id={ids.user}
              value={userId}
              onChange={(event) => setUserId(event.target.value)}
              data-testid="usage-user"
              className={selectSm}
            >
              <option value="">Everyone</option>
              {users.map((user) => (
                <option key={user.id} value={user.id}>
                  {user.display_name || user.email}
                </option>
              ))}
            </select>
          </div>
          <MetricSwitch metric={metric} onChange={setMetric} />
        </div>
        {!rangeOk && (
          <p role="alert" className="mt-3 text-sm text-danger">
            Choose a start day on or before the end day.
          </p>
        )}
      </Card>

      {status === 'loading' && <Loading label="Loading usage" />}
      {status === 'error' && <LoadError error={loadError} what="the usage" onRetry={() => void load()} />}
      {status === 'ready' && report && (
        <>
          <div className="grid grid-cols-2 gap-3 md:grid-cols-4" data-testid="usage-totals">
            <Stat
              label="Model calls"
              icon="message"
              value={report.total.requests.toLocaleString()}
              testId="usage-requests"
            />
            <Stat
              label="Tokens"
              icon="chart"
              value={compactNumber(tokens(report.total))}
              hint={
                tokens(report.total) >= 1000 ? `${tokens(report.total).toLocaleString()} in all` : undefined
              }
              testId="usage-tokens"
            />
            <Stat label="Prompt tokens" value={compactNumber(report.total.prompt_tokens)} />
            <Stat label="Answer tokens" value={compactNumber(report.total.completion_tokens)} />
          </div>

          <Card
            title="By day"
            description={`${dayLabel(from, true)} to ${dayLabel(to, true)}`}
            actions={<Legend metric={metric} />}
          >
            <DayChart bars={days} metric={metric} />
          </Card>

          <div className="grid gap-5 md:grid-cols-2">
            <Card title="Per user" actions={<Legend metric={metric} />}>
              <RankChart
                bars={perUser}
                metric={metric}
                testId="usage-by-user"
                empty="Nobody used a model in this range."
              />
            </Card>
            <Card title="Per model" actions={<Legend metric={metric} />}>
              <RankChart
                bars={perModel}
                metric={metric}
                testId="usage-by-model"
                empty="No model was used in this range."
              />
            </Card>
          </div>

          <Card
            title="Details"
            description="Each user’s use of each model, a row a day, newest first."
            testId="usage-table-card"
          >
            {rows.length === 0 ? (
              <p className="text-sm text-subtle">Nothing in this range.</p>
            ) : (
              <>
                <ul
                  className="divide-y divide-line rounded-xl border border-line md:hidden"
                  aria-label="Usage"
                >
                  {shownRows.map((row) => (
                    <li key={`${row.day}-${row.user_id}-${row.model}`} className="px-3.5 py-2.5 text-sm">
                      <div className="flex items-baseline justify-between gap-3">
                        <span className="min-w-0 truncate font-medium">{nameOf(row.user_id)}</span>
                        <span className="shrink-0 text-xs text-subtle">{dayLabel(row.day, true)}</span>
                      </div>
                      <p className="truncate font-mono text-xs text-muted">{row.model}</p>
                      <p className="mt-1 text-xs tabular-nums text-muted">
                        {row.requests.toLocaleString()} calls · {row.prompt_tokens.toLocaleString()} prompt ·{' '}
                        {row.completion_tokens.toLocaleString()} answer ·{' '}
                        {formatMs(averageLatency(row.total_latency_ms, row.requests))} a call
                      </p>
                    </li>
                  ))}
                </ul>
                <div className="scrollbar-thin hidden overflow-x-auto md:block">
                  <table className="w-full min-w-[40rem] text-sm" data-testid="usage-table">
                    <thead>
                      <tr className="border-b border-line text-left text-xs text-muted">
                        <th scope="col" className="py-2 pr-3 font-medium">
                          Day
                        </th>
                        <th scope="col" className="py-2 pr-3 font-medium">
                          User
                        </th>
                        <th scope="col" className="py-2 pr-3 font-medium">
                          Model
                        </th>
                        <th scope="col" className="py-2 pr-3 text-right font-medium">
                          Calls
                        </th>
                        <th scope="col" className="py-2 pr-3 text-right font-medium">
                          Prompt
                        </th>
                        <th scope="col" className="py-2 pr-3 text-right font-medium">
                          Answer
                        </th>
                        <th scope="col" className="py-2 text-right font-medium">
                          Avg. time
                        </th>
                      </tr>
                    </thead>
                    <tbody className="divide-y divide-line">
                      {shownRows.map((row) => (
                        <tr key={`${row.day}-${row.user_id}-${row.model}`} data-testid="usage-row">
                          <td className="whitespace-nowrap py-2 pr-3">{dayLabel(row.day, true)}</td>
                          <td className="max-w-[12rem] truncate py-2 pr-3">{nameOf(row.user_id)}</td>
                          <td className="max-w-[14rem] truncate py-2 pr-3 font-mono text-xs">{row.model}</td>
                          <td className="py-2 pr-3 text-right tabular-nums">
                            {row.requests.toLocaleString()}
                          </td>
                          <td className="py-2 pr-3 text-right tabular-nums">
                            {row.prompt_tokens.toLocaleString()}
                          </td>
                          <td className="py-2 pr-3 text-right tabular-nums">
                            {row.completion_tokens.toLocaleString()}
                          </td>
                          <td className="whitespace-nowrap py-2 text-right tabular-nums">
                            {formatMs(averageLatency(row.total_latency_ms, row.requests))}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                {rows.length > ROWS_SHOWN && (
                  <button
                    type="button"
                    onClick={() => setAllRows((all) => !all)}
                    className="mt-3 inline-flex items-center gap-1 text-sm font-medium text-accent-text hover:underline"
                  >
                    <Icon name={allRows ? 'chevronDown' : 'chevronRight'} size={14} />
                    {allRows ? `Show the first ${ROWS_SHOWN}` : `Show all ${rows.length} rows`}
                  </button>
                )}
              </>
            )}
          </Card>
        </>
      )}
      {status === 'ready' && !report && <p className="text-sm text-danger">{errorText(loadError)}</p>}
    </div>
  )
}
