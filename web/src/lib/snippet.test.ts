import { describe, expect, it } from 'vitest'
import { snippetParts } from './snippet'

describe('search snippets', () => {
  it('splits marked words from the rest and unescapes entities', () => {
    expect(snippetParts('a &lt;b&gt; <mark>rome</mark> &amp; more')).toEqual([
      { text: 'a <b> ', mark: false },
      { text: 'rome', mark: true },
      { text: ' & more', mark: false },
    ])
  })

  it('keeps any other markup as text only', () => {
    expect(snippetParts('<img src=x onerror="alert(1)">hi <script>x</script>')).toEqual([
      { text: 'hi x', mark: false },
    ])
  })
})
