// A conversation archived from the sidebar's menu leaves the list, waits in the archive and
// comes back; exported as Markdown, it downloads as a file holding what was said.
import { expect, test } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { admin, signIn } from './support'

test.describe.configure({ mode: 'serial' })

test('a conversation is archived, restored and exported', async ({ page }) => {
  await signIn(page, admin)
  const items = page.getByTestId('conversation-item')
  await expect(items.first()).toBeVisible()
  const first = items.first()
  const id = await first.getAttribute('data-id')
  const title = (await first.textContent())?.trim() ?? ''

  // Exported as Markdown: a download with the conversation's title and messages.
  await first.hover()
  await first.getByTestId('conversation-menu').click()
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-markdown').click(),
  ])
  expect(download.suggestedFilename()).toMatch(/\.md$/)
  const markdown = readFileSync(await download.path(), 'utf8')
  expect(markdown).toContain(title.slice(0, 12))

  // Archived: gone from the sidebar, listed in the archive, restored.
  await first.hover()
  await first.getByTestId('conversation-menu').click()
  await page.getByTestId('archive').click()
  await expect(page.locator(`[data-testid="conversation-item"][data-id="${id}"]`)).toHaveCount(0)
  await page.getByTestId('archived-link').click()
  const archived = page.getByTestId('archived-item').filter({ hasText: title.slice(0, 12) })
  await expect(archived).toHaveCount(1)
  await archived.getByTestId('restore').click()
  await expect(archived).toHaveCount(0)
  await page.keyboard.press('Escape')
  await expect(page.locator(`[data-testid="conversation-item"][data-id="${id}"]`)).toHaveCount(1)
})
