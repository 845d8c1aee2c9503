// The Admin pages as an administrator uses them: an account made, promoted, disabled (and
// so refused at sign-in), enabled, given a new password and deleted; a system persona; the
// llama-server backend healthy and tested; usage that counts the admin's chats from
// chat.spec.ts; the export and the audit log; the server's health; and a non-admin who is
// shown the door. Goes on from chat.spec.ts (the admin Ada and the user Bea exist).
import { expect, test, type Browser, type Page } from '@playwright/test'
import { admin, other, screenshots, signIn } from './support'

test.describe.configure({ mode: 'serial' })

const cy = { name: 'Cy Newcomer', email: 'cy@example.com', password: 'first password 1' }
const NEW_PASSWORD = 'second password 2'
const PERSONA = 'Harbour concierge'

async function openAdmin(page: Page, tab?: string) {
  await signIn(page, admin)
  await page.getByTestId('admin-link').click()
  await expect(page).toHaveURL(/\/admin\/users$/)
  if (tab) {
    await page.getByTestId(`admin-tab-${tab}`).click()
    await expect(page).toHaveURL(new RegExp(`/admin/${tab}$`))
  }
}

/** Screenshots of the admin page scrolled to its top. */
async function shoot(page: Page, name: string) {
  const top = () => page.getByTestId('admin-page').evaluate((element) => element.scrollTo(0, 0))
  await top()
  await screenshots(page, name, top)
}

/** Tries to sign in as `who` in a fresh browser context; resolves to whether it worked. */
async function canSignIn(browser: Browser, who: { email: string; password: string }): Promise<boolean> {
  const context = await browser.newContext()
  const page = await context.newPage()
  try {
    await page.goto('/')
    await page.getByTestId('email').fill(who.email)
    await page.getByTestId('password').fill(who.password)
    await page.getByTestId('submit').click()
    const composer = page.getByTestId('composer')
    await expect(composer.or(page.getByRole('alert').first())).toBeVisible()
    return await composer.isVisible()
  } finally {
    await context.close()
  }
}

test('the admin makes, changes, disables, enables, resets and deletes an account', async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000)
  await openAdmin(page)
  const rows = page.getByTestId('user-row')
  const row = (email: string) => page.locator(`[data-testid="user-row"][data-email="${email}"]`)
  await expect(row(admin.email)).toBeVisible()
  await expect(row(other.email)).toBeVisible()
  await shoot(page, 'admin-users')

  // The server refuses to let an admin disable themself: said in place, nothing changed.
  await row(admin.email).getByTestId('user-disable').click()
  await expect(row(admin.email).getByRole('alert')).toContainText(/cannot/i)
  await expect(row(admin.email)).toHaveAttribute('data-disabled', 'false')
  await row(admin.email).getByRole('button', { name: 'Dismiss' }).click()

  // A new account.
  await page.getByTestId('new-user-button').click()
  await page.getByTestId('new-user-name').fill(cy.name)
  await page.getByTestId('new-user-email').fill(cy.email)
  await page.getByTestId('new-user-password').fill(cy.password)
  await screenshots(page, 'admin-new-user')
  await page.getByTestId('create-user').click()
  await expect(row(cy.email)).toBeVisible()
  await expect(row(cy.email)).toHaveAttribute('data-role', 'user')

  // The search finds it by name.
  await page.getByTestId('user-search').fill('newcomer')
  await expect(rows).toHaveCount(1)
  await expect(rows.first()).toHaveAttribute('data-email', cy.email)
  await page.getByTestId('user-search').fill('')
  await expect(row(admin.email)).toBeVisible()

  // Promoted, then back to a user.
  await row(cy.email).getByTestId('user-role').selectOption('admin')
  await expect(row(cy.email)).toHaveAttribute('data-role', 'admin')
  await row(cy.email).getByTestId('user-role').selectOption('user')
  await expect(row(cy.email)).toHaveAttribute('data-role', 'user')

  // Disabled: the account cannot sign in.
  await row(cy.email).getByTestId('user-disable').click()
  await expect(row(cy.email)).toHaveAttribute('data-disabled', 'true')
  await expect(row(cy.email).getByTestId('user-disabled-badge')).toBeVisible()
  expect(await canSignIn(browser, cy)).toBe(false)

  // Enabled again; then a new password, which works (and the old one does not).
  await row(cy.email).getByTestId('user-enable').click()
  await expect(row(cy.email)).toHaveAttribute('data-disabled', 'false')
  await row(cy.email).getByTestId('user-menu').click()
  await page.getByTestId('user-reset-password').click()
  const reset = page.getByTestId('reset-dialog')
  await expect(reset).toBeVisible()
  await reset.getByTestId('reset-password-input').fill(NEW_PASSWORD)
  await screenshots(page, 'admin-reset-password')
  await reset.getByTestId('dialog-submit').click()
  await expect(reset).toBeHidden()
  await expect(page.getByTestId('users-notice')).toContainText('reset')
  expect(await canSignIn(browser, { email: cy.email, password: NEW_PASSWORD })).toBe(true)
  expect(await canSignIn(browser, cy)).toBe(false)

  // Quotas: one changed, then kept after a reload of the dialog.
  await row(cy.email).getByTestId('user-menu').click()
  await page.getByTestId('user-quotas').click()
  const quotas = page.getByTestId('quotas-dialog')
  await expect(quotas.getByTestId('quota-tokens_per_day')).toBeVisible()
  await quotas.getByTestId('quota-tokens_per_day').fill('50000')
  await screenshots(page, 'admin-quotas')
  await quotas.getByTestId('dialog-submit').click()
  await expect(quotas).toBeHidden()
  await row(cy.email).getByTestId('user-menu').click()
  await page.getByTestId('user-quotas').click()
  await expect(quotas.getByTestId('quota-tokens_per_day')).toHaveValue('50000')
  await quotas.getByRole('button', { name: 'Cancel' }).click()

  // Deleted, after a confirmation.
  await row(cy.email).getByTestId('user-menu').click()
  await page.getByTestId('user-delete').click()
  await page.locator('dialog[open]').getByTestId('confirm').click()
  await expect(row(cy.email)).toHaveCount(0)
  await page.reload()
  await expect(row(admin.email)).toBeVisible()
  await expect(row(cy.email)).toHaveCount(0)

  // An invite: its code is shown once, then it is withdrawn.
  await page.getByTestId('invite-note').fill('Dee from accounts')
  await page.getByTestId('create-invite').click()
  await expect(page.getByTestId('new-invite-code')).not.toHaveValue('')
  const invite = page.getByTestId('invite-row').filter({ hasText: 'Dee from accounts' })
  await expect(invite).toBeVisible()
  await invite.getByTestId('withdraw-invite').click()
  await page.locator('dialog[open]').getByTestId('confirm').click()
  await expect(invite).toHaveCount(0)
})

