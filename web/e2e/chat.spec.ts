// The web UI as a person uses it: first-run setup, a streamed answer, stopping one,
// renaming, pinning and deleting a conversation, finding one with Ctrl+K, a second user who
// sees none of the first's chats, and screenshots of each page at desktop and phone width,
// light and dark, in a folder this test prints.
import { expect, test } from '@playwright/test'
import { admin, ask, other, screenshots, signIn } from './support'

test.describe.configure({ mode: 'serial' })

test('the first visit sets up the admin, who chats with streamed answers', async ({ page }) => {
  await page.goto('/')
  await expect(page.getByTestId('display-name')).toBeVisible()
  await screenshots(page, 'setup')
  await page.getByTestId('display-name').fill(admin.name)
  await page.getByTestId('email').fill(admin.email)
  await page.getByTestId('password').fill(admin.password)
  await page.getByTestId('submit').click()
  await expect(page.getByTestId('composer')).toBeVisible()
  await screenshots(page, 'welcome')

  await ask(page, 'Name three colours of the rainbow.')
  await expect(page.locator('[data-testid="message"][data-role="user"]')).toHaveText(/Name three colours/)
  const answer = page.locator('[data-testid="message"][data-role="assistant"]').last()
  // Tokens appear as they stream: the answer is seen partly written before it is done.
  const lengths: number[] = []
  for (let i = 0; i < 200; i++) {
    const status = await answer.getAttribute('data-status').catch(() => null)
    lengths.push(((await answer.textContent().catch(() => '')) ?? '').length)
    if (status === 'complete') break
    await page.waitForTimeout(25)
  }
  await expect(answer).toHaveAttribute('data-status', 'complete')
  const growing = lengths.filter((n, i) => i > 0 && n > lengths[i - 1]).length
  expect(growing, `the text grew while streaming: ${lengths.join(',')}`).toBeGreaterThan(1)
  await expect(page.getByTestId('conversation-item')).toHaveCount(1)
  await screenshots(page, 'chat')
})

test('a generation can be stopped, and what arrived stays', async ({ page }) => {
  await signIn(page, admin)
  await page.getByTestId('new-chat').click()
  await ask(page, 'Count from 1 to 1000, one number per line.')
  await expect(page.getByTestId('stop')).toBeVisible()
  const answer = page.locator('[data-testid="message"][data-role="assistant"]').last()
  await expect(answer).not.toHaveText('')
  await page.getByTestId('stop').click()
  await expect(answer).toHaveAttribute('data-status', 'partial')
  await expect(page.getByTestId('send')).toBeVisible()
  // After a reload, the stopped answer is still there, as saved.
  await page.reload()
  await expect(page.locator('[data-testid="message"][data-role="assistant"]').last()).toHaveAttribute(
    'data-status',
    'partial',
  )
})

test('conversations are renamed, pinned, found with Ctrl+K and deleted', async ({ page }) => {
  await signIn(page, admin)
  const items = page.getByTestId('conversation-item')
  await expect(items).toHaveCount(2)
  const first = items.first()
  await first.hover()
  await first.getByTestId('conversation-menu').click()
  await page.getByTestId('rename').click()
  await page.getByTestId('rename-input').fill('Lighthouse notes')
  await page.getByTestId('rename-input').press('Enter')
  await expect(page.getByText('Lighthouse notes')).toBeVisible()

  const renamed = items.filter({ hasText: 'Lighthouse notes' })
  await renamed.hover()
  await renamed.getByTestId('conversation-menu').click()
  await page.getByTestId('pin').click()
  await expect(page.getByText('Pinned')).toBeVisible()

  await page.keyboard.press('Control+k')
  await page.getByTestId('search-input').fill('Lighthouse')
  await expect(page.getByTestId('search-result').first()).toContainText('Lighthouse notes')
  await screenshots(page, 'search')
  await page.getByTestId('search-result').first().click()
  await expect(page).toHaveURL(/\/c\//)

  const other = items.filter({ hasNotText: 'Lighthouse notes' })
  await other.hover()
  await other.getByTestId('conversation-menu').click()
  await page.getByTestId('delete').click()
  await page.getByTestId('confirm').click()
  await expect(items).toHaveCount(1)
  await page.reload()
  await expect(page.getByTestId('conversation-item')).toHaveCount(1)
})

test("another user sees none of the first user's conversations", async ({ page }) => {
  await signIn(page, admin)
  // The admin makes Bea's account through the API, as the admin pages will.
  const made = await page.evaluate(async (who) => {
    const response = await fetch('/api/admin/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: who.email, display_name: who.name, password: who.password }),
    })
    return response.status
  }, other)
  expect(made).toBe(201)
  await page.getByTestId('sign-out').click()
  await expect(page.getByTestId('email')).toBeVisible()
  await screenshots(page, 'sign-in')

  await signIn(page, other)
  await expect(page.getByTestId('conversation-item')).toHaveCount(0)
  await page.keyboard.press('Control+k')
  await page.getByTestId('search-input').fill('Lighthouse')
  await expect(page.getByTestId('search-result')).toHaveCount(0)
})

