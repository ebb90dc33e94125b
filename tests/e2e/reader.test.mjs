// A reader's first minute (issue 12): the status is calm while a healthy run has events in flight,
// lessons can be found from the page and the embed, and tours show code, not markdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, waitForApp, screenshot, useServerAndBrowser } from './helpers.mjs';

const env = useServerAndBrowser();

/**
 * Watches the page on every animation frame from now on: window.__alarms collects each alarm
 * about divergence or loss seen (toolbar badge, checker badge, the checker's lost row, replica
 * boxes), window.__statuses each toolbar status. Every frame, so a one-frame flash is caught.
 */
function watchAlarms() {
  const alarms = (window.__alarms = []);
  const statuses = (window.__statuses = []);
  const note = (list, x) => list.includes(x) || list.push(x);
  window.__frames = 0;
  const tick = () => {
    requestAnimationFrame(tick);
    window.__frames += 1;
    try {
      check();
    } catch (e) {
      note(alarms, `the watch failed: ${e.message}`);
    }
  };
  const check = () => {
    const badge = document.querySelector('[data-testid=toolbar-converged]');
    note(statuses, badge.dataset.status);
    if (badge.classList.contains('no') || /diverged|lost|어긋남|유실/i.test(badge.textContent)) {
      note(alarms, `toolbar badge: ${badge.className} "${badge.textContent}"`);
    }
    const conv = document.querySelector('[data-testid=converged]');
    if (conv.classList.contains('no') || /diverged|어긋남/i.test(conv.textContent)) {
      note(alarms, `checker badge: ${conv.className} "${conv.textContent}"`);
    }
    const lost = document.querySelector('[data-testid=anomaly-lost]');
    const lostName = lost.querySelector('.name').textContent;
    // "lost 0" is no alarm; a count named lost, or the alarm class, is.
    if (lost.classList.contains('bad') || (lost.dataset.count !== '0' && /\blost\b|유실/i.test(lostName))) {
      note(alarms, `checker lost row: ${lost.className} "${lostName}" (${lost.dataset.count})`);
    }
    for (const el of document.querySelectorAll('.topo .differs, .topo .neq, .topo .row.diff')) {
      note(alarms, `replica box: ${el.getAttribute('class')} "${el.textContent}"`);
    }
  };
  tick();
}

for (const lang of ['en', 'ko']) {
  test(`free play (${lang}), healthy, first 5 s: no diverged or lost alarm anywhere`, async () => {
    const { page, context, problems } = await openPage(env.browser, { width: 1280, height: 800 });
    try {
      await page.goto(`${env.server.base}?lang=${lang}`, { waitUntil: 'load' });
      await waitForApp(page);
      await page.evaluate(watchAlarms);
      await page.waitForTimeout(5000);
      const { alarms, statuses, frames } = await page.evaluate(() => ({
        alarms: window.__alarms, statuses: window.__statuses, frames: window.__frames }));
      assert.ok(frames > 100, `watched every frame for 5 s (${frames} frames)`);
      assert.deepEqual(alarms, [], 'a healthy run never alarms');
      assert.ok(statuses.includes('pending'), `events in flight read as catching up (saw ${statuses})`);
      const now = Number(await page.getAttribute('[data-testid=playground]', 'data-now-us'));
      assert.ok(now > 0, 'the run played');
      assert.deepEqual(problems, [], 'no console, page or network errors');
    } finally {
      await context.close();
    }
  });
}

/** The box of `selector`, asserted to lie inside the viewport (reachable without scrolling). */
async function inView(page, selector, what) {
  const box = await page.locator(selector).boundingBox();
  const vp = page.viewportSize();
  assert.ok(box, `${what} is rendered`);
  assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.width <= vp.width + 0.5 && box.y + box.height <= vp.height + 0.5,
    `${what} lies inside the ${vp.width}×${vp.height} frame (box ${JSON.stringify(box)})`);
}

