// The Knowledge Vault: the user's documents, uploaded by drag-and-drop or a file picker
// (each with its own progress), followed until ingested, searched by passage, deleted.
import { useCallback, useEffect, useId, useRef, useState } from 'react'
import { api, ApiError } from '../api/client'
import type { ChunkMatch, VaultDocument } from '../api/types'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { Icon } from '../components/Icon'
import { Spinner } from '../components/Spinner'
import { cn } from '../lib/cn'
import { formatBytes } from '../lib/format'
import { snippetParts } from '../lib/snippet'
import { uploadFile } from '../lib/upload'
import { LoadFailed, ProblemAlert, Loading } from '../components/LoadState'

const ACCEPT = '.txt,.md,.markdown,.csv,.html,.htm,.pdf,.docx'
const PAGE = 50

interface Upload {
  key: string
  name: string
  size: number
  progress: number
  error: string | null
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

const STATUS_STYLE: Record<VaultDocument['status'], string> = {
  processing: 'border-line text-muted',
  ready: 'border-[#1f8a4c]/40 bg-[#1f8a4c]/10 text-[#1a7341] dark:text-[#5fd08f]',
  failed: 'border-danger-line bg-danger-soft text-danger',
}
const STATUS_LABEL: Record<VaultDocument['status'], string> = {
  processing: 'Processing',
  ready: 'Ready',
  failed: 'Failed',
}

function StatusBadge({ status }: { status: VaultDocument['status'] }) {
  return (
    <span
      data-testid="document-status"
      className={cn(
        'inline-flex items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-medium',
        STATUS_STYLE[status],
      )}
    >
      {status === 'processing' && (
        <span aria-hidden="true" className="size-1.5 animate-pulse rounded-full bg-accent" />
      )}
      {STATUS_LABEL[status]}
    </span>
  )
}

function UploadRow({ upload, onDismiss }: { upload: Upload; onDismiss: () => void }) {
  const percent = Math.round(upload.progress * 100)
  return (
    <li
      data-testid="upload-row"
      className={cn(
        'rounded-xl border px-3.5 py-2.5',
        upload.error ? 'border-danger-line bg-danger-soft' : 'border-line bg-surface/60',
      )}
    >
      <div className="flex items-center gap-2 text-sm">
        <Icon name="file" size={16} className="shrink-0 text-subtle" />
        <span className="min-w-0 flex-1 truncate font-medium">{upload.name}</span>
        <span className="shrink-0 text-xs text-subtle">{formatBytes(upload.size)}</span>
        {upload.error && (
          <button
            type="button"
            aria-label={`Dismiss ${upload.name}`}
            onClick={onDismiss}
            className="inline-flex size-7 items-center justify-center rounded-lg text-muted hover:bg-canvas hover:text-fg"
          >
            <Icon name="x" size={14} />
          </button>
        )}
      </div>
      {upload.error ? (
        <p role="alert" data-testid="upload-error" className="mt-1 text-sm text-danger">
          {upload.error}
        </p>
      ) : (
        <div
          role="progressbar"
          aria-label={`Uploading ${upload.name}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          className="mt-2 h-1.5 overflow-hidden rounded-full bg-line"
        >
          <div
            className="h-full rounded-full bg-accent transition-[width]"
            style={{ width: `${percent}%` }}
          />
        </div>
      )}
    </li>
  )
}

export default function VaultPage() {
  const [documents, setDocuments] = useState<VaultDocument[]>([])
  const [next, setNext] = useState<string | null>(null)
  const [status, setStatus] = useState<'loading' | 'ready' | 'error'>('loading')
  const [problem, setProblem] = useState<string | null>(null)
  const [uploads, setUploads] = useState<Upload[]>([])
  const [dragging, setDragging] = useState(false)
  const [deleting, setDeleting] = useState<VaultDocument | null>(null)
  const [query, setQuery] = useState('')
  const [results, setResults] = useState<ChunkMatch[] | null>(null)
  const [searching, setSearching] = useState(false)
  const [searchError, setSearchError] = useState<string | null>(null)
  const dragDepth = useRef(0)
  const counter = useRef(0)
  const headingId = useId()

  const load = useCallback(async (cursor: string | null = null) => {
    if (!cursor) setStatus('loading')
    try {
      const page = await api.documents({ limit: PAGE, cursor })
      setDocuments((shown) => (cursor ? [...shown, ...page.items] : page.items))
      setNext(page.next ?? null)
      setStatus('ready')
    } catch (error) {
      if (cursor) setProblem(errorText(error))
      else setStatus('error')
    }
  }, [])

  useEffect(() => {
    void load()
  }, [load])

  // Poll each document still being processed, every second, until it is ready or failed.
  const processing = documents
    .filter((d) => d.status === 'processing')
    .map((d) => d.id)
    .join(',')
  useEffect(() => {
    if (!processing) return
    const ids = processing.split(',')
    const timer = setInterval(() => {
      for (const docId of ids) {
        api.document(docId).then(
          (fresh) => setDocuments((shown) => shown.map((d) => (d.id === fresh.id ? fresh : d))),
          (error: unknown) => {
            if (error instanceof ApiError && error.status === 404) {
              setDocuments((shown) => shown.filter((d) => d.id !== docId))
            }
          },
        )
      }
    }, 1000)
    return () => clearInterval(timer)
  }, [processing])

  const patchUpload = (key: string, patch: Partial<Upload>) =>
    setUploads((all) => all.map((u) => (u.key === key ? { ...u, ...patch } : u)))

  const start = (files: FileList | File[]) => {
    for (const file of Array.from(files)) {
      counter.current += 1
      const key = `upload-${counter.current}`
      setUploads((all) => [...all, { key, name: file.name, size: file.size, progress: 0, error: null }])
      const { done } = uploadFile<VaultDocument>('/api/documents/upload', file, (progress) =>
        patchUpload(key, { progress }),
      )
      done.then(
        (document) => {
          setUploads((all) => all.filter((u) => u.key !== key))
          setDocuments((shown) => [document, ...shown.filter((d) => d.id !== document.id)])
        },
        (error: unknown) => patchUpload(key, { error: errorText(error) }),
      )
    }
  }

  const confirmDelete = async () => {
    if (!deleting) return
    const doc = deleting
    setDeleting(null)
    try {
      await api.deleteDocument(doc.id)
      setDocuments((shown) => shown.filter((d) => d.id !== doc.id))
      setResults((found) => found?.filter((r) => r.document.id !== doc.id) ?? null)
      setProblem(null)
    } catch (error) {
      setProblem(errorText(error))
    }
  }

  const search = async (event: React.FormEvent) => {
    event.preventDefault()
    const words = query.trim()
    if (!words) {
      setResults(null)
      return
    }
    setSearching(true)
    setSearchError(null)
    try {
      setResults(await api.searchPassages({ query: words, top_k: 8 }))
    } catch (error) {
      setSearchError(errorText(error))
      setResults(null)
    } finally {
      setSearching(false)
    }
  }

  return (
    <div
      className="relative flex min-h-0 flex-1 flex-col"
      data-testid="vault-page"
      onDragEnter={(event) => {
        if (!event.dataTransfer.types.includes('Files')) return
        event.preventDefault()
        dragDepth.current += 1
        setDragging(true)
      }}
      onDragOver={(event) => {
        if (event.dataTransfer.types.includes('Files')) event.preventDefault()
      }}
      onDragLeave={() => {
        dragDepth.current = Math.max(0, dragDepth.current - 1)
        if (dragDepth.current === 0) setDragging(false)
      }}
      onDrop={(event) => {
        event.preventDefault()
        dragDepth.current = 0
        setDragging(false)
        if (event.dataTransfer.files.length) start(event.dataTransfer.files)
      }}
    >
      <div className="scrollbar-thin flex-1 overflow-y-auto">
        <div className="mx-auto w-full max-w-3xl space-y-8 px-4 py-6 md:px-6 md:py-8">
          <section aria-labelledby={headingId}>
            <h2 id={headingId} className="text-xl font-semibold tracking-tight">
              Knowledge Vault
            </h2>
            <p className="mt-1 text-sm text-muted">
              Documents Gantry can draw on when it answers you. Only you can see them.
            </p>

            <div
              className={cn(
                'mt-5 flex flex-col items-center gap-3 rounded-2xl border-2 border-dashed px-4 py-7 text-center transition-colors',
                dragging ? 'border-accent bg-accent-soft' : 'border-line bg-surface/40',
              )}
            >
              <Icon name="file" size={26} className="text-subtle" />
              <p className="text-sm text-muted">
                Drop files anywhere on this page, or{' '}
                <label
                  htmlFor="vault-upload"
                  className="cursor-pointer font-medium text-accent-text underline-offset-2 hover:underline"
                >
                  choose files
                </label>
              </p>
              <p className="text-xs text-subtle">Text, Markdown, CSV, HTML, PDF or Word (.docx)</p>
              <input
                id="vault-upload"
                type="file"
                multiple
                accept={ACCEPT}
                data-testid="upload-input"
                aria-label="Upload documents"
                className="peer sr-only"
                onChange={(event) => {
                  if (event.target.files?.length) start(event.target.files)
                  event.target.value = ''
                }}
              />
              <label
                htmlFor="vault-upload"
                aria-hidden="true"
                className="inline-flex cursor-pointer items-center gap-1.5 rounded-lg bg-accent px-3.5 py-2 text-sm font-medium text-white hover:bg-accent-hover peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-accent"
              >
                <Icon name="plus" size={16} />
                Upload documents
              </label>
            </div>

            {uploads.length > 0 && (
              <ul className="mt-4 space-y-2" aria-label="Uploads">
                {uploads.map((upload) => (
                  <UploadRow
                    key={upload.key}
                    upload={upload}
                    onDismiss={() => setUploads((all) => all.filter((u) => u.key !== upload.key))}
                  />
                ))}
              </ul>
            )}
          </section>

          <section aria-labelledby="vault-search-title">
            <h3 id="vault-search-title" className="text-sm font-semibold">
              Search your documents
            </h3>
            <form role="search" onSubmit={(event) => void search(event)} className="mt-2 flex gap-2">
              <div className="relative min-w-0 flex-1">
                <Icon
                  name="search"
                  size={15}
                  className="pointer-events-none absolute left-2.5 top-1/2 -translate-y-1/2 text-subtle"
                />
                <input
                  type="search"
                  value={query}
                  onChange={(event) => setQuery(event.target.value)}
                  maxLength={300}
                  placeholder="Find a passage"
                  aria-label="Search passages"
                  data-testid="passage-search"
                  className="w-full rounded-lg border border-line bg-canvas py-2 pl-8 pr-2.5 text-sm placeholder:text-subtle focus:border-line-strong focus:outline-none focus-visible:outline-2 focus-visible:outline-offset-0"
                />
              </div>
              <button
                type="submit"
                data-testid="passage-search-submit"
                disabled={searching}
                className="rounded-lg border border-line px-3.5 py-2 text-sm font-medium hover:bg-surface disabled:opacity-50"
              >
                Search
              </button>
            </form>
            {searchError && (
              <p role="alert" className="mt-2 text-sm text-danger">
                {searchError}
              </p>
            )}
            <div aria-live="polite">
              {searching && (
                <div className="mt-3">
                  <Spinner label="Searching" />
                </div>
              )}
              {results && !searching && results.length === 0 && (
                <p className="mt-3 text-sm text-subtle">No passage matches “{query.trim()}”.</p>
              )}
              {results && results.length > 0 && !searching && (
                <ul className="mt-3 space-y-2" aria-label="Matching passages">
                  {results.map((match) => (
                    <li
                      key={match.chunk_id}
                      data-testid="passage-result"
                      className="rounded-xl border border-line bg-surface/50 px-3.5 py-2.5 text-sm"
                    >
                      <div className="flex flex-wrap items-center gap-x-2 text-xs text-subtle">
                        <Icon name="file" size={13} />
                        <span className="font-medium text-fg">{match.document.filename}</span>
                        {match.heading && <span className="truncate">{match.heading}</span>}
                        {match.page != null && <span>page {match.page}</span>}
                      </div>
                      <p className="mt-1 leading-relaxed text-muted">
                        {snippetParts(match.snippet).map((part, i) =>
                          part.mark ? (
                            <mark key={i} className="rounded-sm bg-accent-soft px-0.5 text-accent-text">
                              {part.text}
                            </mark>
                          ) : (
                            <span key={i}>{part.text}</span>
                          ),
                        )}
                      </p>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </section>

          <section aria-labelledby="vault-docs-title">
            <h3 id="vault-docs-title" className="text-sm font-semibold">
              Your documents
              {status === 'ready' && (
                <span className="ml-1.5 font-normal text-subtle">
                  ({documents.length}
                  {next ? '+' : ''})
                </span>
              )}
            </h3>
            {problem && (
              <ProblemAlert message={problem} onDismiss={() => setProblem(null)} className="mt-2" />
            )}
            {status === 'loading' && <Loading label="Loading documents" />}
            {status === 'error' && (
              <LoadFailed
                what="your documents"
                onRetry={() => void load()}
                className="mt-3 text-sm text-muted"
              />
            )}
            {status === 'ready' && documents.length === 0 && (
              <p className="mt-3 rounded-xl border border-line px-4 py-6 text-center text-sm text-subtle">
                No documents yet. Upload one to let Gantry cite it.
              </p>
            )}
            {documents.length > 0 && (
              <ul className="mt-2 divide-y divide-line rounded-xl border border-line" aria-label="Documents">
                {documents.map((doc) => (
                  <li
                    key={doc.id}
                    data-testid="document-row"
                    data-status={doc.status}
                    className="flex items-start gap-3 px-3.5 py-3"
                  >
                    <Icon name="file" size={18} className="mt-0.5 shrink-0 text-subtle" />
                    <div className="min-w-0 flex-1">
                      <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                        <span
                          className="min-w-0 truncate text-sm font-medium [overflow-wrap:anywhere]"
                          title={doc.filename}
                        >
                          {doc.filename}
                        </span>
                        <StatusBadge status={doc.status} />
                      </div>
                      <p className="mt-0.5 text-xs text-subtle">
                        {formatBytes(doc.size_bytes)} ·{' '}
                        <time dateTime={doc.created_at}>
                          {new Date(doc.created_at).toLocaleString(undefined, {
                            dateStyle: 'medium',
                            timeStyle: 'short',
                          })}
                        </time>
                      </p>
                      {doc.status === 'failed' && (
                        <p data-testid="failure-reason" className="mt-1 text-sm text-danger">
                          {doc.failure_reason || 'It could not be read.'}
                        </p>
                      )}
                    </div>
                    <button
                      type="button"
                      data-testid="document-delete"
                      aria-label={`Delete ${doc.filename}`}
                      title="Delete"
                      onClick={() => setDeleting(doc)}
                      className="inline-flex size-8 shrink-0 items-center justify-center rounded-lg text-muted hover:bg-surface hover:text-danger"
                    >
                      <Icon name="trash" size={16} />
                    </button>
                  </li>
                ))}
              </ul>
            )}
            {next && (
              <div className="mt-3 flex justify-center">
                <button
                  type="button"
                  onClick={() => void load(next)}
                  className="rounded-lg px-3 py-1.5 text-sm text-muted hover:bg-surface hover:text-fg"
                >
                  Load more
                </button>
              </div>
            )}
          </section>
        </div>
      </div>

      {dragging && (
        <div
          aria-hidden="true"
          className="pointer-events-none absolute inset-2 flex items-center justify-center rounded-2xl border-2 border-dashed border-accent bg-canvas/85 text-base font-medium text-accent-text"
        >
          Drop to upload
        </div>
      )}

      <ConfirmDialog
        open={deleting !== null}
        title="Delete this document?"
        body={<>“{deleting?.filename}” and its passages will be deleted. Answers will no longer cite it.</>}
        confirmLabel="Delete"
        danger
        onConfirm={() => void confirmDelete()}
        onCancel={() => setDeleting(null)}
      />
    </div>
  )
}