test('a document uploaded to the Vault is ingested and cited in a chat', async ({ page }) => {
  // An answer may run to the answer limit (512 tokens), slowly on a busy machine.
  test.setTimeout(240_000)
  await signIn(page, admin)
  await page.getByTestId('vault-link').click()
  await expect(page).toHaveURL(/\/vault$/)
  await expect(page.getByTestId('vault-page')).toBeVisible()
  const notes = [
    '# Harbour of Quillmoor',
    '',
    'The Quillmoor harbourmaster is Ottoline Brask. She rings the brass tide bell at dawn.',
    '',
    '## Ferries',
    '',
    'The Quillmoor ferry leaves for Tarn Island every Thursday at nine.',
  ].join('\n')
  await page.getByTestId('upload-input').setInputFiles({
    name: 'quillmoor.md',
    mimeType: 'text/markdown',
    buffer: Buffer.from(notes),
  })
  const row = page.getByTestId('document-row').filter({ hasText: 'quillmoor.md' })
  await expect(row).toBeVisible()
  await expect(row).toHaveAttribute('data-status', 'ready', { timeout: 60_000 })

  // The passages can be searched from the Vault.
  await page.getByTestId('passage-search').fill('Quillmoor harbourmaster')
  await page.getByTestId('passage-search').press('Enter')
  await expect(page.getByTestId('passage-result').first()).toContainText('quillmoor.md')
  await screenshots(page, 'vault')

  // Asked about in a new chat, the answer cites it.
  await page.getByTestId('new-chat').click()
  await ask(page, 'Who is the Quillmoor harbourmaster?')
  const answer = page.locator('[data-testid="message"][data-role="assistant"]').last()
  await expect(answer).not.toHaveAttribute('data-status', 'streaming', { timeout: 150_000 })
  await expect(answer.getByTestId('citation').first()).toBeVisible()
  // Token usage shows under the answer by default.
  await expect(answer.getByTestId('answer-meta')).toContainText('token')
})

test('settings create and revoke an API key, and report a wrong password', async ({ page }) => {
  await signIn(page, admin)
  await page.getByTestId('settings-link').click()
  await expect(page).toHaveURL(/\/settings$/)
  await expect(page.getByTestId('profile-email')).toHaveText(admin.email)

  await page.getByTestId('new-key-name').fill('e2e script')
  await page.getByTestId('create-key').click()
  await expect(page.getByTestId('new-key-value')).not.toHaveValue('')
  await expect(page.getByText('you will not see it again')).toBeVisible()
  const key = await page.getByTestId('new-key-value').inputValue()
  await expect(page.getByTestId('key-row')).toHaveCount(1)
  // The key works for the API.
  const status = await page.evaluate(async (secret) => {
    const response = await fetch('/api/auth/me', {
      headers: { authorization: `Bearer ${secret}` },
      credentials: 'omit',
    })
    return response.status
  }, key)
  expect(status).toBe(200)
  await page.getByTestId('settings-page').evaluate((element) => element.scrollTo(0, 0))
  await screenshots(page, 'settings')

  await page.getByTestId('revoke-key').click()
  // The sidebar's (closed) dialog is in the page too: the open one.
  await page.locator('dialog[open]').getByTestId('confirm').click()
  await expect(page.getByTestId('key-row')).toHaveCount(0)

  await page.getByTestId('current-password').fill('not my password')
  await page.getByTestId('new-password').fill('a brand new passphrase')
  await page.getByTestId('change-password').click()
  await expect(page.getByTestId('password-outcome')).toBeVisible()
  await expect(page.getByTestId('password-outcome')).toHaveAttribute('role', 'alert')
})

test('a fact said in a chat shows on the Memory page and can be forgotten', async ({ page }) => {
  // Facts are learned after the answer, by the model, and the answer may run to the answer
  // limit (512 tokens): give a busy machine time.
  test.setTimeout(300_000)
  await signIn(page, admin)
  await page.getByTestId('new-chat').click()
  await ask(page, 'My sister Maya lives in Porto.')
  const answer = page.locator('[data-testid="message"][data-role="assistant"]').last()
  await expect(answer).toBeVisible()
  await expect(answer).not.toHaveAttribute('data-status', 'streaming', { timeout: 150_000 })

  await page.getByTestId('memory-link').click()
  await expect(page).toHaveURL(/\/memory$/)
  await expect(page.getByTestId('memory-page')).toBeVisible()
  // Facts are extracted after the answer: reload until one about Maya is there.
  const maya = page.getByTestId('fact-row').filter({ hasText: /maya/i })
  await expect(async () => {
    await page.reload()
    await expect(page.getByTestId('memory-page')).toBeVisible()
    await expect(maya.first()).toBeVisible({ timeout: 2_000 })
  }).toPass({ timeout: 90_000, intervals: [1_000] })
  await expect(page.getByTestId('entity-row').first()).toBeVisible()
  await expect(page.getByTestId('memory-graph')).toBeVisible()
  await screenshots(page, 'memory')
  await screenshots(page, 'memory-graph', () => page.getByTestId('memory-graph').scrollIntoViewIfNeeded())
  // The zoom buttons change the picture.
  await page.getByRole('button', { name: 'Zoom in' }).click()
  await expect(page.getByText('125%')).toBeVisible()
  await page.getByRole('button', { name: 'Reset zoom' }).click()
  await expect(page.getByText('100%')).toBeVisible()

  const sentence = (await maya.first().locator('p').first().textContent()) ?? ''
  const before = await maya.count()
  await maya.first().getByTestId('forget-fact').click()
  await page.locator('dialog[open]').getByTestId('confirm').click()
  await expect(maya).toHaveCount(before - 1)
  await page.reload()
  await expect(page.getByTestId('memory-page')).toBeVisible()
  await expect(page.getByTestId('fact-row').filter({ hasText: sentence })).toHaveCount(0)
})
