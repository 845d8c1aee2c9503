// What a reload (or another browser) keeps: an answer still being written is followed
// again, an answer's sources and timings stay, Ctrl+K finds a document and the Vault shows
// it, and a conversation's model and sources are the server's. Goes on from chat.spec.ts,
// which uploaded quillmoor.md to the admin's Vault and asked about it.
import { expect, test, type Page } from '@playwright/test'
import { admin, ask, screenshots, signIn } from './support'

test.describe.configure({ mode: 'serial' })

const DOCUMENT = 'quillmoor.md'

const lastAnswer = (page: Page) => page.locator('[data-testid="message"][data-role="assistant"]').last()
const words = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim()
const textLength = async (page: Page) => words(await lastAnswer(page).textContent()).length

/** The conversation of the long answer (test a), reused by test d. */
let storyUrl = ''

test('a reload mid-answer follows the answer still being written', async ({ page }) => {
  test.setTimeout(180_000)
  await signIn(page, admin)
  await page.getByTestId('new-chat').click()
  await ask(page, 'Write a long story about a lighthouse keeper and her grey cat, in many paragraphs.')
  await expect(page).toHaveURL(/\/c\//)
  storyUrl = page.url()
  const answer = lastAnswer(page)
  await expect(answer).toHaveAttribute('data-status', 'streaming', { timeout: 60_000 })
  // Some text has streamed in.
  await expect.poll(() => textLength(page), { timeout: 60_000 }).toBeGreaterThan(60)
  const before = words(await answer.textContent())

  await page.reload()
  // The answer is followed again: streaming, replayed from its start, and growing.
  const followed = lastAnswer(page)
  await expect(followed).toHaveAttribute('data-status', 'streaming')
  await expect.poll(async () => words(await followed.textContent())).toContain(before.slice(0, 40))
  const atReload = await textLength(page)
  await expect.poll(() => textLength(page)).toBeGreaterThan(atReload)
  await expect(page.getByTestId('stop')).toBeVisible()

  // Stopped from here: what arrived stays, as stopped.
  await page.getByTestId('stop').click()
  await expect(followed).toHaveAttribute('data-status', 'partial')
  await expect(page.getByTestId('send')).toBeVisible()
  const kept = words(await followed.textContent())
  expect(kept.length).toBeGreaterThan(atReload)
  await page.reload()
  await expect(lastAnswer(page)).toHaveAttribute('data-status', 'partial')
  await expect(page.getByTestId('stop')).toHaveCount(0)
})

test("an answer's sources and how it was assembled survive a reload", async ({ page }) => {
  test.setTimeout(180_000)
  await signIn(page, admin)
  // chat.spec.ts asked about the document: find the conversation whose answer cited it.
  let found = await page.evaluate(async (name) => {
    const list = (await (await fetch('/api/chat/conversations?limit=100')).json()) as {
      items: { id: string }[]
    }
    for (const conversation of list.items) {
      const messages = (await (
        await fetch(`/api/chat/conversations/${conversation.id}/messages?limit=50`)
      ).json()) as {
        items: {
          role: string
          status: string
          context?: { citations?: { label: string }[] } | null
        }[]
      }
      const cited = messages.items.some(
        (m) =>
          m.role === 'assistant' &&
          m.status === 'complete' &&
          m.context?.citations?.some((c) => c.label.includes(name)),
      )
      if (cited) return conversation.id
    }
    return null
  }, DOCUMENT)
  if (found) {
    await page.goto(`/c/${found}`)
  } else {
    // Not there any more: asked again.
    await page.getByTestId('new-chat').click()
    await ask(page, 'Who is the Quillmoor harbourmaster?')
    await expect(page).toHaveURL(/\/c\//)
    found = page.url().split('/c/')[1]
  }
  // A whole answer that cited it (the time to its first token and its tokens are kept too).
  const cited = page
    .locator('[data-testid="message"][data-role="assistant"][data-status="complete"]')
    .filter({ has: page.getByTestId('citation').filter({ hasText: DOCUMENT }) })
    .last()
  await expect(cited).toBeVisible({ timeout: 120_000 })

  await page.reload()
  await expect(cited.getByTestId('citation').filter({ hasText: DOCUMENT }).first()).toBeVisible()
  // The chip still opens to the passage it cites.
  await cited.getByTestId('citation').filter({ hasText: DOCUMENT }).first().click()
  await expect(cited.getByTestId('citation-excerpt')).toContainText(/Quillmoor/i)

  const assembly = cited.getByTestId('assembly')
  await assembly.getByText('How this answer was assembled').click()
  await expect(assembly).toHaveAttribute('open', '')
  await expect(assembly.getByText('What it drew on')).toBeVisible()
  await expect(assembly.getByText('Document passages')).toBeVisible()
  for (const stage of ['Embedding the question', 'Vector search', 'Keyword search', 'Total']) {
    await expect(assembly.getByText(stage, { exact: true })).toBeVisible()
  }
  // Timings are numbers (formatMs), not blanks.
  await expect(assembly.locator('dd').first()).toHaveText(/\d/)
  await expect(assembly.getByText('Time to first token')).toBeVisible()
  await screenshots(page, 'assembly', () =>
    assembly.evaluate((element) => element.scrollIntoView({ block: 'center' })),
  )
})

test('Ctrl+K finds the document by a word of it, and Enter shows it in the Vault', async ({ page }) => {
  await signIn(page, admin)
  await page.keyboard.press('Control+k')
  const input = page.getByTestId('search-input')
  await expect(input).toBeFocused()
  // A word of its content only (not its name).
  await input.fill('Ottoline')
  const documents = page.getByRole('group', { name: 'Documents' })
  await expect(documents.getByRole('heading', { name: 'Documents' })).toBeVisible()
  const result = documents.getByTestId('search-result').filter({ hasText: DOCUMENT }).first()
  await expect(result).toBeVisible()
  await expect(result).toContainText(/Ottoline/)
  // A word of its name finds it too.
  await input.fill('quillmoor')
  await expect(documents.getByTestId('search-result').filter({ hasText: DOCUMENT }).first()).toBeVisible()
  await screenshots(page, 'search-documents')

  // Down to the document with the arrow keys (conversations are listed first), then Enter.
  const target = documents.getByTestId('search-result').first()
  await expect(target).toContainText(DOCUMENT)
  for (let i = 0; i < 40 && (await target.getAttribute('aria-selected')) !== 'true'; i++) {
    await input.press('ArrowDown')
  }
  await expect(target).toHaveAttribute('aria-selected', 'true')
  await input.press('Enter')

  await expect(page).toHaveURL(/\/vault/)
  await expect(page.getByTestId('conversation-title')).toHaveText('Knowledge Vault')
  const row = page.locator('[data-testid="document-row"][data-highlighted="true"]')
  await expect(row).toHaveCount(1)
  await expect(row).toContainText(DOCUMENT)
  await expect(row).toBeFocused()
  await expect(row).toBeInViewport()
  await expect(page.getByTestId('vault-announcement')).toContainText(DOCUMENT)
  // Highlighted for a moment only; the focus stays.
  await expect(row).toHaveCount(0, { timeout: 10_000 })
  await expect(page.getByTestId('document-row').filter({ hasText: DOCUMENT })).toBeFocused()

  // From a collection's list (which it is not in), the filter goes so that it shows.
  const id = await page.evaluate(async (name) => {
    const list = (await (await fetch('/api/documents?limit=100')).json()) as {
      items: { id: string; filename: string }[]
    }
    return list.items.find((d) => d.filename === name)?.id ?? ''
  }, DOCUMENT)
  expect(id).not.toBe('')
  const other = await page.evaluate(async () => {
    const response = await fetch('/api/documents/collections', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Empty shelf', description: '' }),
    })
    return ((await response.json()) as { id: string }).id
  })
  await page.goto(`/vault?collection=${other}&document=${id}`)
  await expect(row).toContainText(DOCUMENT)
  await expect(page.getByTestId('collection-filter-all')).toHaveAttribute('aria-pressed', 'true')
  await page.evaluate(
    (collection) => fetch(`/api/documents/collections/${collection}`, { method: 'DELETE' }),
    other,
  )

  await screenshots(page, 'vault-highlight', async () => {
    await page.goto(`/vault?document=${id}`)
    await expect(row).toBeInViewport({ ratio: 1 })
    await page.waitForTimeout(400)
  })
})

test("a conversation's model and sources are the server's: after a reload, and in another browser", async ({
  page,
  browser,
}) => {
  test.setTimeout(120_000)
  expect(storyUrl, 'test a made a conversation').not.toBe('')
  const conversationId = storyUrl.split('/c/')[1]
  await signIn(page, admin)
  const served = await page.evaluate(async () => {
    const response = await fetch('/api/models')
    return ((await response.json()) as { models: { id: string }[] }).models.map((m) => m.id)
  })
  expect(served.length, 'llama-server offers a model').toBeGreaterThan(0)
  const model = served[0]
  const savedModel = () =>
    page.evaluate(async (id) => {
      const response = await fetch(`/api/chat/conversations/${id}`)
      return (
        ((await response.json()) as { conversation: { model?: string | null } }).conversation.model ?? null
      )
    }, conversationId)

  await page.goto(storyUrl)
  const header = page.getByTestId('conversation-header')
  await expect(header.getByTestId('sources-picker')).toContainText('All documents')
  expect(await savedModel()).toBeNull()

  // The model, picked in the header: the same conversation, answering with it from now on.
  await header.getByTestId('model-picker').click()
  const models = page.getByTestId('model-options')
  await expect(models.locator('[data-model=""]')).toHaveAttribute('aria-selected', 'true')
  await screenshots(page, 'picker-model-conversation', async () => {
    if (!(await models.isVisible())) await header.getByTestId('model-picker').click()
  })
  if (!(await models.isVisible())) await header.getByTestId('model-picker').click()
  await models.locator(`[data-model="${model}"]`).click()
  await expect(models).toBeHidden()
  await expect.poll(savedModel).toBe(model)
  await expect(page).toHaveURL(storyUrl)

  // The sources: the document itself.
  await header.getByTestId('sources-picker').click()
  const option = page.locator(`[data-testid="source-option"][data-name="${DOCUMENT}"]`)
  await option.click()
  await expect(option).toHaveAttribute('aria-selected', 'true')
  await page.keyboard.press('Escape')
  await expect(header.getByTestId('sources-picker')).toContainText(DOCUMENT)

  await page.reload()
  await expect(header.getByTestId('sources-picker')).toContainText(DOCUMENT)
  await header.getByTestId('model-picker').click()
  await expect(models.locator(`[data-model="${model}"]`)).toHaveAttribute('aria-selected', 'true')
  await expect(models.locator('[data-model=""]')).toHaveAttribute('aria-selected', 'false')
  await page.keyboard.press('Escape')

  // Another browser (nothing stored in it) shows the same.
  const context = await browser.newContext()
  try {
    const elsewhere = await context.newPage()
    await signIn(elsewhere, admin)
    await elsewhere.goto(storyUrl)
    const theirs = elsewhere.getByTestId('conversation-header')
    await expect(theirs.getByTestId('sources-picker')).toContainText(DOCUMENT)
    await theirs.getByTestId('model-picker').click()
    await expect(elsewhere.getByTestId('model-options').locator(`[data-model="${model}"]`)).toHaveAttribute(
      'aria-selected',
      'true',
    )
    await elsewhere.keyboard.press('Escape')
  } finally {
    await context.close()
  }

  // Back to the default model and every document.
  await header.getByTestId('model-picker').click()
  await models.locator('[data-model=""]').click()
  await expect.poll(savedModel).toBeNull()
  await header.getByTestId('sources-picker').click()
  await page.locator('[data-testid="source-option"][data-kind="all"]').click()
  await page.keyboard.press('Escape')
  await expect(header.getByTestId('sources-picker')).toContainText('All documents')
  await page.reload()
  await expect(header.getByTestId('sources-picker')).toContainText('All documents')
})

test('the header names the Personas and Admin pages', async ({ page }) => {
  await signIn(page, admin)
  await page.getByTestId('personas-link').click()
  await expect(page.getByTestId('conversation-title')).toHaveText('Personas')
  await page.getByTestId('admin-link').click()
  await expect(page).toHaveURL(/\/admin\//)
  await expect(page.getByTestId('conversation-title')).toHaveText('Admin')
})
