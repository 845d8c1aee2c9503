// A chat's workspace: personas made and edited on their page and picked for a new chat, the
// model picker, Knowledge Vault collections, and a conversation scoped to a collection
// through its Sources picker; each kept after a reload. Goes on from chat.spec.ts, which
// uploaded quillmoor.md to the admin's Vault.
import { expect, test, type Page } from '@playwright/test'
import { admin, ask, screenshots, signIn } from './support'

test.describe.configure({ mode: 'serial' })

const PERSONA = 'Harbour guide'
const RENAMED = 'Quillmoor guide'
const COLLECTION = 'Harbour papers'
const RECOLLECTION = 'Quillmoor papers'

const lastAnswer = (page: Page) => page.locator('[data-testid="message"][data-role="assistant"]').last()

async function answered(page: Page) {
  const answer = lastAnswer(page)
  await expect(answer).toBeVisible()
  // It may run to the answer limit (512 tokens), slowly on a busy machine.
  await expect(answer).not.toHaveAttribute('data-status', 'streaming', { timeout: 150_000 })
  return answer
}

test('a persona is created and edited on the Personas page', async ({ page }) => {
  await signIn(page, admin)
  await page.getByTestId('personas-link').click()
  await expect(page).toHaveURL(/\/personas$/)
  await expect(page.getByTestId('personas-page')).toBeVisible()
  // The admin has none of their own yet (unless another test file made some).
  await expect(page.getByTestId('personas-empty').or(page.getByTestId('persona-card').first())).toBeVisible()
  if ((await page.locator('[data-testid="persona-card"][data-global="false"]').count()) === 0) {
    await expect(page.getByTestId('personas-empty')).toBeVisible()
    await screenshots(page, 'personas-empty')
  }

  await page.getByTestId('new-persona').click()
  const editor = page.getByTestId('persona-editor')
  await expect(editor).toBeVisible()
  await page.getByTestId('persona-name').fill(PERSONA)
  await page
    .getByTestId('persona-prompt')
    .fill('You are a guide to the harbour town of Quillmoor. Answer in one or two friendly sentences.')
  await screenshots(page, 'persona-editor')
  await page.getByTestId('persona-save').click()
  await expect(editor).toBeHidden()
  const card = page.locator(`[data-testid="persona-card"][data-name="${PERSONA}"]`)
  await expect(card).toBeVisible()
  await expect(card.getByTestId('persona-prompt-preview')).toContainText('harbour town of Quillmoor')

  // Edited: a new name and a temperature; a wrong temperature is refused first.
  await card.getByTestId('persona-edit').click()
  await expect(page.getByTestId('persona-name')).toHaveValue(PERSONA)
  await page.getByTestId('persona-name').fill(RENAMED)
  await page.getByTestId('persona-temperature').fill('7')
  await page.getByTestId('persona-save').click()
  await expect(editor.getByText('from 0 to 2')).toBeVisible()
  await page.getByTestId('persona-temperature').fill('0.4')
  await page.getByTestId('persona-save').click()
  await expect(editor).toBeHidden()
  const renamed = page.locator(`[data-testid="persona-card"][data-name="${RENAMED}"]`)
  await expect(renamed).toBeVisible()
  await expect(renamed).toContainText('temperature 0.4')
  await expect(page.locator(`[data-testid="persona-card"][data-name="${PERSONA}"]`)).toHaveCount(0)

  // Made the default, and back.
  await renamed.getByTestId('persona-make-default').click()
  await expect(renamed.getByTestId('persona-default-badge')).toBeVisible()
  await expect(page.getByTestId('default-persona')).toContainText(RENAMED)
  await screenshots(page, 'personas')
  await renamed.getByTestId('persona-make-default').click()
  await expect(renamed.getByTestId('persona-default-badge')).toHaveCount(0)

  // Still there after a reload; Settings links here.
  await page.reload()
  await expect(renamed).toBeVisible()
  await page.getByTestId('settings-link').click()
  await expect(page.getByTestId('settings-default-persona')).toContainText('New chats use')
  await screenshots(page, 'settings-personas', () =>
    page
      .getByTestId('settings-personas-link')
      .evaluate((element) => element.scrollIntoView({ block: 'center' })),
  )
  await page.getByTestId('settings-personas-link').click()
  await expect(page).toHaveURL(/\/personas$/)
})

