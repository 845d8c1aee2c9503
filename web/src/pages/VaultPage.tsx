// The Knowledge Vault: the user's documents, uploaded by drag-and-drop or a file picker
// (each with its own progress), followed until ingested, searched by passage, deleted; and
// their collections (named groups a conversation can be limited to), which filter the list.
// `?document=<id>` (from the search dialog) brings that document's row into view, focused
// and highlighted for a moment.
import { useCallback, useEffect, useId, useRef, useState } from 'react'
import { useSearchParams } from 'react-router'
import { api, ApiError, request } from '../api/client'
import type { ChunkMatch, Page, VaultDocument } from '../api/types'
import { Picker } from '../chat/Picker'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { Icon } from '../components/Icon'
import { Spinner } from '../components/Spinner'
import { cn } from '../lib/cn'
import { formatBytes } from '../lib/format'
import { snippetParts } from '../lib/snippet'
import { uploadFile } from '../lib/upload'
import { LoadFailed, ProblemAlert, Loading } from '../components/LoadState'
import { collectionsOf, useCollections, type Collection } from '../stores/collections'
import { errorText } from '../lib/errors'

const ACCEPT = '.txt,.md,.markdown,.csv,.html,.htm,.pdf,.docx'
const PAGE = 50

interface Upload {
  key: string
  name: string
  size: number
  progress: number
  error: string | null
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

const field =
  'w-full rounded-lg border border-line bg-canvas px-3 py-2 text-sm text-fg placeholder:text-subtle focus:border-line-strong focus:outline-none focus-visible:outline-2 focus-visible:outline-offset-0'

/** A collection's name and description, for a new one or a rename. */
function CollectionForm({
  initial,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  initial?: Collection
  submitLabel: string
  onSubmit: (name: string, description: string) => Promise<void>
  onCancel: () => void
}) {
  const [name, setName] = useState(initial?.name ?? '')
  const [description, setDescription] = useState(initial?.description ?? '')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const nameId = useId()
  const descriptionId = useId()

  const submit = async (event: React.FormEvent) => {
    event.preventDefault()
    const words = name.trim()
    if (!words) {
      setError('A collection needs a name.')
      return
    }
    setBusy(true)
    setError(null)
    try {
      await onSubmit(words, description.trim())
    } catch (caught) {
      setError(errorText(caught))
      setBusy(false)
    }
  }

  return (
    <form
      onSubmit={(event) => void submit(event)}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault()
          onCancel()
        }
      }}
      data-testid="collection-form"
      className="mt-3 grid gap-3 rounded-xl border border-line bg-surface/50 p-3.5 sm:grid-cols-[minmax(0,1fr)_minmax(0,1.4fr)]"
    >
      <div className="min-w-0">
        <label htmlFor={nameId} className="mb-1 block text-xs font-medium text-muted">
          Name
        </label>
        <input
          id={nameId}
          autoFocus
          value={name}
          onChange={(event) => setName(event.target.value)}
          maxLength={200}
          placeholder="e.g. Tax 2024"
          data-testid="collection-name"
          aria-invalid={Boolean(error)}
          className={field}
        />
      </div>
      <div className="min-w-0">
        <label htmlFor={descriptionId} className="mb-1 block text-xs font-medium text-muted">
          Description <span className="font-normal text-subtle">(optional)</span>
        </label>
        <input
          id={descriptionId}
          value={description}
          onChange={(event) => setDescription(event.target.value)}
          maxLength={1000}
          placeholder="What belongs in it"
          data-testid="collection-description"
          className={field}
        />
      </div>
      {error && (
        <p role="alert" className="text-sm text-danger sm:col-span-2">
          {error}
        </p>
      )}
      <div className="flex justify-end gap-2 sm:col-span-2">
        <button
          type="button"
          onClick={onCancel}
          className="rounded-lg border border-line px-3 py-1.5 text-sm font-medium hover:bg-canvas"
        >
          Cancel
        </button>
        <button
          type="submit"
          disabled={busy}
          data-testid="collection-save"
          className="rounded-lg bg-accent px-3 py-1.5 text-sm font-medium text-white hover:bg-accent-hover disabled:opacity-50"
        >
          {submitLabel}
        </button>
      </div>
    </form>
  )
}

