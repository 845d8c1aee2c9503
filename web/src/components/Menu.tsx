// A small pop-up menu of actions: opened by its button, arrow keys move between items,
// Escape or a click outside closes it and gives the focus back.
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react'
import { Icon, type IconName } from './Icon'
import { cn } from '../lib/cn'

export interface MenuItem {
  label: string
  icon: IconName
  onSelect: () => void
  danger?: boolean
  testId?: string
}

interface MenuProps {
  label: string
  items: MenuItem[]
  trigger?: ReactNode
  className?: string
  testId?: string
}

const WIDTH = 176

export function Menu({ label, items, trigger, className, testId }: MenuProps) {
  const [open, setOpen] = useState(false)
  const [position, setPosition] = useState<{ top: number; left: number } | null>(null)
  const button = useRef<HTMLButtonElement>(null)
  const list = useRef<HTMLDivElement>(null)

  useLayoutEffect(() => {
    if (!open || !button.current) return
    const rect = button.current.getBoundingClientRect()
    const height = items.length * 38 + 10
    const below = rect.bottom + 4 + height < window.innerHeight
    setPosition({
      top: below ? rect.bottom + 4 : Math.max(8, rect.top - height - 4),
      left: Math.max(8, Math.min(rect.right - WIDTH, window.innerWidth - WIDTH - 8)),
    })
  }, [open, items.length])

  useEffect(() => {
    if (!open) return
    list.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus()
    const onDown = (event: MouseEvent) => {
      const target = event.target as Node
      if (!list.current?.contains(target) && !button.current?.contains(target)) setOpen(false)
    }
    const onScroll = () => setOpen(false)
    document.addEventListener('mousedown', onDown)
    window.addEventListener('resize', onScroll)
    return () => {
      document.removeEventListener('mousedown', onDown)
      window.removeEventListener('resize', onScroll)
    }
  }, [open, position])

  const close = (focus = true) => {
    setOpen(false)
    if (focus) button.current?.focus()
  }

  const onKeyDown = (event: React.KeyboardEvent) => {
    const entries = Array.from(list.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])
    const index = entries.indexOf(document.activeElement as HTMLElement)
    if (event.key === 'Escape') {
      event.preventDefault()
      event.stopPropagation()
      close()
    } else if (event.key === 'ArrowDown') {
      event.preventDefault()
      entries[(index + 1) % entries.length]?.focus()
    } else if (event.key === 'ArrowUp') {
      event.preventDefault()
      entries[(index - 1 + entries.length) % entries.length]?.focus()
    } else if (event.key === 'Home') {
      event.preventDefault()
      entries[0]?.focus()
    } else if (event.key === 'End') {
      event.preventDefault()
      entries[entries.length - 1]?.focus()
    } else if (event.key === 'Tab') {
      close(false)
    }
  }

  return (
    <>
      <button
        ref={button}
        type="button"
        aria-label={label}
        aria-haspopup="menu"
        aria-expanded={open}
        data-testid={testId}
        onClick={(event) => {
          event.preventDefault()
          event.stopPropagation()
          setOpen((o) => !o)
        }}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' && !open) {
            event.preventDefault()
            setOpen(true)
          }
        }}
        className={className}
      >
        {trigger ?? <Icon name="more" size={16} />}
      </button>
      {open && (
        <div
          ref={list}
          role="menu"
          aria-label={label}
          onKeyDown={onKeyDown}
          style={{
            position: 'fixed',
            top: position?.top ?? -9999,
            left: position?.left ?? -9999,
            width: WIDTH,
          }}
          className="z-50 rounded-xl border border-line bg-canvas p-1 shadow-soft"
        >
          {items.map((item) => (
            <button
              key={item.label}
              type="button"
              role="menuitem"
              tabIndex={-1}
              data-testid={item.testId}
              onClick={() => {
                close(false)
                item.onSelect()
              }}
              className={cn(
                'flex w-full items-center gap-2.5 rounded-lg px-2.5 py-2 text-left text-sm outline-none focus-visible:outline-none focus:bg-surface hover:bg-surface',
                item.danger ? 'text-danger' : 'text-fg',
              )}
            >
              <Icon name={item.icon} size={16} />
              {item.label}
            </button>
          ))}
        </div>
      )}
    </>
  )
}
