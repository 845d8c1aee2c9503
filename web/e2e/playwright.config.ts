// End-to-end tests of the web UI in Debian's Chromium (/usr/bin/chromium: a test tool's
// own browser download does not work here) against a real `gantry serve` on a fresh data
// directory, chatting with the real llama-server. `scripts/test` runs them with
// GANTRY_BIN (the built `gantry`) and GANTRY_LLM_URL set.
import { defineConfig } from '@playwright/test'
import { writeFileSync } from 'node:fs'

const port = Number(process.env.E2E_PORT ?? 8791)
const bin = process.env.GANTRY_BIN
const llm = process.env.GANTRY_LLM_URL
if (!bin || !llm) {
  throw new Error('GANTRY_BIN and GANTRY_LLM_URL must be set: run the tests with scripts/test')
}
const dataDir = process.env.E2E_DATA_DIR ?? `/tmp/gantry-e2e-${process.pid}`
// Every test signs in afresh, all from 127.0.0.1: more than the default 10 sign-ins a
// minute per address that a real server allows.
const settings = `${dataDir}.toml`
writeFileSync(settings, '[server]\nlogins_per_minute = 120\n')
// Optional: where the browser goes, when the UI is served apart from the server (a freshly
// built dist/ through `vite preview`, whose proxy passes /api on to this server). The
// server is started as always; by default the browser talks to it directly.
const baseURL = process.env.E2E_BASE_URL || `http://127.0.0.1:${port}`
// One folder for every test file's screenshots (the workers inherit this).
process.env.E2E_SCREENSHOTS ??= `/tmp/gantry-e2e-screens-${process.pid}`
console.log(`screenshots: ${process.env.E2E_SCREENSHOTS}`)

export default defineConfig({
  testDir: '.',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  // One server, one story: the tests run in order and build on each other.
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  // chat.spec.ts tells the story from the first visit (it sets up the admin and a second
  // user); the other files go on from where it ends.
  projects: [
    { name: 'chat', testMatch: 'chat.spec.ts' },
    { name: 'pages', testMatch: /.*\.spec\.ts/, testIgnore: 'chat.spec.ts', dependencies: ['chat'] },
  ],
  use: {
    baseURL,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    headless: true,
  },
  webServer: {
    // The binary itself, so that stopping it stops the server (not a wrapper).
    command: `rm -rf ${dataDir} && exec ${bin} serve --config ${settings} --listen 127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: {
      GANTRY_DATA_DIR: dataDir,
      GANTRY_LLM_URL: llm,
      GANTRY_CONTEXT_LENGTH: '2048',
      GANTRY_SIGNUP: 'closed',
      GANTRY_LOG: 'warn',
      ...(process.env.GANTRY_MINILM_DIR ? { GANTRY_MINILM_DIR: process.env.GANTRY_MINILM_DIR } : {}),
    },
  },
})