/** The collections: a filter for the document list, and where they are made and changed. */
function Collections({
  selected,
  onSelect,
  onProblem,
}: {
  selected: string | null
  onSelect: (collectionId: string | null) => void
  onProblem: (text: string) => void
}) {
  const items = useCollections((s) => s.items)
  const members = useCollections((s) => s.members)
  const status = useCollections((s) => s.status)
  const load = useCollections((s) => s.load)
  const [form, setForm] = useState<'new' | 'rename' | null>(null)
  const [deleting, setDeleting] = useState<Collection | null>(null)
  const titleId = useId()
  const current = items.find((c) => c.id === selected) ?? null

  const confirmDelete = async () => {
    if (!deleting) return
    const collection = deleting
    setDeleting(null)
    try {
      await useCollections.getState().remove(collection)
      if (selected === collection.id) onSelect(null)
    } catch (error) {
      onProblem(errorText(error))
    }
  }

  const chip = (active: boolean) =>
    cn(
      'inline-flex max-w-full items-center gap-1.5 rounded-full border px-3 py-1.5 text-sm transition-colors',
      active
        ? 'border-accent/50 bg-accent-soft font-medium text-accent-text'
        : 'border-line text-muted hover:border-line-strong hover:bg-surface hover:text-fg',
    )

  return (
    <section aria-labelledby={titleId} data-testid="collections">
      <div className="flex items-center gap-2">
        <h3 id={titleId} className="flex-1 text-sm font-semibold">
          Collections
        </h3>
        <button
          type="button"
          onClick={() => setForm(form === 'new' ? null : 'new')}
          aria-expanded={form === 'new'}
          data-testid="new-collection"
          className="inline-flex items-center gap-1 rounded-lg px-2 py-1 text-sm font-medium text-accent-text hover:bg-accent-soft"
        >
          <Icon name="plus" size={15} />
          New collection
        </button>
      </div>
      <p className="mt-0.5 text-sm text-muted">
        Group documents, then limit a chat to a group with its Sources.
      </p>

      {form === 'new' && (
        <CollectionForm
          submitLabel="Create"
          onCancel={() => setForm(null)}
          onSubmit={async (name, description) => {
            const made = await useCollections.getState().create(name, description)
            setForm(null)
            onSelect(made.id)
          }}
        />
      )}

      {status === 'error' && (
        <LoadFailed
          what="your collections"
          onRetry={() => void load(true)}
          className="mt-3 text-sm text-muted"
        />
      )}
      {status === 'ready' && items.length === 0 && form !== 'new' && (
        <p className="mt-3 text-sm text-subtle" data-testid="collections-empty">
          No collections yet.
        </p>
      )}
      {items.length > 0 && (
        <div role="group" aria-label="Show documents of" className="mt-3 flex flex-wrap gap-1.5">
          <button
            type="button"
            aria-pressed={selected === null}
            onClick={() => onSelect(null)}
            data-testid="collection-filter-all"
            className={chip(selected === null)}
          >
            <Icon name="layers" size={14} className="shrink-0" />
            All documents
          </button>
          {items.map((c) => (
            <button
              key={c.id}
              type="button"
              aria-pressed={selected === c.id}
              onClick={() => onSelect(selected === c.id ? null : c.id)}
              data-testid="collection-chip"
              data-name={c.name}
              title={c.description || c.name}
              className={chip(selected === c.id)}
            >
              <Icon name="folder" size={14} className="shrink-0" />
              <span className="min-w-0 truncate">{c.name}</span>
              <span className="shrink-0 text-xs tabular-nums opacity-75">{members[c.id]?.length ?? 0}</span>
            </button>
          ))}
        </div>
      )}

      {current && form !== 'rename' && (
        <div
          data-testid="collection-detail"
          className="mt-3 flex items-center gap-3 rounded-xl border border-line bg-surface/50 px-3.5 py-2.5"
        >
          <Icon name="folder" size={18} className="shrink-0 text-accent-text" />
          <div className="min-w-0 flex-1">
            <p className="truncate text-sm font-medium" data-testid="collection-title">
              {current.name}
            </p>
            <p className="truncate text-xs text-subtle">
              {current.description || 'No description'} · {members[current.id]?.length ?? 0} document
              {(members[current.id]?.length ?? 0) === 1 ? '' : 's'}
            </p>
          </div>
          <button
            type="button"
            onClick={() => setForm('rename')}
            aria-label={`Rename ${current.name}`}
            title="Rename"
            data-testid="collection-rename"
            className="inline-flex size-8 shrink-0 items-center justify-center rounded-lg text-muted hover:bg-canvas hover:text-fg"
          >
            <Icon name="pencil" size={15} />
          </button>
          <button
            type="button"
            onClick={() => setDeleting(current)}
            aria-label={`Delete ${current.name}`}
            title="Delete"
            data-testid="collection-delete"
            className="inline-flex size-8 shrink-0 items-center justify-center rounded-lg text-muted hover:bg-canvas hover:text-danger"
          >
            <Icon name="trash" size={15} />
          </button>
        </div>
      )}
      {current && form === 'rename' && (
        <CollectionForm
          initial={current}
          submitLabel="Save"
          onCancel={() => setForm(null)}
          onSubmit={async (name, description) => {
            await useCollections.getState().update(current, { name, description })
            setForm(null)
          }}
        />
      )}

      <ConfirmDialog
        open={deleting !== null}
        title="Delete this collection?"
        body={<>“{deleting?.name}” will be deleted. Its documents stay in your Vault.</>}
        confirmLabel="Delete"
        danger
        onConfirm={() => void confirmDelete()}
        onCancel={() => setDeleting(null)}
      />
    </section>
  )
}

