// A reader's frame (issue 12, items 4–6): the embed at 800×500 and 640×400 and the page at
// 1280×800 are measured as drawn. Text size is the rendered glyph size (CSS size × the SVG's
// screen scale), the frame's height is the document's, contrast and names are axe-core's.
// Screenshots: target/screenshots/frame-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { openPage, waitForApp, screenshot, useServerAndBrowser } from './helpers.mjs';

const env = useServerAndBrowser();
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * Every visible text inside the viewport with its rendered size in px: the CSS font size times
 * the scale of the SVG it is drawn in. Smallest first.
 */
function renderedTextSizes() {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const el = n.parentElement;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none' || +cs.opacity === 0) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || r.bottom < 0 || r.right < 0 || r.top > innerHeight || r.left > innerWidth) continue;
    let px = parseFloat(cs.fontSize);
    if (el instanceof SVGElement && el.getScreenCTM()) px *= Math.hypot(el.getScreenCTM().a, el.getScreenCTM().b);
    out.push({ px: +px.toFixed(2), text: n.textContent.trim().slice(0, 30), svg: el instanceof SVGElement });
  }
  return out.sort((a, b) => a.px - b.px);
}

/** Opens `query` at `width`×`height`, lets the run play `ms`, and returns the page handles. */
async function open(query, width, height, ms = 2500, colorScheme = 'light') {
  const o = await openPage(env.browser, { width, height });
  await o.page.emulateMedia({ colorScheme });
  await o.page.goto(env.server.base + query, { waitUntil: 'load' });
  await waitForApp(o.page);
  await o.page.waitForTimeout(ms);
  return o;
}

/** The box of `selector`, asserted to lie inside the viewport. */
async function inView(page, selector, what) {
  const box = await page.locator(selector).first().boundingBox();
  const vp = page.viewportSize();
  assert.ok(box, `${what} is rendered`);
  assert.ok(box.x >= -0.5 && box.y >= -0.5 && box.x + box.width <= vp.width + 0.5 && box.y + box.height <= vp.height + 0.5,
    `${what} lies inside the ${vp.width}×${vp.height} view (box ${JSON.stringify(box)})`);
  return box;
}

const FRAMES = [
  // [lesson and step, width, height, smallest text allowed]
  ['?scenario=outbox-vs-dual-write&embed=1&lang=ko&step=3', 800, 500, 11],
  ['?scenario=retries-make-duplicates&embed=1&lang=ko&step=2', 800, 500, 11],
  ['?scenario=cap-partition&embed=1&lang=en&step=1', 800, 500, 11],
  ['?scenario=same-key-same-order&embed=1&lang=ko&step=2', 640, 400, 11],
  ['?scenario=world-cup-peak&embed=1&lang=en&step=2', 640, 400, 11],
];

