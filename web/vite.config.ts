/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'
import tailwindcss from '@tailwindcss/vite'
import type { ProxyOptions } from 'vite'

// The Gantry server that `npm run dev` and `npm run preview` pass /api, /v1, /health and
// /ready to.
// Start one with `gantry serve` (default 127.0.0.1:8000) or point GANTRY_URL elsewhere.
const target = process.env.GANTRY_URL ?? 'http://127.0.0.1:8000'

// Gantry accepts a change made with its session cookie only from its own origin, so the
// proxy presents the browser's request as coming from the server's origin.
const api: ProxyOptions = {
  target,
  changeOrigin: true,
  configure(proxy) {
    proxy.on('proxyReq', (request) => {
      if (request.getHeader('origin')) request.setHeader('origin', target)
      if (request.getHeader('referer')) request.setHeader('referer', `${target}/`)
    })
  },
}
const proxy = { '/api': api, '/v1': api, '/health': api, '/ready': api }

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: { proxy },
  preview: { proxy },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 600,
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    css: false,
    // Unit tests live beside the code; e2e/ is Playwright's, run in a real browser.
    include: ['src/**/*.test.{ts,tsx}'],
  },
})
