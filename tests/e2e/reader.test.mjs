// A reader's first minute (issue 12): the status is calm while a healthy run has events in flight,
// lessons can be found from the page and the embed, and tours show code, not markdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, waitForApp, screenshot, useServerAndBrowser } from './helpers.mjs';

const env = useServerAndBrowser();

/** Every alarm the page could show about divergence or loss, as found right now. */
async function alarms(page) {
  return page.evaluate(() => {
    const found = [];
    const badge = document.querySelector('[data-testid=toolbar-converged]');
    if (badge.classList.contains('no') || /diverged|lost|어긋남|유실/i.test(badge.textContent)) {
      found.push(`toolbar badge: ${badge.className} "${badge.textContent}"`);
    }
    const conv = document.querySelector('[data-testid=converged]');
    if (conv.classList.contains('no') || /diverged|어긋남/i.test(conv.textContent)) {
      found.push(`checker badge: ${conv.className} "${conv.textContent}"`);
    }
    const lost = document.querySelector('[data-testid=anomaly-lost]');
    const lostName = lost.querySelector('.name').textContent;
    if (lost.classList.contains('bad') || /\blost\b|유실/i.test(lostName)) {
      found.push(`checker lost row: ${lost.className} "${lostName}" (${lost.dataset.count})`);
    }
    for (const el of document.querySelectorAll('.topo .differs, .topo .neq, .topo .row.diff')) {
      found.push(`replica box: ${el.getAttribute('class')} "${el.textContent}"`);
    }
    return found;
  });
}

for (const lang of ['en', 'ko']) {
  test(`free play (${lang}), healthy, first 5 s: no diverged or lost alarm anywhere`, async () => {
    const { page, context, problems } = await openPage(env.browser, { width: 1280, height: 800 });
    try {
      await page.goto(`${env.server.base}?lang=${lang}`, { waitUntil: 'load' });
      await waitForApp(page);
      const seen = new Set();
      const statuses = new Set();
      const t0 = Date.now();
      while (Date.now() - t0 < 5000) {
        for (const a of await alarms(page)) seen.add(a);
        statuses.add(await page.getAttribute('[data-testid=toolbar-converged]', 'data-status'));
        await page.waitForTimeout(100);
      }
      assert.deepEqual([...seen], [], 'a healthy run never alarms');
      assert.ok(statuses.has('pending'), `events in flight read as catching up (saw ${[...statuses]})`);
      const now = Number(await page.getAttribute('[data-testid=playground]', 'data-now-us'));
      assert.ok(now > 0, 'the run played');
      assert.deepEqual(problems, [], 'no console, page or network errors');
    } finally {
      await context.close();
    }
  });
}
