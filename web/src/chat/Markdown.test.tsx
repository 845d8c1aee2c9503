import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import Markdown from './Markdown'

describe('an answer’s Markdown', () => {
  it('turns the [n] markers of its sources into buttons that open them', async () => {
    const onCite = vi.fn()
    render(
      <Markdown
        content={'Tides follow the moon [2]. Not `[1]` in code, nor [9].'}
        citations={[1, 2]}
        onCite={onCite}
      />,
    )
    const markers = screen.getAllByTestId('cite-marker')
    expect(markers).toHaveLength(1)
    expect(markers[0]).toHaveAccessibleName('Source 2')
    await userEvent.click(markers[0])
    expect(onCite).toHaveBeenCalledWith(2)
    expect(screen.getByText('[1]')).toBeInTheDocument()
    expect(screen.getByText(/nor \[9\]/)).toBeInTheDocument()
  })

  it('leaves the text alone without sources', () => {
    render(<Markdown content="Plain [1] text." />)
    expect(screen.queryByTestId('cite-marker')).toBeNull()
    expect(screen.getByText('Plain [1] text.')).toBeInTheDocument()
  })
})