/** Which collections a document is in, changed from a list of them all. */
function DocumentCollections({
  document,
  onChange,
}: {
  document: VaultDocument
  onChange: (collectionId: string, member: boolean) => void
}) {
  const items = useCollections((s) => s.items)
  const members = useCollections((s) => s.members)
  const status = useCollections((s) => s.status)
  const inside = collectionsOf(document.id, items, members)
  const value =
    inside.length === 0
      ? 'Add to a collection'
      : inside.length === 1
        ? inside[0].name
        : `${inside[0].name} +${inside.length - 1}`
  return (
    <Picker
      label="Collections"
      icon="folder"
      value={value}
      options={items.map((c) => ({
        value: c.id,
        label: c.name,
        icon: 'folder',
        testId: 'collection-option',
        data: { name: c.name },
      }))}
      selected={inside.map((c) => c.id)}
      multiple
      onSelect={(collectionId) => onChange(collectionId, !inside.some((c) => c.id === collectionId))}
      state={status === 'error' ? 'error' : status === 'ready' ? 'ready' : 'loading'}
      empty="No collections yet: make one above."
      testId="document-collections"
      listTestId="collection-options"
      width={280}
      compact
      className={cn('mt-1.5 max-w-full', inside.length === 0 && 'border-dashed')}
    />
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
  const [params, setParams] = useSearchParams()
  const collections = useCollections((s) => s.items)
  const collectionsStatus = useCollections((s) => s.status)
  // The collection whose documents are shown (`?collection=`), once it is known to exist.
  const wanted = params.get('collection')
  const filter =
    wanted && (collectionsStatus !== 'ready' || collections.some((c) => c.id === wanted)) ? wanted : null
  const filtered = collections.find((c) => c.id === filter) ?? null
  const filterRef = useRef(filter)
  filterRef.current = filter

  const selectCollection = (collectionId: string | null) =>
    setParams(collectionId ? { collection: collectionId } : {}, { replace: true })

  // A document asked for by `?document=`: sought until its row is shown, then highlighted.
  const asked = params.get('document')
  const [sought, setSought] = useState<string | null>(null)
  const soughtRef = useRef(sought)
  soughtRef.current = sought
  const [highlighted, setHighlighted] = useState<string | null>(null)
  const [announcement, setAnnouncement] = useState('')
  const listRef = useRef<HTMLUListElement>(null)
  // The collection the shown documents were loaded for (`undefined`: none loaded yet).
  const shownFor = useRef<string | null | undefined>(undefined)

  const load = useCallback(
    async (cursor: string | null = null) => {
      if (!cursor) setStatus('loading')
      try {
        // A collection's documents come whole, in one page.
        const page = filter
          ? await request<Page<VaultDocument>>('/api/documents', { query: { collection_id: filter } })
          : await api.documents({ limit: PAGE, cursor })
        if (filterRef.current !== filter) return
        setDocuments((shown) => {
          if (!cursor) return page.items
          // A document fetched on its own (one sought) may come again in a later page.
          const seen = new Set(shown.map((d) => d.id))
          return [...shown, ...page.items.filter((d) => !seen.has(d.id))]
        })
        setNext(page.next ?? null)
        shownFor.current = filter
        setStatus('ready')
      } catch (error) {
        if (cursor) setProblem(errorText(error))
        else setStatus('error')
      }
    },
    [filter],
  )

  useEffect(() => {
    void load()
  }, [load])

  useEffect(() => {
    void useCollections.getState().load(true)
  }, [])

  // Asked for a document: its row is sought, and the collection filter goes unless the
  // document is in that collection (known once the collections are loaded).
  useEffect(() => {
    if (!asked) return
    if (wanted && collectionsStatus !== 'ready' && collectionsStatus !== 'error') return
    const keep = wanted !== null && (useCollections.getState().members[wanted]?.includes(asked) ?? false)
    setSought(asked)
    setHighlighted(null)
    setParams(keep && wanted ? { collection: wanted } : {}, { replace: true })
  }, [asked, wanted, collectionsStatus, setParams])

  // Sought: highlighted once the list (for the filter now in force) holds it; fetched on its
  // own when it is further down than the pages loaded.
  const fetching = useRef<string | null>(null)
  useEffect(() => {
    if (!sought || asked || status !== 'ready' || shownFor.current !== filter) return
    if (documents.some((d) => d.id === sought)) {
      setSought(null)
      setHighlighted(sought)
      return
    }
    if (fetching.current === sought) return
    fetching.current = sought
    api.document(sought).then(
      (found) => {
        fetching.current = null
        if (soughtRef.current !== found.id) return
        setDocuments((shown) => (shown.some((d) => d.id === found.id) ? shown : [...shown, found]))
      },
      (error: unknown) => {
        fetching.current = null
        if (soughtRef.current !== sought) return
        setSought(null)
        setProblem(
          error instanceof ApiError && error.status === 404
            ? 'That document is not in your Vault any more.'
            : errorText(error),
        )
      },
    )
  }, [sought, asked, status, filter, documents])

  // The highlighted row: scrolled to the middle, focused (a screen reader reads it) and
  // announced; the highlight fades after a few seconds, the focus stays.
  useEffect(() => {
    if (!highlighted) return
    const row = Array.from(listRef.current?.querySelectorAll<HTMLElement>('[data-document-id]') ?? []).find(
      (element) => element.dataset.documentId === highlighted,
    )
    if (!row) return
    const still = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches
    row.scrollIntoView({ block: 'center', behavior: still ? 'auto' : 'smooth' })
    row.focus({ preventScroll: true })
    const name = row.getAttribute('data-filename') ?? 'The document'
    setAnnouncement(`${name} is highlighted in your documents.`)
    const timer = setTimeout(() => {
      setHighlighted(null)
      setAnnouncement('')
    }, 4000)
    return () => clearTimeout(timer)
  }, [highlighted])

  const changeMembership = async (doc: VaultDocument, collectionId: string, member: boolean) => {
    try {
      await useCollections.getState().setMember(collectionId, doc.id, member)
      if (!member && collectionId === filterRef.current) {
        setDocuments((shown) => shown.filter((d) => d.id !== doc.id))
      }
    } catch (error) {
      setProblem(errorText(error))
    }
  }

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
      // Uploaded while a collection is shown: the document goes into it.
      const into = filterRef.current
      done.then(
        (document) => {
          setUploads((all) => all.filter((u) => u.key !== key))
          if (into) {
            useCollections
              .getState()
              .setMember(into, document.id, true)
              .catch((error: unknown) => setProblem(errorText(error)))
          }
          if (!filterRef.current || filterRef.current === into) {
            setDocuments((shown) => [document, ...shown.filter((d) => d.id !== document.id)])
          }
          void useCollections.getState().loadDocuments(true)
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
      useCollections.getState().forgetDocument(doc.id)
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
              {filtered && (
                <p className="text-xs text-muted" data-testid="upload-into">
                  Uploads go into <span className="font-medium text-fg">“{filtered.name}”</span>.
                </p>
              )}
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

          <Collections selected={filter} onSelect={selectCollection} onProblem={setProblem} />

          <section aria-labelledby="vault-docs-title">
            <p role="status" aria-live="polite" className="sr-only" data-testid="vault-announcement">
              {announcement}
            </p>
            <h3 id="vault-docs-title" className="text-sm font-semibold [overflow-wrap:anywhere]">
              {filtered ? <>Documents in “{filtered.name}”</> : 'Your documents'}
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
                {filtered
                  ? 'No documents in this collection yet. Add one from “All documents”, or upload one now.'
                  : 'No documents yet. Upload one to let Gantry cite it.'}
              </p>
            )}
            {documents.length > 0 && (
              <ul
                ref={listRef}
                className="mt-2 divide-y divide-line overflow-hidden rounded-xl border border-line"
                aria-label="Documents"
              >
                {documents.map((doc) => (
                  <li
                    key={doc.id}
                    data-testid="document-row"
                    data-status={doc.status}
                    data-document-id={doc.id}
                    data-filename={doc.filename}
                    data-highlighted={highlighted === doc.id}
                    aria-current={highlighted === doc.id ? 'true' : undefined}
                    tabIndex={-1}
                    className={cn(
                      'flex items-start gap-3 px-3.5 py-3 focus:outline-none focus-visible:shadow-[inset_0_0_0_2px_var(--accent-ring)]',
                      // Highlighted at once; the highlight fades.
                      highlighted === doc.id
                        ? 'bg-accent-soft shadow-[inset_0_0_0_2px_var(--accent-ring)]'
                        : 'transition-[background-color,box-shadow] duration-700',
                    )}
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
                      <DocumentCollections
                        document={doc}
                        onChange={(collectionId, member) => void changeMembership(doc, collectionId, member)}
                      />
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
