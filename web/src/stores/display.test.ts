import { beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_DISPLAY, DISPLAY_KEY, readDisplay, useDisplay } from './display'

describe('display options', () => {
  beforeEach(() => {
    localStorage.clear()
    useDisplay.getState().reset()
    localStorage.clear()
  })

  it('defaults to token usage only', () => {
    expect(readDisplay()).toEqual({ showTimestamps: false, showUsage: true, showSpeed: false })
    expect(DEFAULT_DISPLAY.showUsage).toBe(true)
  })

  it('remembers a change in localStorage and reads it back', () => {
    useDisplay.getState().set('showSpeed', true)
    useDisplay.getState().set('showUsage', false)
    expect(useDisplay.getState().showSpeed).toBe(true)
    expect(useDisplay.getState().showUsage).toBe(false)
    expect(JSON.parse(localStorage.getItem(DISPLAY_KEY) ?? '{}')).toEqual({
      showTimestamps: false,
      showUsage: false,
      showSpeed: true,
    })
    expect(readDisplay()).toEqual({ showTimestamps: false, showUsage: false, showSpeed: true })
  })

  it('falls back to the defaults for malformed or partial storage', () => {
    localStorage.setItem(DISPLAY_KEY, '{not json')
    expect(readDisplay()).toEqual(DEFAULT_DISPLAY)
    localStorage.setItem(DISPLAY_KEY, JSON.stringify({ showTimestamps: true, showUsage: 'yes' }))
    expect(readDisplay()).toEqual({ showTimestamps: true, showUsage: true, showSpeed: false })
    expect(readDisplay(null)).toEqual(DEFAULT_DISPLAY)
  })

  it('reset restores the defaults', () => {
    useDisplay.getState().set('showTimestamps', true)
    useDisplay.getState().reset()
    expect(useDisplay.getState().showTimestamps).toBe(false)
    expect(readDisplay()).toEqual(DEFAULT_DISPLAY)
  })
})