test('embed 800×500: the lesson picker opens a lesson; next, previous, back to free play', async () => {
  const { page, context, problems } = await openPage(env.browser, { width: 800, height: 500 });
  try {
    await page.goto(`${env.server.base}?lang=en&embed=1`, { waitUntil: 'load' });
    await waitForApp(page);
    // Free play: the picker is in sight, no previous/next.
    await inView(page, '[data-testid=lessons-button]', 'the Lessons button');
    assert.equal(await page.locator('[data-testid=lesson-prev], [data-testid=lesson-next]').count(), 0);
    // Keyboard: focus, Enter opens; Escape closes and gives focus back.
    await page.focus('[data-testid=lessons-button]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=lesson-menu]');
    assert.equal(await page.getAttribute('[data-testid=lessons-button]', 'aria-expanded'), 'true');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid=lesson-menu]', { state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'lessons-button');
    // Open again: ten lessons in groups, all inside the frame.
    // The page below the header must not move when the menu opens (it floats over the page).
    const top = () => page.evaluate(() => document.querySelector('[data-testid=playground]').getBoundingClientRect().top);
    const topBefore = await top();
    await page.click('[data-testid=lessons-button]');
    await inView(page, '[data-testid=lesson-menu]', 'the lesson menu');
    assert.equal(await page.locator('[data-testid=lesson-menu] li li a').count(), 10, 'ten lessons');
    assert.ok((await page.locator('[data-testid=lesson-menu] h2').count()) >= 4, 'grouped');
    assert.equal(await top(), topBefore, 'no layout shift');
    await screenshot(page, 'reader-embed-picker');
    // Tab from the button goes into the menu (free play first), then pick a lesson.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'lesson-free-play');
    await page.click('[data-testid=lesson-same-key-same-order]');
    await page.waitForURL(/scenario=same-key-same-order/);
    await waitForApp(page);
    assert.match(page.url(), /embed=1/, 'stays in the embed');
    assert.match(page.url(), /lang=en/, 'keeps the language');
    assert.match(await page.textContent('[data-testid=lessons-button]'), /1\/10/);
    await inView(page, '[data-testid=lesson-next]', 'Next lesson');
    await screenshot(page, 'reader-embed-lesson');
    await page.click('[data-testid=lesson-next]');
    await page.waitForURL(/scenario=event-bus/);
    await waitForApp(page);
    assert.match(await page.textContent('[data-testid=lessons-button]'), /2\/10/);
    await page.click('[data-testid=lesson-prev]');
    await page.waitForURL(/scenario=same-key-same-order/);
    await waitForApp(page);
    await page.click('[data-testid=lessons-button]');
    assert.equal(await page.getAttribute('[data-testid=lesson-same-key-same-order]', 'aria-current'), 'page');
    await page.click('[data-testid=lesson-free-play]');
    await page.waitForURL((u) => !u.search.includes('scenario='));
    await waitForApp(page);
    assert.equal(await page.locator('[data-testid=lesson-prev], [data-testid=lesson-next]').count(), 0, 'free play again');
    assert.deepEqual(problems, [], 'no console, page or network errors');
  } finally {
    await context.close();
  }
});

test('a tour step with backticks shows <code>, not raw backticks', async () => {
  const { page, context, problems } = await openPage(env.browser, { width: 1280, height: 800 });
  try {
    // Step 1 of same-key-same-order names `rider_assigned` in backticks in both languages.
    for (const lang of ['en', 'ko']) {
      await page.goto(`${env.server.base}?lang=${lang}&scenario=same-key-same-order`, { waitUntil: 'load' });
      await waitForApp(page);
      const text = page.locator('[data-testid=tour-text]');
      await text.waitFor();
      assert.ok((await text.locator('code').count()) >= 2, `${lang}: code spans rendered`);
      assert.ok(!(await text.textContent()).includes('`'), `${lang}: no raw backtick`);
    }
    assert.equal(await page.locator('[data-testid=tour-text] code').first().textContent(), '배차완료');
    assert.deepEqual(problems, [], 'no console, page or network errors');
  } finally {
    await context.close();
  }
});
