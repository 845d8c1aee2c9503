// Measures the web UI as a person meets it, in Debian's Chromium against a real
// `gantry serve` (started here on a fresh data directory, no model needed):
//   1. the chat page's first paint and the moment its composer is ready, on localhost,
//      cold (empty cache) and warm;
//   2. typing in the composer while a 10,000-message conversation is open with every
//      message loaded, against the same typing in an empty conversation: how long each
//      key takes from the event to the next paint (the browser's Event Timing).
// Usage: GANTRY_BIN=path/to/gantry node bench/ui.mjs [--messages 10000] [--runs 10]
import { chromium } from '@playwright/test'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`)
  return at > 0 ? Number(process.argv[at + 1]) : fallback
}
const MESSAGES = arg('messages', 10_000)
const RUNS = arg('runs', 10)
const PORT = arg('port', 8795)
const bin = process.env.GANTRY_BIN
if (!bin) throw new Error('set GANTRY_BIN to the built gantry binary')
const origin = `http://127.0.0.1:${PORT}`

const dataDir = mkdtempSync(join(tmpdir(), 'gantry-ui-bench-'))
const server = spawn(bin, ['serve', '--listen', `127.0.0.1:${PORT}`], {
  env: { ...process.env, GANTRY_DATA_DIR: dataDir, GANTRY_LOG: 'warn', GANTRY_LLM_URL: '' },
  stdio: ['ignore', 'inherit', 'inherit'],
})
const stop = () => {
  server.kill('SIGTERM')
  rmSync(dataDir, { recursive: true, force: true })
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

async function waitForServer() {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${origin}/health`)).ok) return
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('gantry serve did not start')
}

/** A conversation of `n` messages in Gantry's export format, alternating question and answer. */
function bigConversation(n) {
  const start = Date.parse('2026-01-01T00:00:00Z')
  const id = () => crypto.randomUUID()
  const messages = Array.from({ length: n }, (_, i) => ({
    id: id(),
    role: i % 2 ? 'assistant' : 'user',
    content:
      i % 2
        ? `Answer ${i}: here is **some Markdown**, a list\n\n- one\n- two\n\nand \`code\` to render.`
        : `Question ${i}: what about this, and that?`,
    status: 'complete',
    created_at: new Date(start + i * 1000).toISOString(),
  }))
  return {
    format: 'gantry.conversation',
    version: 1,
    conversation: {
      id: id(),
      title: `${n} messages`,
      created_at: new Date(start).toISOString(),
      updated_at: new Date(start + n * 1000).toISOString(),
    },
    messages,
  }
}

/** Records when the composer first appears, and every key's event timing. */
const INIT = () => {
  const mark = () => {
    if (!window.__composerAt && document.querySelector('[data-testid="composer"]')) {
      window.__composerAt = performance.now()
    }
  }
  new MutationObserver(mark).observe(document, { childList: true, subtree: true })
  window.__keys = []
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.name === 'keydown' || e.name === 'keypress' || e.name === 'input' || e.name === 'keyup') {
        window.__keys.push({ name: e.name, duration: e.duration })
      }
    }
  }).observe({ type: 'event', durationThreshold: 16, buffered: true })
}

async function firstPaint(browser, storage, warm) {
  const ready = []
  const fcp = []
  const context = await browser.newContext({ storageState: storage })
  for (let i = 0; i < RUNS; i++) {
    const page = warm
      ? await context.newPage()
      : await (await browser.newContext({ storageState: storage })).newPage()
    await page.addInitScript(INIT)
    if (warm) await page.goto(`${origin}/`) // fills the cache
    await page.goto(`${origin}/`)
    await page.waitForSelector('[data-testid="composer"]')
    const t = await page.evaluate(() => ({
      composer: window.__composerAt,
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
    }))
    ready.push(t.composer)
    fcp.push(t.fcp)
    await page.close()
  }
  await context.close()
  return { fcp: median(fcp), ready: median(ready) }
}

async function typing(page, label) {
  const text = 'How does the vector index decide which past messages to bring back? '
  await page.evaluate(() => (window.__keys = []))
  const composer = page.getByTestId('composer')
  await composer.click()
  const started = Date.now()
  await composer.pressSequentially(text, { delay: 30 })
  const wall = Date.now() - started
  await page.waitForTimeout(300)
  const keys = await page.evaluate(() => window.__keys)
  const durations = keys.filter((k) => k.name === 'keydown').map((k) => k.duration)
  const value = await composer.inputValue()
  if (value !== text) throw new Error(`${label}: the composer holds "${value}"`)
  await composer.fill('')
  return {
    label,
    keys: text.length,
    // Event Timing reports only events that took 16 ms or more from key to paint.
    slowKeys: durations.length,
    max: durations.length ? Math.max(...durations) : '<16',
    wallMs: wall,
  }
}

try {
  await waitForServer()
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  })
  const context = await browser.newContext()
  const request = context.request
  const headers = { Origin: origin, 'Content-Type': 'application/json' }
  const setUp = await request.post(`${origin}/api/setup`, {
    headers,
    data: { display_name: 'Bench', email: 'bench@example.com', password: 'a long bench password' },
  })
  if (!setUp.ok()) throw new Error(`setup: ${setUp.status()} ${await setUp.text()}`)
  const imported = await request.post(`${origin}/api/chat/import`, {
    headers,
    data: JSON.stringify(bigConversation(MESSAGES)),
  })
  if (!imported.ok()) throw new Error(`import: ${imported.status()} ${await imported.text()}`)
  const big = await imported.json()
  const empty = await (await request.post(`${origin}/api/chat/conversations`, { headers, data: {} })).json()
  const storage = await context.storageState()

  const cold = await firstPaint(browser, storage, false)
  const warm = await firstPaint(browser, storage, true)
  console.log(
    `chat page, median of ${RUNS}: cold first paint ${cold.fcp.toFixed(0)} ms, composer ready ${cold.ready.toFixed(0)} ms; warm ${warm.fcp.toFixed(0)} / ${warm.ready.toFixed(0)} ms`,
  )

  const page = await context.newPage()
  await page.addInitScript(INIT)
  await page.goto(`${origin}/c/${empty.id}`)
  await page.waitForSelector('[data-testid="composer"]')
  const baseline = await typing(page, 'empty conversation')

  await page.goto(`${origin}/c/${big.id}`)
  await page.waitForSelector('[data-testid="message"]')
  const loading = Date.now()
  for (;;) {
    const more = page.getByRole('button', { name: 'Load earlier messages' })
    if ((await more.count()) === 0) break
    await more.click()
    await page.waitForFunction(() => !document.body.innerText.includes('Loading…'))
  }
  const loaded = await page.evaluate(() => document.querySelectorAll('[data-testid="message"]').length)
  console.log(
    `${MESSAGES} messages loaded in ${((Date.now() - loading) / 1000).toFixed(1)} s; ${loaded} in the page at once`,
  )
  await page
    .getByTestId('message-list')
    .evaluate((el) => el.parentElement.scrollTo({ top: el.scrollHeight / 2 }))
  const busy = await typing(page, `${MESSAGES}-message conversation`)
  for (const r of [baseline, busy]) {
    console.log(
      `typing in the ${r.label}: ${r.keys} keys at 30 ms apart; ${r.slowKeys} took 16 ms or more from key to paint (the slowest ${r.max} ms); ${r.wallMs} ms in all`,
    )
  }
  await browser.close()
} finally {
  stop()
}
