// Makes an answer's `[n]` markers links to its sources: a remark plugin that splits text
// nodes (never code) around the numbers the answer was given, into links to `#cite-n`.

interface MdNode {
  type: string
  value?: string
  url?: string
  children?: MdNode[]
}

const MARKER = /\[(\d{1,3})\]/g

/** `#cite-n` for a citation link; the number back from one, or null. */
export const citeHref = (n: number) => `#cite-${n}`
export function citeNumber(href: string | undefined): number | null {
  const match = /^#cite-(\d{1,3})$/.exec(href ?? '')
  return match ? Number(match[1]) : null
}

/** The text split around markers whose number is in `known`. */
export function splitMarkers(text: string, known: ReadonlySet<number>): MdNode[] {
  const out: MdNode[] = []
  let last = 0
  for (const match of text.matchAll(MARKER)) {
    const n = Number(match[1])
    if (!known.has(n)) continue
    const at = match.index ?? 0
    if (at > last) out.push({ type: 'text', value: text.slice(last, at) })
    out.push({ type: 'link', url: citeHref(n), children: [{ type: 'text', value: String(n) }] })
    last = at + match[0].length
  }
  if (out.length === 0) return [{ type: 'text', value: text }]
  if (last < text.length) out.push({ type: 'text', value: text.slice(last) })
  return out
}

function walk(node: MdNode, known: ReadonlySet<number>) {
  if (!node.children || node.type === 'link' || node.type === 'linkReference') return
  const children: MdNode[] = []
  for (const child of node.children) {
    if (child.type === 'text' && child.value) children.push(...splitMarkers(child.value, known))
    else {
      walk(child, known)
      children.push(child)
    }
  }
  node.children = children
}

/** The remark plugin: `[n]` becomes a link for each `n` in `numbers`. */
export function remarkCiteLinks(numbers: readonly number[]) {
  const known = new Set(numbers)
  return () => (tree: MdNode) => {
    if (known.size > 0) walk(tree, known)
  }
}