test('the persona picked for a new chat shows in its header after a reload', async ({ page }) => {
  // The answer may run to the answer limit on a busy machine.
  test.setTimeout(240_000)
  await signIn(page, admin)
  await page.getByTestId('new-chat').click()
  const picker = page.getByTestId('persona-picker')
  await picker.click()
  await expect(page.getByTestId('persona-options')).toBeVisible()
  await screenshots(page, 'picker-persona', async () => {
    if (!(await page.getByTestId('persona-options').isVisible())) await picker.click()
  })
  if (!(await page.getByTestId('persona-options').isVisible())) await picker.click()
  await page.locator(`[data-testid="persona-option"][data-name="${RENAMED}"]`).click()
  await expect(page.getByTestId('persona-options')).toBeHidden()
  await expect(picker).toContainText(RENAMED)

  await ask(page, 'Who rings the tide bell?')
  await expect(page).toHaveURL(/\/c\//)
  await answered(page)
  const header = page.getByTestId('conversation-header')
  await expect(header.getByTestId('persona-picker')).toContainText(RENAMED)
  await page.reload()
  await expect(page.getByTestId('conversation-header').getByTestId('persona-picker')).toContainText(RENAMED)
  // Picked again from the header, by keyboard: the default.
  await page.getByTestId('conversation-header').getByTestId('persona-picker').focus()
  await page.keyboard.press('ArrowDown')
  await expect(page.getByTestId('persona-options')).toBeVisible()
  await page.keyboard.press('Home')
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('persona-options')).toBeHidden()
  await expect(page.getByTestId('conversation-header').getByTestId('persona-picker')).not.toContainText(
    RENAMED,
  )
  await page.reload()
  await expect(page.getByTestId('conversation-header').getByTestId('persona-picker')).not.toContainText(
    RENAMED,
  )
})

test('the model picker lists the served model and marks the active one', async ({ page }) => {
  await signIn(page, admin)
  const served = await page.evaluate(async () => {
    const response = await fetch('/api/models')
    return ((await response.json()) as { models: { id: string }[] }).models.map((m) => m.id)
  })
  expect(served.length, 'llama-server offers a model').toBeGreaterThan(0)
  const picker = page.getByTestId('model-picker')
  await picker.click()
  const list = page.getByTestId('model-options')
  await expect(list).toBeVisible()
  for (const id of served) await expect(list.locator(`[data-model="${id}"]`)).toBeVisible()
  await expect(list.locator('[data-active="true"]')).toHaveCount(1)
  await expect(list.locator('[data-active="true"]')).toContainText('Active')
  await screenshots(page, 'picker-model', async () => {
    if (!(await list.isVisible())) await picker.click()
  })
  if (!(await list.isVisible())) await picker.click()
  // Escape closes the list and gives the focus back.
  await page.keyboard.press('Escape')
  await expect(list).toBeHidden()
  await expect(picker).toBeFocused()
})

test('a collection is made, renamed and given the uploaded document', async ({ page }) => {
  await signIn(page, admin)
  await page.getByTestId('vault-link').click()
  await expect(page.getByTestId('vault-page')).toBeVisible()
  await page.getByTestId('new-collection').click()
  await page.getByTestId('collection-name').fill(COLLECTION)
  await page.getByTestId('collection-description').fill('Notes about the harbour')
  await page.getByTestId('collection-save').click()
  const chip = page.locator(`[data-testid="collection-chip"][data-name="${COLLECTION}"]`)
  await expect(chip).toHaveAttribute('aria-pressed', 'true')
  await expect(page.getByTestId('document-row')).toHaveCount(0)

  await page.getByTestId('collection-rename').click()
  await expect(page.getByTestId('collection-name')).toHaveValue(COLLECTION)
  await page.getByTestId('collection-name').fill(RECOLLECTION)
  await page.getByTestId('collection-save').click()
  const renamed = page.locator(`[data-testid="collection-chip"][data-name="${RECOLLECTION}"]`)
  await expect(renamed).toBeVisible()
  await expect(page.getByTestId('collection-title')).toHaveText(RECOLLECTION)
  // The description was kept through the rename.
  await expect(page.getByTestId('collection-detail')).toContainText('Notes about the harbour')

  // The document is put in it from the list of all documents.
  await page.getByTestId('collection-filter-all').click()
  const row = page.getByTestId('document-row').filter({ hasText: 'quillmoor.md' })
  await row.getByTestId('document-collections').click()
  await page.locator(`[data-testid="collection-option"][data-name="${RECOLLECTION}"]`).click()
  await expect(
    page.locator(`[data-testid="collection-option"][data-name="${RECOLLECTION}"]`),
  ).toHaveAttribute('aria-selected', 'true')
  await page.keyboard.press('Escape')
  await expect(row.getByTestId('document-collections')).toContainText(RECOLLECTION)
  await expect(renamed).toContainText('1')

  // Filtered by the collection, the list holds that document; and after a reload.
  await renamed.click()
  await expect(page.getByTestId('document-row')).toHaveCount(1)
  await expect(page.getByTestId('document-row')).toContainText('quillmoor.md')
  await page.reload()
  await expect(page.getByTestId('collection-title')).toHaveText(RECOLLECTION)
  await expect(page.getByTestId('document-row')).toHaveCount(1)
  await screenshots(page, 'vault-collections', () =>
    page.getByTestId('collections').evaluate((element) => element.scrollIntoView({ block: 'start' })),
  )
})

