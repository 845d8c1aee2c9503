// What a chat's answers draw on: every document (the default), or only the collections and
// documents ticked here.
import { useEffect } from 'react'
import { Link } from 'react-router'
import { scopeLabel, toggleScope, useCollections, type ScopeItem } from '../stores/collections'
import { Picker, type PickerOption } from './Picker'

const ALL = ''

const key = (item: ScopeItem) => `${item.type}:${item.id}`

function fromKey(value: string): ScopeItem {
  const [type, ...rest] = value.split(':')
  return { type: type === 'collection' ? 'collection' : 'document', id: rest.join(':') }
}

interface Props {
  /** What is picked (empty: everything; `null`: not known yet, so nothing can be picked). */
  items: ScopeItem[] | null
  onChange: (items: ScopeItem[]) => void
  /** A change is being saved. */
  busy?: boolean
  /** What is picked could not be read (`items` is `null`). */
  failed?: boolean
  disabled?: boolean
}

export function SourcesPicker({ items: known, onChange, busy, failed, disabled }: Props) {
  const items = known ?? []
  const collections = useCollections((s) => s.items)
  const members = useCollections((s) => s.members)
  const status = useCollections((s) => s.status)
  const documents = useCollections((s) => s.documents)
  const documentsStatus = useCollections((s) => s.documentsStatus)
  const load = useCollections((s) => s.load)
  const loadDocuments = useCollections((s) => s.loadDocuments)

  useEffect(() => {
    void load()
    void loadDocuments()
  }, [load, loadDocuments])

  const count = (n: number) => `${n} document${n === 1 ? '' : 's'}`
  const options: PickerOption[] = [
    {
      value: ALL,
      label: 'All documents',
      description: 'Everything in your Knowledge Vault',
      icon: 'layers',
      testId: 'source-option',
      data: { kind: 'all' },
    },
    ...collections.map((c): PickerOption => ({
      value: key({ type: 'collection', id: c.id }),
      label: c.name,
      description: c.description
        ? `${count(members[c.id]?.length ?? 0)} · ${c.description}`
        : count(members[c.id]?.length ?? 0),
      icon: 'folder',
      group: 'Collections',
      testId: 'source-option',
      data: { kind: 'collection', name: c.name },
    })),
    ...documents
      .filter((d) => d.status !== 'failed')
      .map((d): PickerOption => ({
        value: key({ type: 'document', id: d.id }),
        label: d.filename,
        description: d.status === 'processing' ? 'Still being processed' : undefined,
        icon: 'file',
        group: 'Documents',
        testId: 'source-option',
        data: { kind: 'document', name: d.filename },
      })),
  ]

  const loading =
    status === 'loading' || status === 'idle' || documentsStatus === 'loading' || documentsStatus === 'idle'
  const listFailed = status === 'error' || documentsStatus === 'error'

  return (
    <Picker
      label="Sources"
      icon={items.length ? 'folder' : 'layers'}
      value={known ? scopeLabel(items, collections, documents) : 'Sources'}
      options={options}
      selected={items.length ? items.map(key) : [ALL]}
      multiple
      onSelect={(value) => onChange(value === ALL ? [] : toggleScope(items, fromKey(value)))}
      state={listFailed ? 'error' : loading ? 'loading' : 'ready'}
      onRetry={() => {
        void load(true)
        void loadDocuments(true)
      }}
      busy={busy || (!known && !failed)}
      busyLabel={known ? 'Saving' : 'Loading the sources'}
      disabled={disabled || !known}
      testId="sources-picker"
      listTestId="source-options"
      className="max-w-[8.5rem] shrink-0 sm:max-w-[14rem]"
      footer={
        <>
          Answers draw only on what is ticked.{' '}
          <Link to="/vault" className="font-medium text-accent-text hover:underline">
            Collections in the Vault
          </Link>
        </>
      }
    />
  )
}
