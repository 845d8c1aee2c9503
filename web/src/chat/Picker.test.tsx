import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { useState } from 'react'
import { describe, expect, it, vi } from 'vitest'
import { Picker, type PickerOption } from './Picker'

const OPTIONS: PickerOption[] = [
  { value: '', label: 'Default' },
  { value: 'a', label: 'Alpha', group: 'Yours' },
  { value: 'b', label: 'Beta', group: 'Yours' },
  { value: 'c', label: 'Gamma', group: 'System', disabled: true },
]

function Single({ onSelect = () => {} }: { onSelect?: (value: string) => void }) {
  const [value, setValue] = useState('a')
  return (
    <Picker
      label="Persona"
      icon="persona"
      value={OPTIONS.find((o) => o.value === value)?.label ?? ''}
      options={OPTIONS}
      selected={[value]}
      onSelect={(next) => {
        setValue(next)
        onSelect(next)
      }}
    />
  )
}

describe('Picker', () => {
  it('is a labelled button that opens a listbox with the chosen option focused', async () => {
    const user = userEvent.setup()
    render(<Single />)
    const button = screen.getByRole('button', { name: 'Persona: Alpha' })
    expect(button).toHaveAttribute('aria-haspopup', 'listbox')
    expect(button).toHaveAttribute('aria-expanded', 'false')
    await user.click(button)
    expect(button).toHaveAttribute('aria-expanded', 'true')
    const list = screen.getByRole('listbox', { name: 'Persona' })
    expect(list).toBeInTheDocument()
    expect(screen.getByRole('group', { name: 'Yours' })).toBeInTheDocument()
    await waitFor(() => expect(screen.getByRole('option', { name: /Alpha/ })).toHaveFocus())
    expect(screen.getByRole('option', { name: /Alpha/ })).toHaveAttribute('aria-selected', 'true')
  })

  it('moves with the arrow keys past disabled options, picks with Enter and gives the focus back', async () => {
    const user = userEvent.setup()
    const onSelect = vi.fn()
    render(<Single onSelect={onSelect} />)
    const button = screen.getByRole('button', { name: 'Persona: Alpha' })
    button.focus()
    await user.keyboard('{ArrowDown}')
    await waitFor(() => expect(screen.getByRole('option', { name: /Alpha/ })).toHaveFocus())
    await user.keyboard('{ArrowDown}')
    expect(screen.getByRole('option', { name: /Beta/ })).toHaveFocus()
    // Gamma is disabled: the next is the first again.
    await user.keyboard('{ArrowDown}')
    expect(screen.getByRole('option', { name: /Default/ })).toHaveFocus()
    await user.keyboard('{End}{Enter}')
    expect(onSelect).toHaveBeenCalledWith('b')
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Persona: Beta' })).toHaveFocus()
  })

  it('closes on Escape without picking', async () => {
    const user = userEvent.setup()
    const onSelect = vi.fn()
    render(<Single onSelect={onSelect} />)
    await user.click(screen.getByRole('button', { name: 'Persona: Alpha' }))
    await user.keyboard('{Escape}')
    expect(screen.queryByRole('listbox')).not.toBeInTheDocument()
    expect(onSelect).not.toHaveBeenCalled()
    expect(screen.getByRole('button', { name: 'Persona: Alpha' })).toHaveFocus()
  })

  it('stays open in multiple mode, so that several can be ticked', async () => {
    const user = userEvent.setup()
    const onSelect = vi.fn()
    render(
      <Picker
        label="Sources"
        icon="layers"
        value="All documents"
        options={OPTIONS}
        selected={['']}
        multiple
        onSelect={onSelect}
      />,
    )
    await user.click(screen.getByRole('button', { name: 'Sources: All documents' }))
    expect(screen.getByRole('listbox')).toHaveAttribute('aria-multiselectable', 'true')
    await user.click(screen.getByRole('option', { name: /Alpha/ }))
    await user.click(screen.getByRole('option', { name: /Gamma/ }))
    expect(onSelect.mock.calls).toEqual([['a']])
    expect(screen.getByRole('listbox')).toBeInTheDocument()
  })

  it('says when there is nothing to pick, or the options could not be loaded', async () => {
    const user = userEvent.setup()
    const onRetry = vi.fn()
    const { rerender } = render(
      <Picker
        label="Model"
        icon="server"
        value="x"
        options={[]}
        selected={[]}
        onSelect={() => {}}
        empty="None here."
      />,
    )
    await user.click(screen.getByRole('button', { name: 'Model: x' }))
    expect(screen.getByText('None here.')).toBeInTheDocument()
    rerender(
      <Picker
        label="Model"
        icon="server"
        value="x"
        options={[]}
        selected={[]}
        onSelect={() => {}}
        state="error"
        onRetry={onRetry}
      />,
    )
    await user.click(screen.getByRole('button', { name: 'Try again' }))
    expect(onRetry).toHaveBeenCalled()
  })
})
