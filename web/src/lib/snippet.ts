// The server's search snippets are HTML: escaped text with the query's words in <mark>.
// They are turned into plain parts here, so nothing from them is ever put in the page as
// HTML.

export interface SnippetPart {
  text: string
  mark: boolean
}

export function snippetParts(html: string): SnippetPart[] {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html')
  const parts: SnippetPart[] = []
  const push = (text: string, mark: boolean) => {
    if (!text) return
    const last = parts[parts.length - 1]
    if (last && last.mark === mark) last.text += text
    else parts.push({ text, mark })
  }
  const walk = (node: Node, mark: boolean) => {
    node.childNodes.forEach((child) => {
      if (child.nodeType === Node.TEXT_NODE) push(child.textContent ?? '', mark)
      else if (child.nodeType === Node.ELEMENT_NODE) {
        walk(child, mark || (child as Element).tagName.toLowerCase() === 'mark')
      }
    })
  }
  walk(doc.body, false)
  return parts
}