test('a chat scoped to the collection keeps its scope and cites the document', async ({ page }) => {
  test.setTimeout(240_000)
  await signIn(page, admin)
  await page.getByTestId('new-chat').click()
  const sources = page.getByTestId('sources-picker')
  await expect(sources).toContainText('All documents')
  await sources.click()
  const list = page.getByTestId('source-options')
  await expect(list).toBeVisible()
  const option = list.locator(`[data-testid="source-option"][data-name="${RECOLLECTION}"]`)
  await option.click()
  await expect(option).toHaveAttribute('aria-selected', 'true')
  await expect(list.locator('[data-kind="all"]')).toHaveAttribute('aria-selected', 'false')
  await screenshots(page, 'picker-sources', async () => {
    if (!(await list.isVisible())) await sources.click()
  })
  if (await list.isVisible()) await page.keyboard.press('Escape')
  await expect(list).toBeHidden()
  await expect(sources).toContainText(RECOLLECTION)

  await ask(page, 'Who is the Quillmoor harbourmaster?')
  await expect(page).toHaveURL(/\/c\//)
  const answer = await answered(page)
  await expect(answer.getByTestId('citation').filter({ hasText: 'quillmoor.md' }).first()).toBeVisible()
  const header = page.getByTestId('conversation-header')
  await expect(header.getByTestId('sources-picker')).toContainText(RECOLLECTION)
  await screenshots(page, 'conversation-header')

  await page.reload()
  await expect(page.getByTestId('conversation-header').getByTestId('sources-picker')).toContainText(
    RECOLLECTION,
  )

  // Changed from the header: the document itself as well; kept after a reload.
  await page.getByTestId('conversation-header').getByTestId('sources-picker').click()
  await page.locator('[data-testid="source-option"][data-name="quillmoor.md"]').click()
  await expect(page.locator('[data-testid="source-option"][data-name="quillmoor.md"]')).toHaveAttribute(
    'aria-selected',
    'true',
  )
  await page.keyboard.press('Escape')
  await expect(page.getByTestId('conversation-header').getByTestId('sources-picker')).toContainText(
    '2 sources',
  )
  await page.reload()
  await expect(page.getByTestId('conversation-header').getByTestId('sources-picker')).toContainText(
    '2 sources',
  )
})

test('the collection and the persona are deleted', async ({ page }) => {
  await signIn(page, admin)
  await page.getByTestId('vault-link').click()
  const chip = page.locator(`[data-testid="collection-chip"][data-name="${RECOLLECTION}"]`)
  await chip.click()
  await page.getByTestId('collection-delete').click()
  await page.locator('dialog[open]').getByTestId('confirm').click()
  await expect(chip).toHaveCount(0)
  // Its document stays in the Vault.
  await expect(page.getByTestId('document-row').filter({ hasText: 'quillmoor.md' })).toBeVisible()

  await page.getByTestId('personas-link').click()
  const card = page.locator(`[data-testid="persona-card"][data-name="${RENAMED}"]`)
  await card.getByTestId('persona-delete').click()
  await page.locator('dialog[open]').getByTestId('confirm').click()
  await expect(card).toHaveCount(0)
  await page.reload()
  await expect(page.getByTestId('personas-page')).toBeVisible()
  await expect(card).toHaveCount(0)
})
