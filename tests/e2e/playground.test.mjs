// End to end over the release build: the live playground at the three sizes it is used at
// (1280×800 desktop, the 800×500 blog frame, a 390-wide phone). Each run fires delivery events,
// crashes a broker, cuts a link, heals, and watches the checker go from diverged to converged.
// A screenshot is taken at every step: target/screenshots/play-<size>-<step>.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, waitForApp, screenshot, useServerAndBrowser } from './helpers.mjs';

const env = useServerAndBrowser();

const SIZES = [
  { name: 'desktop', width: 1280, height: 800, query: '?lang=en' },
  { name: 'embed', width: 800, height: 500, query: '?lang=ko&embed=1' },
  { name: 'phone', width: 390, height: 844, query: '?lang=en' },
];

/** Virtual time now, µs (the playground root carries it). */
async function nowUs(page) {
  return Number(await page.getAttribute('[data-testid=playground]', 'data-now-us'));
}

/** Opens a node's or link's menu from the keyboard (the same path a keyboard user takes). */
async function openMenu(page, selector) {
  // A node's button is the transparent box drawn over it; a link is a button itself.
  await page.focus(selector.startsWith('[data-node') ? `${selector} > .hit-box` : selector);
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=pick-menu]');
}

/** Clicks a button even when it is below the fold (scrolls it into view first). */
async function press(page, selector) {
  const el = page.locator(selector).first();
  await el.scrollIntoViewIfNeeded();
  await el.click();
}

async function converged(page) {
  return (await page.getAttribute('[data-testid=converged]', 'data-converged')) === 'true';
}

