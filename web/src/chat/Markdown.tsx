// A message's Markdown (GitHub's flavour) with highlighted code. Loaded lazily: it carries
// the Markdown parser and highlight.js's common languages.
import { memo, useRef, useState, type ComponentPropsWithoutRef, type ReactElement } from 'react'
import ReactMarkdown, { type Components } from 'react-markdown'
import rehypeHighlight from 'rehype-highlight'
import remarkGfm from 'remark-gfm'
import { Icon } from '../components/Icon'
import { cn } from '../lib/cn'
import { copyText } from '../lib/clipboard'

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

const components: Components = { pre: CodeBlock, a: Link }
const remarkPlugins = [remarkGfm]
const rehypeStreaming = [[rehypeHighlight, { detect: false }]] as const
const rehypeSettled = [[rehypeHighlight, { detect: true }]] as const

function Markdown({ content, streaming = false }: { content: string; streaming?: boolean }) {
  return (
    <div className={cn('prose-chat', streaming && 'streaming-caret')}>
      <ReactMarkdown
        remarkPlugins={remarkPlugins}
        // Guessing the language of unlabelled code is left until the answer is whole.
        rehypePlugins={(streaming ? rehypeStreaming : rehypeSettled) as never}
        components={components}
      >
        {content}
      </ReactMarkdown>
    </div>
  )
}

export default memo(Markdown)
