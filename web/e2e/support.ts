// What the end-to-end tests share: the two people of the story, signing in, asking, and
// screenshots of each page at desktop and phone width, light and dark.
import { expect, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'

/** Set by playwright.config.ts, so that every test file writes to the one folder. */
export const shots = process.env.E2E_SCREENSHOTS ?? '/tmp/gantry-e2e-screens'
mkdirSync(shots, { recursive: true })

/** The first account, made by chat.spec.ts's first test (the first-run setup). */
export const admin = { name: 'Ada Admin', email: 'ada@example.com', password: 'correct horse battery' }
/** A second account, made by the admin in chat.spec.ts. */
export const other = { name: 'Bea', email: 'bea@example.com', password: 'another long passphrase' }

/** Saves the page at desktop and phone width, light and dark. */
export async function screenshots(page: Page, name: string, prepare?: () => Promise<void>) {
  for (const [width, height, size] of [
    [1280, 800, 'desktop'],
    [390, 844, 'phone'],
  ] as const) {
    await page.setViewportSize({ width, height })
    await prepare?.()
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      await page.waitForTimeout(150)
      await page.screenshot({ path: `${shots}/${name}-${size}-${scheme}.png` })
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 })
  await page.emulateMedia({ colorScheme: 'light' })
}

export async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto('/')
  await page.getByTestId('email').fill(who.email)
  await page.getByTestId('password').fill(who.password)
  await page.getByTestId('submit').click()
  await expect(page.getByTestId('composer')).toBeVisible()
}

export async function ask(page: Page, question: string) {
  await page.getByTestId('composer').fill(question)
  await page.getByTestId('composer').press('Enter')
}