for (const [query, width, height, min] of FRAMES) {
  test(`embed ${width}×${height} ${query}: text >= ${min} px, the frame's height, picker, narration, Next and "open the full page" in view`, async () => {
    const { page, context, problems } = await open(query, width, height);
    try {
      await screenshot(page, `frame-${width}x${height}-${new URLSearchParams(query).get('scenario')}`);
      const sizes = await page.evaluate(renderedTextSizes);
      assert.ok(sizes.some((s) => s.svg), 'the topology draws text');
      assert.ok(sizes[0].px >= min, `smallest text ${JSON.stringify(sizes.slice(0, 3))}`);
      const docH = await page.evaluate(() => document.scrollingElement.scrollHeight);
      assert.ok(docH <= height, `the frame's document is ${docH} px tall (frame ${height})`);
      const full = await inView(page, '[data-testid=open-full]', '"open the full page"');
      assert.ok(full.y < 60, `"open the full page" is at the top (y ${full.y})`);
      await inView(page, '[data-testid=lessons-button]', 'the lesson picker');
      await inView(page, '[data-testid=play]', 'Play');
      await inView(page, '[data-testid=step]', 'Step');
      await inView(page, '[data-testid=toolbar-converged]', 'the outcome line');
      await inView(page, '.tour-next', 'Next');
      await inView(page, '[data-testid=tour-text]', 'the narration');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
}

test('1280×800, the busiest lesson steps: topology text >= 12 px and no text leaves its node box', async () => {
  for (const query of ['?scenario=one-relay-bottleneck&lang=en', '?scenario=world-cup-peak&lang=en&step=2',
    '?scenario=same-key-same-order&lang=ko&step=3', '?scenario=event-bus&lang=ko&step=1',
    '?scenario=where-you-read&lang=ko&step=2', '?scenario=cap-partition&lang=ko&step=3']) {
    const { page, context, problems } = await open(query, 1280, 800, 3000);
    try {
      const svg = (await page.evaluate(renderedTextSizes)).filter((s) => s.svg);
      assert.ok(svg.length > 0 && svg[0].px >= 12, `${query}: smallest topology text ${JSON.stringify(svg.slice(0, 3))}`);
      const out = await page.evaluate(() => {
        const bad = [];
        for (const g of document.querySelectorAll('.topo g.node')) {
          const box = g.querySelector(':scope > rect.box').getBoundingClientRect();
          for (const t of g.querySelectorAll('text')) {
            const r = t.getBoundingClientRect();
            if (r.left < box.left - 1 || r.right > box.right + 1) bad.push(`${g.dataset.node}: "${t.textContent}"`);
          }
        }
        return bad;
      });
      assert.deepEqual(out, [], `${query}: text wider than its box`);
      await screenshot(page, `frame-1280x800-${new URLSearchParams(query).get('scenario')}`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }
});

test('"Show every node" brings the whole topology back, and back to the step\'s nodes', async () => {
  const { page, context } = await open('?scenario=outbox-vs-dual-write&embed=1&lang=en&step=1', 800, 500, 1500);
  try {
    const nodes = () => page.locator('.topo g.node').count();
    const few = await nodes();
    await page.click('[data-testid=show-all]');
    await page.waitForFunction((n) => document.querySelectorAll('.topo g.node').length > n, few);
    assert.ok((await nodes()) > few);
    await screenshot(page, 'frame-800x500-show-all');
    await page.click('[data-testid=show-all]');
    await page.waitForFunction((n) => document.querySelectorAll('.topo g.node').length === n, few);
  } finally {
    await context.close();
  }
});

for (const scheme of ['light', 'dark']) {
  test(`axe (${scheme}): no serious or critical violation on the page, a lesson and the embed`, async () => {
    for (const [query, w, h] of [['?lang=en', 1280, 800], ['?scenario=same-key-same-order&lang=ko', 1280, 800],
      ['?scenario=outbox-vs-dual-write&embed=1&lang=ko', 800, 500], ['?embed=1&lang=ko', 800, 500]]) {
      const { page, context } = await open(query, w, h, 2000, scheme);
      try {
        await page.addScriptTag({ path: AXE });
        const found = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id} ×${v.nodes.length}: ${v.nodes[0].target.join(' ')} ${v.nodes[0].any[0]?.message ?? ''}`));
        assert.deepEqual(found, [], `${scheme} ${query}`);
        await screenshot(page, `frame-axe-${scheme}-${w}x${h}-${new URLSearchParams(query).get('scenario') ?? 'free'}`);
      } finally {
        await context.close();
      }
    }
  });
}

test('the traffic button tells the truth: on while the playground\'s own traffic runs, and it stops it', async () => {
  const { page, context, problems } = await open('?lang=en', 1280, 800, 1000);
  try {
    const button = page.locator('[data-testid=traffic]');
    assert.equal(await button.getAttribute('aria-pressed'), 'true', 'the default traffic runs');
    assert.match(await button.textContent(), /on \(until 15\.0 s\)/);
    await button.click();
    await page.waitForFunction(() => document.querySelector('[data-testid=traffic]').getAttribute('aria-pressed') === 'false');
    // The app box's "… · N deliveries": deliveries started so far.
    const deliveries = () => page.evaluate(() => document.querySelector('[data-node=app]').textContent.match(/(\d+) deliveries/)[1]);
    const before = await deliveries();
    await page.locator('[data-testid=speed]').fill('300');
    await page.waitForTimeout(1500);
    assert.equal(await deliveries(), before, 'no delivery starts after the stop');
    assert.match(await button.textContent(), /Traffic off/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('phone 390×844: a node\'s fault menu opens inside the screen', async () => {
  const { page, context, problems } = await open('?lang=ko', 390, 844, 1000);
  try {
    for (const node of ['app', 'db3', 'client']) {
      await page.locator(`[data-node="${node}"] > .hit-box`).first().scrollIntoViewIfNeeded();
      await page.locator(`[data-node="${node}"] > .hit-box`).first().click();
      await page.waitForSelector('[data-testid=pick-menu]');
      const box = await page.locator('[data-testid=pick-menu]').boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `${node}'s menu spans x ${box.x}..${box.x + box.width}`);
      const seen = await page.evaluate(() => {
        const m = document.querySelector('[data-testid=pick-menu]');
        m.scrollIntoView({ block: 'center' });
        const r = m.getBoundingClientRect();
        return m.contains(document.elementFromPoint(r.left + r.width / 2, r.bottom - 4));
      });
      assert.ok(seen, `${node}'s menu is not hidden under or clipped by anything`);
      await screenshot(page, `frame-phone-menu-${node}`);
      await page.keyboard.press('Escape');
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('phone 390×844, a lesson: the step\'s picture fits the screen (no sideways scrolling)', async () => {
  const { page, context, problems } = await open('?scenario=retries-make-duplicates&lang=ko&step=2', 390, 844, 1500);
  try {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
    await screenshot(page, 'frame-phone-lesson');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a read\'s answer is shown at the client: the delivery, the version, fresh / stale / refused', async () => {
  for (const [query, verdicts] of [['?scenario=where-you-read&lang=en&step=2', ['fresh', 'stale']],
    ['?scenario=cap-partition&lang=ko&step=3', ['fresh', 'stale', 'refused']]]) {
    const { page, context, problems } = await open(query, 1280, 800, 1500);
    try {
      const answer = page.locator('[data-testid=read-answer]');
      await answer.waitFor({ timeout: 10000 });
      assert.ok(verdicts.includes(await answer.getAttribute('data-verdict')), `${query}: ${await answer.textContent()}`);
      assert.match(await answer.textContent(), /D\d+ (→ v\d+|·)/);
      await screenshot(page, `frame-read-answer-${new URLSearchParams(query).get('scenario')}`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }
});

test('Play / Pause moves nothing on the page (no layout shift)', async () => {
  for (const [lang, w, h, embed] of [['en', 1280, 800, ''], ['ko', 1280, 800, ''], ['ko', 800, 500, '&embed=1']]) {
    const { page, context } = await open(`?lang=${lang}${embed}`, w, h, 800);
    try {
      const where = () => page.evaluate(() => ['[data-testid=topology]', '[data-testid=step]', '[data-testid=reset]']
        .map((s) => { const r = document.querySelector(s).getBoundingClientRect(); return [Math.round(r.x), Math.round(r.y)]; }));
      const before = await where();
      await page.click('[data-testid=play]');
      await page.waitForTimeout(200);
      assert.deepEqual(await where(), before, `${lang} ${w}×${h}: the page moved on Pause`);
      await page.click('[data-testid=play]');
      await page.waitForTimeout(200);
      assert.deepEqual(await where(), before, `${lang} ${w}×${h}: the page moved on Play`);
    } finally {
      await context.close();
    }
  }
});

test('"Step ›" says what ran: the clock and each node\'s ops', async () => {
  const { page, context, problems } = await open('?lang=en', 1280, 800, 1500);
  try {
    const said = [];
    // Most steps only move messages; within 80 one applies, appends or commits something.
    for (let i = 0; i < 80 && !said.some((s) => s.includes(':') && !/messages moved/.test(s)); i++) {
      await page.click('[data-testid=step]');
      said.push(await page.locator('[data-testid=toast]').textContent());
    }
    assert.ok(said.every((s) => /^Step \(\d+\.\d{3} s/.test(s)), said.join('\n'));
    assert.ok(said.some((s) => /s: (app|relay-\d|broker-\d|db\d|controller|client|dashboard)\S* [a-z_]+/.test(s)), `a step names a node and what it did:\n${said.slice(-5).join('\n')}`);
    await screenshot(page, 'frame-step-says');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a network partition is drawn as its sides (tagged boxes and one line), not as cut lines', async () => {
  const { page, context, problems } = await open('?scenario=cap-partition&lang=ko&step=2', 1280, 800, 1500);
  try {
    await page.locator('[data-testid=partition-note]').waitFor();
    const sides = await page.evaluate(() => [...new Set([...document.querySelectorAll('.topo .side')].map((g) => g.dataset.side))].sort());
    assert.deepEqual(sides, ['A', 'B']);
    assert.equal(await page.locator('.topo .link-cut-extra, .topo .cut-mark').count(), 0, 'no line per cut pair');
    await page.click('[data-testid=show-all]');
    await page.waitForTimeout(300);
    assert.equal(await page.locator('.topo .link-cut-extra, .topo .cut-mark').count(), 0, 'the whole topology neither');
    await screenshot(page, 'frame-partition-sides');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
