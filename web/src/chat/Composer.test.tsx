import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { Composer } from './Composer'

describe('the composer', () => {
  it('sends on Enter and clears itself', async () => {
    const onSend = vi.fn()
    render(<Composer onSend={onSend} />)
    const box = screen.getByTestId('composer')
    await userEvent.type(box, 'Hello there{Enter}')
    expect(onSend).toHaveBeenCalledWith('Hello there')
    expect(box).toHaveValue('')
  })

  it('adds a line on Shift+Enter instead of sending', async () => {
    const onSend = vi.fn()
    render(<Composer onSend={onSend} />)
    const box = screen.getByTestId('composer')
    await userEvent.type(box, 'one{Shift>}{Enter}{/Shift}two')
    expect(onSend).not.toHaveBeenCalled()
    expect(box).toHaveValue('one\ntwo')
    await userEvent.type(box, '{Enter}')
    expect(onSend).toHaveBeenCalledWith('one\ntwo')
  })

  it('sends with the button, and not when empty', async () => {
    const onSend = vi.fn()
    render(<Composer onSend={onSend} />)
    const send = screen.getByTestId('send')
    expect(send).toBeDisabled()
    await userEvent.type(screen.getByTestId('composer'), '   {Enter}')
    expect(onSend).not.toHaveBeenCalled()
    await userEvent.type(screen.getByTestId('composer'), 'Hi')
    await userEvent.click(send)
    expect(onSend).toHaveBeenCalledWith('   Hi')
  })

  it('shows Stop instead of Send while streaming, and does not send on Enter', async () => {
    const onSend = vi.fn()
    const onStop = vi.fn()
    render(<Composer onSend={onSend} onStop={onStop} streaming />)
    expect(screen.queryByTestId('send')).not.toBeInTheDocument()
    await userEvent.type(screen.getByTestId('composer'), 'next question{Enter}')
    expect(onSend).not.toHaveBeenCalled()
    expect(screen.getByTestId('composer')).toHaveValue('next question')
    await userEvent.click(screen.getByRole('button', { name: 'Stop answering' }))
    expect(onStop).toHaveBeenCalled()
  })

  it('has a label for screen readers', () => {
    render(<Composer onSend={() => {}} />)
    expect(screen.getByLabelText('Message')).toBe(screen.getByTestId('composer'))
    expect(screen.getByRole('button', { name: 'Send message' })).toBeInTheDocument()
  })
})
