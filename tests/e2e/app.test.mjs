// End to end over the release build in dist/: the page loads cleanly at every size and path it
// will be used at, and the blog embed example shows the playground in its frame.
// Screenshots land in target/screenshots/ for a human to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, waitForApp, screenshot } from './helpers.mjs';

let server;
let subServer;
let browser;

before(async () => {
  server = await startServer();
  subServer = await startServer({ prefix: '/some/sub/path/' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await subServer?.close();
});

/** Loads `url` at the given size, waits for the app, screenshots it, and checks for no errors. */
async function loadClean(url, { width, height, name, locale }) {
  const { page, context, problems } = await openPage(browser, { width, height, locale });
  try {
    await page.goto(url, { waitUntil: 'load' });
    await waitForApp(page);
    assert.equal(await page.textContent('[data-testid=app-title]'), 'Consistency Lab');
    if (name) await screenshot(page, name);
    assert.deepEqual(problems, [], `no console, page or network errors at ${url}`);
    return { page, context };
  } catch (err) {
    await context.close();
    throw err;
  }
}

test('desktop 1280×800: loads with no console or page error and renders the app', async () => {
  const { page, context } = await loadClean(server.base, { width: 1280, height: 800, name: 'desktop-1280x800' });
  assert.ok(await page.isVisible('[data-testid=topology]'), 'topology region is visible');
  assert.ok(await page.isVisible('[data-testid=lang-switch]'), 'language switch is visible');
  await context.close();
});

test('?lang=ko shows Korean, and the switch goes to English', async () => {
  const { page, context } = await loadClean(`${server.base}?lang=ko`, { width: 1280, height: 800, name: 'desktop-ko' });
  assert.equal(await page.getAttribute('[data-testid=app-root]', 'data-lang'), 'ko');
  assert.match(await page.textContent('[data-testid=app-tagline]'), /[가-힣]/);
  await page.click('[data-testid=lang-en]');
  await page.waitForSelector('[data-testid=app-root][data-lang=en]');
  assert.match(page.url(), /lang=en/);
  await context.close();
});

test('a Korean browser without ?lang starts in Korean', async () => {
  const { page, context } = await loadClean(server.base, { width: 1280, height: 800, locale: 'ko-KR' });
  assert.equal(await page.getAttribute('[data-testid=app-root]', 'data-lang'), 'ko');
  await context.close();
});

test('embed frame 800×500 (?embed=1) renders compact', async () => {
  const { page, context } = await loadClean(`${server.base}?embed=1&lang=ko`, { width: 800, height: 500, name: 'embed-800x500' });
  assert.ok(await page.$('[data-testid=app-root].embed'), 'root has the embed class');
  await context.close();
});

test('phone 390×844 renders without horizontal scroll', async () => {
  const { page, context } = await loadClean(server.base, { width: 390, height: 844, name: 'phone-390x844' });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  await context.close();
});

test('the same dist/ works under /some/sub/path/', async () => {
  const { context } = await loadClean(subServer.base, { width: 1280, height: 800, name: 'subpath' });
  await context.close();
});

test('static/embed.html: a Korean article with the playground framed beside its snippet', async () => {
  const { page, context, problems } = await openPage(browser, { width: 1280, height: 800 });
  try {
    await page.goto(`${subServer.base}embed.html`, { waitUntil: 'load' });
    const snippet = await page.textContent('[data-testid=embed-snippet]');
    assert.match(snippet, /<iframe/);
    assert.match(snippet, /embed=1/);
    const handle = await page.waitForSelector('iframe[data-testid=playground-frame]');
    const frame = await handle.contentFrame();
    await waitForApp(frame);
    assert.equal(await frame.getAttribute('[data-testid=app-root]', 'data-lang'), 'ko');
    assert.ok(await frame.$('[data-testid=app-root].embed'), 'the frame is in embed mode');
    await handle.scrollIntoViewIfNeeded();
    await screenshot(page, 'embed-article');
    assert.deepEqual(problems, [], 'no console, page or network errors in the article or its frame');
  } finally {
    await context.close();
  }
});

test('release builds have no debug panic trigger', async () => {
  const { page, context } = await loadClean(`${server.base}?debug_panic=1`, { width: 1280, height: 800 });
  assert.equal(await page.$('[data-testid=debug-panic]'), null, 'no hidden panic button');
  assert.equal(await page.$('#panic-panel'), null, '?debug_panic=1 is ignored');
  await context.close();
});