for (const size of SIZES) {
  test(`${size.name} ${size.width}×${size.height}: fire, crash a broker, cut a link, heal, converge`, async () => {
    const { page, context, problems } = await openPage(env.browser, { width: size.width, height: size.height });
    const shot = async (step) => {
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, `play-${size.name}-${step}`);
    };
    try {
      await page.goto(env.server.base + size.query, { waitUntil: 'load' });
      await waitForApp(page);
      await page.waitForSelector('[data-testid=playground]');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no sideways scrolling (page is ${overflow}px too wide)`);

      // The clock runs: virtual time advances by wall time × speed.
      const t0 = await nowUs(page);
      await page.waitForTimeout(400);
      assert.ok((await nowUs(page)) > t0, 'the simulation advances while playing');
      await shot('1-start');

      // Fire: a new delivery, then its next steps; the ordering race.
      await press(page, '[data-testid=fire-created]');
      await press(page, '[data-testid=fire-next]');
      await press(page, '[data-testid=race]');
      await page.waitForSelector('[data-testid=delivery-view] .lane-row');
      assert.ok((await page.locator('[data-testid=delivery-view] .lane-row').count()) >= 4, 'app + 3 replica lanes');
      await shot('2-fired');

      // Crash broker-1 from its menu (keyboard path), then cut relay-0 ↔ broker-2.
      await openMenu(page, '[data-node="broker-1"]');
      await press(page, '[data-testid=act-crash]');
      await page.waitForSelector('[data-node="broker-1"].crashed');
      await openMenu(page, '[data-link="relay-0|broker-2"]');
      await press(page, '[data-testid=act-cut]');
      await page.waitForSelector('[data-link="relay-0|broker-2"].cut');
      // Keep traffic flowing so the replicas are behind app while the faults last.
      await press(page, '[data-testid=fire-created]');
      await page.waitForSelector('[data-testid=converged][data-converged=false]', { timeout: 5000 });
      await shot('3-faults');

      // Heal every link and restart the broker.
      await press(page, '[data-testid=tab-faults]');
      await press(page, '[data-testid=heal-all]');
      await page.waitForSelector('[data-link="relay-0|broker-2"]:not(.cut)');
      await openMenu(page, '[data-node="broker-1"]');
      await press(page, '[data-testid=act-restart]');
      await page.waitForSelector('[data-node="broker-1"].up');
      await shot('4-healed');

      // Speed up (keyboard shortcut) until the replicas have caught up with app.
      await page.locator('body').click({ position: { x: 2, y: 2 } });
      for (let i = 0; i < 16; i++) await page.keyboard.press('+');
      assert.equal(await page.textContent('[data-testid=speed-value]'), '100×');
      await page.waitForSelector('[data-testid=converged][data-converged=true]', { timeout: 20000 });
      assert.ok(await converged(page));
      const lost = Number(await page.getAttribute('[data-testid=anomaly-lost]', 'data-count'));
      assert.equal(lost, 0, 'nothing is lost once the replicas converged');
      await shot('5-converged');

      assert.deepEqual(problems, [], 'no console, page or network errors');
    } finally {
      await context.close();
    }
  });
}

test('keyboard: help overlay lists the shortcuts; space pauses, "." steps', async () => {
  const { page, context, problems } = await openPage(env.browser, { width: 1280, height: 800 });
  try {
    await page.goto(`${env.server.base}?lang=ko`, { waitUntil: 'load' });
    await page.waitForSelector('[data-testid=playground]');
    await page.keyboard.press('?');
    await page.waitForSelector('[data-testid=help-overlay]');
    assert.ok((await page.locator('[data-testid=help-overlay] kbd').count()) >= 10);
    await screenshot(page, 'play-help-ko');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=help-overlay]', { state: 'detached' });
    await page.keyboard.press(' ');
    await page.waitForSelector('[data-testid=playground][data-playing=false]');
    const t = await nowUs(page);
    await page.waitForTimeout(300);
    assert.equal(await nowUs(page), t, 'paused: the clock stands still');
    await page.keyboard.press('.');
    await page.waitForFunction((t) => Number(document.querySelector('[data-testid=playground]').dataset.nowUs) > t, t);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('settings: a bad value names the field; a topology key restarts the run', async () => {
  const { page, context, problems } = await openPage(env.browser, { width: 1280, height: 800 });
  try {
    await page.goto(`${env.server.base}?lang=en`, { waitUntil: 'load' });
    await page.waitForSelector('[data-testid=playground]');
    await press(page, '[data-testid=tab-settings]');
    await page.waitForSelector('[data-testid=settings-panel]');
    // Every documented key has a control.
    assert.ok((await page.locator('[data-testid=settings-panel] .setting').count()) >= 26);
    await page.fill('[data-testid=set-min_insync_replicas]', '9');
    await page.press('[data-testid=set-min_insync_replicas]', 'Enter');
    await page.waitForSelector('[data-testid=settings-panel] .error', { state: 'attached' });
    assert.match(await page.textContent('[data-testid=settings-panel] .error'), /min_insync_replicas/);
    await page.selectOption('[data-testid=set-acks]', '1');
    await page.waitForSelector('[data-testid=notices] li');
    await page.fill('[data-testid=set-partitions]', '2');
    await page.press('[data-testid=set-partitions]', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('[data-node="broker-1"] .lane').length === 2, null, { polling: 100, timeout: 10000 });
    await screenshot(page, 'play-settings');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('lesson 1: with round robin the race swaps events; clicking the anomaly highlights them', async () => {
  const { page, context, problems } = await openPage(env.browser, { width: 1280, height: 800 });
  try {
    await page.goto(`${env.server.base}?lang=en`, { waitUntil: 'load' });
    await page.waitForSelector('[data-testid=playground]');
    // Pause and reset: from here on, virtual times no longer depend on the wall clock.
    await page.keyboard.press(' ');
    await page.keyboard.press('r');
    await press(page, '[data-testid=tab-settings]');
    await page.selectOption('[data-testid=set-partitioner]', 'round_robin');
    await press(page, '[data-testid=tab-fire]');
    for (let i = 0; i < 6; i++) await press(page, '[data-testid=race]');
    await page.locator('body').click({ position: { x: 2, y: 2 } });
    for (let i = 0; i < 12; i++) await page.keyboard.press('+');
    await page.keyboard.press(' ');
    await page.waitForFunction(() =>
      ['out_of_order', 'invalid_transition'].some((k) => Number(document.querySelector(`[data-testid=anomaly-${k}]`).dataset.count) > 0),
      null, { timeout: 20000 });
    const which = (await page.getAttribute('[data-testid=anomaly-out_of_order]', 'data-count')) !== '0' ? 'out_of_order' : 'invalid_transition';
    await page.keyboard.press(' ');
    await press(page, `[data-testid=anomaly-${which}] button`);
    await page.waitForSelector('[data-testid=delivery-view] .chip.hl');
    assert.ok((await page.locator('[data-testid=delivery-view] .chip.reordered').count()) > 0, 'a lane marks the swapped event');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'play-lesson1-roundrobin');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('dark colour scheme and reduced motion: starts paused, still complete', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark', reducedMotion: 'reduce' });
  const page = await context.newPage();
  try {
    await page.goto(`${env.server.base}?lang=ko`, { waitUntil: 'load' });
    await page.waitForSelector('[data-testid=playground][data-playing=false]');
    await press(page, '[data-testid=race]');
    await page.keyboard.press('.');
    await screenshot(page, 'play-dark-reduced');
  } finally {
    await context.close();
  }
});