test('a system persona is created, edited and deleted', async ({ page }) => {
  await openAdmin(page, 'personas')
  await page.getByTestId('new-persona').click()
  const dialog = page.getByTestId('persona-dialog')
  await dialog.getByTestId('persona-name').fill(PERSONA)
  await dialog
    .getByTestId('persona-prompt')
    .fill(
      'You welcome visitors to Quillmoor harbour. Answer briefly and kindly, with ferry times when asked.',
    )
  await dialog.getByTestId('persona-temperature').fill('0.4')
  await screenshots(page, 'admin-persona-dialog')
  await dialog.getByTestId('dialog-submit').click()
  await expect(dialog).toBeHidden()
  const card = page.getByTestId('admin-persona').filter({ hasText: PERSONA })
  await expect(card).toBeVisible()
  await expect(card).toContainText('temperature 0.4')
  await shoot(page, 'admin-personas')

  await card.getByTestId('edit-persona').click()
  await dialog.getByTestId('persona-temperature').fill('0.6')
  await dialog.getByTestId('dialog-submit').click()
  await expect(card).toContainText('temperature 0.6')
  await page.reload()
  await expect(card).toContainText('temperature 0.6')

  // Deleted again, so the other test files see the personas they made alone.
  await card.getByTestId('delete-persona').click()
  await page.locator('dialog[open]').getByTestId('confirm').click()
  await expect(card).toHaveCount(0)
})

