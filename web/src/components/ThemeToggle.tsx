import { useTheme } from '../stores/theme'
import { Icon } from './Icon'
import { cn } from '../lib/cn'

export function ThemeToggle({ className }: { className?: string }) {
  const theme = useTheme((s) => s.theme)
  const preference = useTheme((s) => s.preference)
  const toggle = useTheme((s) => s.toggle)
  const next = theme === 'dark' ? 'light' : 'dark'
  return (
    <button
      type="button"
      onClick={toggle}
      data-testid="theme-toggle"
      aria-label={`Switch to ${next} theme`}
      title={`Switch to ${next} theme${preference === 'system' ? ' (now following the system)' : ''}`}
      className={cn(
        'inline-flex size-9 items-center justify-center rounded-lg text-muted transition-colors hover:bg-surface hover:text-fg',
        className,
      )}
    >
      <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
    </button>
  )
}
