// Fails when src/api/schema.d.ts is not what openapi-typescript makes of openapi.json
// (run `npm run api:types` after updating openapi.json).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const dir = mkdtempSync(join(tmpdir(), 'gantry-api-'))
const fresh = join(dir, 'schema.d.ts')
try {
  execFileSync('npx', ['--no-install', 'openapi-typescript', 'openapi.json', '-o', fresh], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const committed = readFileSync('src/api/schema.d.ts', 'utf8')
  if (readFileSync(fresh, 'utf8') !== committed) {
    console.error('src/api/schema.d.ts is stale: run `npm run api:types` and commit it.')
    process.exitCode = 1
  } else {
    console.log('src/api/schema.d.ts matches openapi.json')
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
