// Shared by the end-to-end tests: a tiny static server over dist/ and a headless Chromium
// (the Debian one, driven by playwright-core; no browser is downloaded).
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = join(ROOT, 'dist');
export const SCREENSHOTS = join(ROOT, 'target', 'screenshots');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * Serves dist/ on 127.0.0.1 at a free port, under `prefix` (e.g. '/some/sub/path/'), the way a
 * static host would: a folder URL serves its index.html, anything else is a 404.
 * Returns { base, close } where base is the URL of the prefix.
 */
export async function startServer({ prefix = '/' } = {}) {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error(`${DIST}/index.html is missing: run scripts/build.sh first`);
  }
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (!path.startsWith(prefix)) {
      res.writeHead(404).end('not found');
      return;
    }
    let rel = normalize(path.slice(prefix.length));
    if (rel.startsWith('..')) {
      res.writeHead(403).end('forbidden');
      return;
    }
    if (rel === '.' || rel.endsWith('/')) rel = join(rel, 'index.html');
    try {
      const body = await readFile(join(DIST, rel));
      res.writeHead(200, {
        'content-type': TYPES[extname(rel)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    base: `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** Launches the system Chromium headless, with the flags known to work offline and as root. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Opens a page of `width`×`height` that records every console error, uncaught page error and
 * failed response (status ≥ 400 or a network failure), so a test can assert there were none.
 */
export async function openPage(browser, { width = 1280, height = 800, locale = 'en-US' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return { page, context, problems };
}

/** Waits until the app has rendered its root in `frame` (a page or an iframe's frame). */
export async function waitForApp(frame) {
  await frame.waitForSelector('[data-testid=app-root]', { timeout: 15000 });
  await frame.waitForSelector('[data-testid=topology]', { timeout: 15000 });
}

/** Saves a full-viewport screenshot as target/screenshots/NAME.png and returns its path. */
export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/**
 * Registers `before`/`after` hooks that serve dist/ and launch the browser for a test file.
 * Returns a handle whose `server` and `browser` are set once `before` has run.
 */
export function useServerAndBrowser() {
  const env = { server: undefined, browser: undefined };
  before(async () => {
    env.server = await startServer();
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/**
 * The `lab` CLI the page is compared with: `LAB_BIN` (scripts/test.sh builds the current one and
 * sets it), else target/release/lab, built when missing.
 */
export function labBinary() {
  const lab = process.env.LAB_BIN ?? join(ROOT, 'target', 'release', 'lab');
  if (!existsSync(lab)) {
    execFileSync('cargo', ['build', '--release', '--bin', 'lab'], { cwd: ROOT, stdio: 'inherit' });
  }
  return lab;
}
