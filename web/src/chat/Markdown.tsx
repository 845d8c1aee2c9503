// A message's Markdown (GitHub's flavour) with highlighted code. Loaded lazily: it carries
// the Markdown parser and highlight.js's common languages.
import { memo, useMemo, useRef, useState, type ComponentPropsWithoutRef, type ReactElement } from 'react'
import ReactMarkdown, { type Components } from 'react-markdown'
import rehypeHighlight from 'rehype-highlight'
import remarkGfm from 'remark-gfm'
import { Icon } from '../components/Icon'
import { cn } from '../lib/cn'
import { copyText } from '../lib/clipboard'
import { citeNumber, remarkCiteLinks } from '../lib/citeLinks'

function languageOf(children: unknown): string | null {
  const code = children as ReactElement<{ className?: string }> | undefined
  const className = code?.props?.className ?? ''
  const match = /(?:^|\s)language-([\w+#.-]+)/.exec(className)
  return match ? match[1] : null
}

function CodeBlock({
  children,
  node: _node,
  ...props
}: ComponentPropsWithoutRef<'pre'> & { node?: unknown }) {
  const pre = useRef<HTMLPreElement>(null)
  const [copied, setCopied] = useState(false)
  const language = languageOf(children)
  const copy = async () => {
    if (await copyText(pre.current?.textContent ?? '')) {
      setCopied(true)
      setTimeout(() => setCopied(false), 1600)
    }
  }
  return (
    <div
      className="not-prose group/code overflow-hidden rounded-xl border border-line bg-code"
      data-testid="code-block"
    >
      <div className="flex items-center justify-between bg-code-head px-3 py-1 text-xs text-muted">
        <span className="font-mono lowercase">{language ?? 'code'}</span>
        <button
          type="button"
          onClick={() => void copy()}
          data-testid="copy-code"
          aria-label={copied ? 'Code copied' : 'Copy code'}
          className="inline-flex items-center gap-1.5 rounded-md px-1.5 py-1 hover:bg-surface-2 hover:text-fg"
        >
          <Icon name={copied ? 'check' : 'copy'} size={14} />
          <span aria-hidden="true">{copied ? 'Copied' : 'Copy'}</span>
        </button>
      </div>
      <pre ref={pre} {...props} className="scrollbar-thin overflow-x-auto px-4 py-3">
        {children}
      </pre>
    </div>
  )
}

function Link({ href, children, node: _node, ...props }: ComponentPropsWithoutRef<'a'> & { node?: unknown }) {
  const external = Boolean(href && /^https?:\/\//i.test(href))
  return (
    <a href={href} {...props} {...(external ? { target: '_blank', rel: 'noopener noreferrer' } : {})}>
      {children}
    </a>
  )
}

/** A `[n]` marker: a small numbered button that opens source n. */
function CiteButton({ n, onCite }: { n: number; onCite: (n: number) => void }) {
  return (
    <button
      type="button"
      data-testid="cite-marker"
      aria-label={`Source ${n}`}
      onClick={() => onCite(n)}
      className="mx-px inline-flex h-[1.15rem] min-w-[1.15rem] -translate-y-px items-center justify-center rounded-md bg-accent-soft px-1 align-middle text-[0.7rem] font-semibold tabular-nums text-accent-text hover:bg-accent hover:text-white"
    >
      {n}
    </button>
  )
}

const components: Components = { pre: CodeBlock, a: Link }
const rehypeStreaming = [[rehypeHighlight, { detect: false }]] as const
const rehypeSettled = [[rehypeHighlight, { detect: true }]] as const

interface Props {
  content: string
  streaming?: boolean
  /** The numbers of the answer's sources: its `[n]` markers become buttons calling `onCite`. */
  citations?: readonly number[]
  onCite?: (n: number) => void
}

function Markdown({ content, streaming = false, citations, onCite }: Props) {
  const key = citations?.join(',') ?? ''
  const remarkPlugins = useMemo(
    () => (onCite && key ? [remarkGfm, remarkCiteLinks(key.split(',').map(Number))] : [remarkGfm]),
    [key, onCite],
  )
  const withCites = useMemo<Components>(
    () =>
      onCite
        ? {
            ...components,
            a: (props) => {
              const n = citeNumber(props.href)
              return n === null ? <Link {...props} /> : <CiteButton n={n} onCite={onCite} />
            },
          }
        : components,
    [onCite],
  )
  return (
    <div className={cn('prose-chat', streaming && 'streaming-caret')}>
      <ReactMarkdown
        remarkPlugins={remarkPlugins}
        // Guessing the language of unlabelled code is left until the answer is whole.
        rehypePlugins={(streaming ? rehypeStreaming : rehypeSettled) as never}
        components={withCites}
      >
        {content}
      </ReactMarkdown>
    </div>
  )
}

export default memo(Markdown)