test('the llama-server backend is healthy and answers a test', async ({ page }) => {
  await openAdmin(page, 'models')
  const backend = page.getByTestId('backend').first()
  await expect(backend).toBeVisible()
  await expect(backend).toHaveAttribute('data-ok', 'true')
  await expect(backend.getByTestId('backend-health')).toContainText('Healthy')
  await expect(backend.getByTestId('backend-model-chip').first()).toBeVisible()
  // The served model made the default with its star, then the choice undone.
  const model = (await backend.getByTestId('backend-model-chip').first().textContent())?.trim() ?? ''
  await backend.getByTestId('make-default').first().click()
  await expect(page.getByTestId('default-model')).toContainText(model)
  await expect(backend.getByTestId('backend-model-chip').first()).toContainText('Default')
  // llama.cpp loads models on demand: no load or unload controls.
  await expect(backend.getByTestId('backend-switch')).toHaveCount(0)
  await backend.getByTestId('backend-test').click()
  await expect(backend.getByTestId('backend-test-result')).toHaveAttribute('data-ok', 'true')
  await screenshots(page, 'admin-models')
  await page.getByTestId('reset-default-model').click()
  await expect(page.getByTestId('default-model')).toContainText('Not set')

  // A backend that does not answer is reported by the test, not added.
  await page.getByTestId('add-backend').click()
  const dialog = page.getByTestId('add-backend-dialog')
  await dialog.getByTestId('backend-name').fill('nowhere')
  await dialog.getByTestId('backend-url').fill('http://127.0.0.1:9/v1')
  await dialog.getByTestId('backend-test-new').click()
  await expect(dialog.getByTestId('backend-test-new-result')).toHaveAttribute('data-ok', 'false')
  await screenshots(page, 'admin-add-backend')
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(page.getByTestId('backend')).toHaveCount(1)
})

test("usage counts the admin's chats, by day, user and model", async ({ page }) => {
  await openAdmin(page, 'usage')
  await expect(page.getByTestId('usage-totals')).toBeVisible()
  const calls = Number(((await page.getByTestId('usage-requests').textContent()) ?? '').replace(/\D/g, ''))
  expect(calls).toBeGreaterThan(0)
  await expect(page.getByTestId('usage-by-user').getByTestId('rank-bar').first()).toHaveAttribute(
    'data-label',
    admin.name,
  )
  await expect(page.getByTestId('usage-by-model').getByTestId('rank-bar')).not.toHaveCount(0)
  // Today's bar is drawn and is not empty.
  const today = new Date().toISOString().slice(0, 10)
  const bar = page.locator(`[data-testid="day-bar"][data-day="${today}"]`)
  await expect(bar).toHaveCount(1)
  expect(Number(await bar.getAttribute('data-value'))).toBeGreaterThan(0)
  await expect(page.getByTestId('usage-row').first()).toContainText(admin.name)
  await shoot(page, 'admin-usage')

  // Bea has not chatted: her usage is empty.
  const bea = await page
    .getByTestId('usage-user')
    .locator('option', { hasText: other.name })
    .getAttribute('value')
  await page.getByTestId('usage-user').selectOption(bea ?? '')
  await expect(page.getByTestId('usage-requests')).toHaveText(/calls\s*0$/)
  await page.getByTestId('usage-metric-requests').check({ force: true })
  await page.getByTestId('usage-preset-7').click()
  await expect(page.getByTestId('day-bar')).toHaveCount(7)
})

test('the export downloads as a ZIP, and the audit log records what admins did', async ({ page }) => {
  await openAdmin(page, 'audit')
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-download').click(),
  ])
  expect(download.suggestedFilename()).toMatch(/\.zip$/)
  expect(await download.failure()).toBeNull()

  await page.getByTestId('audit-card').getByRole('button', { name: 'Reload the audit log' }).click()
  const rows = page.getByTestId('audit-row')
  await expect(rows.first()).toBeVisible()
  await expect(page.locator('[data-testid="audit-row"][data-action="export.bulk"]').first()).toBeVisible()
  await expect(page.locator('[data-testid="audit-row"][data-action="user.delete"]').first()).toContainText(
    cy.email,
  )
  await expect(page.getByTestId('audit-csv')).toHaveAttribute('href', '/api/admin/audit/export')
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-csv').click()])
  expect(csv.suggestedFilename()).toMatch(/\.csv$/)
  await shoot(page, 'admin-audit')
})

test("the health page shows the server's state", async ({ page }) => {
  await openAdmin(page, 'health')
  await expect(page.getByTestId('health-version')).not.toBeEmpty()
  const users = Number(((await page.getByTestId('count-users').textContent()) ?? '').replace(/\D/g, ''))
  expect(users).toBeGreaterThanOrEqual(2)
  await expect(page.getByTestId('health-backend').first()).toHaveAttribute('data-ok', 'true')
  await shoot(page, 'admin-health')
})

test('a non-admin has no Admin link and is told the page is for administrators', async ({ page }) => {
  await signIn(page, other)
  await expect(page.getByTestId('settings-link')).toBeVisible()
  await expect(page.getByTestId('admin-link')).toHaveCount(0)
  await page.goto('/admin')
  await expect(page.getByTestId('admin-forbidden')).toContainText('Only administrators can see this page')
  // The server refuses Bea too, whatever the UI shows.
  const status = await page.evaluate(async () => (await fetch('/api/admin/users')).status)
  expect(status).toBe(403)
  await screenshots(page, 'admin-forbidden')
})
