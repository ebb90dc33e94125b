// Guided scenarios, share links, embedding and the URL contract (DESIGN.md "Public contracts:
// URL"), end to end over dist/: every built-in scenario opens in Korean and English with its tour;
// a finished run shows the lesson's outcome and the same trace hash as `lab run --json`; a `#s=`
// link reproduces its run; malformed links explain themselves and open the default scenario.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPage, waitForApp, screenshot, ROOT, useServerAndBrowser, labBinary } from './helpers.mjs';

const LAB = labBinary();
const lab = (...args) => execFileSync(LAB, args, { encoding: 'utf8' });
const report = (...args) => JSON.parse(lab('run', ...args, '--json'));
const IDS = lab('list').trim().split('\n').map((l) => l.split(/\s+/)[0]);
const scenarioJson = (id) => JSON.parse(readFileSync(join(ROOT, 'scenarios', `${id}.json`), 'utf8'));
const TMP = mkdtempSync(join(tmpdir(), 'lab-e2e-'));

const env = useServerAndBrowser();

/** Opens `path` (relative to the served root) and waits for the app. */
async function open(path, opts = {}) {
  const o = await openPage(env.browser, opts);
  await o.page.goto(env.server.base + path);
  await waitForApp(o.page);
  return o;
}

/** Presses "run to the end" and returns the trace hash the page shows. */
async function runToEnd(page) {
  await page.click('[data-testid=run-to-end]');
  const hash = page.locator('[data-testid=trace-hash]');
  await hash.waitFor({ timeout: 20000 });
  return (await hash.textContent()).trim();
}

test('the CLI lists the built-in scenarios the page knows', () => {
  assert.ok(IDS.length >= 10, IDS.join(' '));
  assert.equal(IDS[0], 'playground');
});

for (const lang of ['ko', 'en']) {
  test(`every built-in scenario opens from ?scenario=<id>&lang=${lang} with its tour`, async () => {
    const { page, context, problems } = await openPage(env.browser);
    try {
      for (const id of IDS) {
        const sc = scenarioJson(id);
        await page.goto(`${env.server.base}?scenario=${id}&lang=${lang}`);
        await waitForApp(page);
        assert.equal(await page.getAttribute('[data-testid=app-root]', 'data-lang'), lang, id);
        const guide = page.locator('[data-testid=guide]');
        await guide.waitFor({ timeout: 10000 });
        assert.equal(await guide.getAttribute('data-scenario'), id);
        assert.ok((await page.textContent('[data-testid=scenario-title]')).includes(sc.title[lang]), id);
        assert.equal(await page.locator('[data-testid=link-error]').count(), 0, `${id}: no error banner`);
        if ((sc.tour ?? []).length > 0) {
          const tour = page.locator('[data-testid=tour] .tour');
          await tour.waitFor({ timeout: 5000 });
          const count = await tour.locator('.tour-count').textContent();
          const n = String(sc.tour.length);
          assert.ok(count.includes(n), `${id}: "${count}" names ${n} steps`);
          assert.ok((await tour.locator('.tour-text').textContent()).includes(sc.tour[0][lang].slice(0, 20)), id);
          assert.equal(await tour.locator('.tour-title').textContent(), lang === 'ko' ? '둘러보기' : 'Guided tour');
        }
      }
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
}

for (const id of ['outbox-vs-dual-write', 'what-acks-buys', 'same-key-same-order']) {
  test(`${id}: running to the end shows the lesson's outcome and the CLI's trace hash`, async () => {
    const want = report(id);
    const { page, context, problems } = await open(`?scenario=${id}&lang=en`);
    try {
      const hash = await runToEnd(page);
      assert.equal(hash, want.trace_hash, `page ${hash} vs lab run ${want.trace_hash}`);
      for (const [k, v] of Object.entries(want.anomalies)) {
        assert.equal(await page.getAttribute(`[data-testid=outcome-${k}]`, 'data-count'), String(v), k);
      }
      assert.equal(await page.getAttribute('[data-testid=outcome-converged]', 'data-converged'), String(want.converged));
      // The built-in's expect block holds, and the tour is at its last step (which states it).
      assert.equal(await page.getAttribute('[data-testid=claim]', 'data-ok'), 'true');
      const steps = scenarioJson(id).tour.length;
      assert.equal(await page.getAttribute('[data-testid=tour]', 'data-step'), String(steps));
      assert.ok(page.url().includes(`step=${steps}`), page.url());
      if (id === 'outbox-vs-dual-write') await screenshot(page, 'scenario-outcome');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
}

test('a #s= link (the CLI\'s encoding of a custom scenario) reproduces the same run', async () => {
  const sc = scenarioJson('what-acks-buys');
  sc.id = 'custom-acks';
  sc.seed = 11;
  sc.config.acks = 'all';
  const file = join(TMP, 'custom.json');
  writeFileSync(file, JSON.stringify(sc));
  const payload = lab('share', file).trim();
  const want = report(file);
  const { page, context, problems } = await open(`?lang=ko#s=${payload}`);
  try {
    assert.equal(await page.getAttribute('[data-testid=guide]', 'data-scenario'), 'custom-acks');
    assert.equal(await runToEnd(page), want.trace_hash);
    assert.equal(await page.getAttribute('[data-testid=outcome-lost]', 'data-count'), String(want.anomalies.lost));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the page\'s own "copy link" carries the reader\'s commands and replays like the CLI', async () => {
  const { page, context, problems } = await open('?scenario=outbox-vs-dual-write&lang=en&step=2');
  try {
    // &step=2 moved the run to that step (a whole millisecond) and paused; fire one more event.
    await page.locator('[data-testid=tour][data-step="2"]').waitFor();
    await page.keyboard.press('f');
    await page.click('[data-testid=share-open]');
    const url = await page.inputValue('[data-testid=share-url]');
    assert.match(url, /#s=[A-Za-z0-9_-]+$/);
    const shared = JSON.parse(Buffer.from(url.split('#s=')[1], 'base64url').toString('utf8'));
    const base = scenarioJson('outbox-vs-dual-write');
    assert.equal(shared.commands.length, base.commands.length + 1, 'the reader\'s command is in the link');
    const file = join(TMP, 'shared.json');
    writeFileSync(file, JSON.stringify(shared));
    const want = report(file);
    const other = await open(url.slice(env.server.base.length), {});
    try {
      assert.equal(await runToEnd(other.page), want.trace_hash, 'the link replays in the page as in the CLI');
      assert.deepEqual(other.problems, []);
    } finally {
      await other.context.close();
    }
    await screenshot(page, 'scenario-share-menu');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

const MALFORMED = [
  ['#s=garbage', 'en', 'Shared'],
  ['?scenario=nope&lang=ko', 'ko', 'Scenario'],
  ['?step=99&lang=en', 'en', 'StepRange(0)'],
  ['?lang=ko#s=eyJpZCI6IngiLCJjb2xvdXIiOjF9', 'ko', 'Shared'],
];
for (const [path, lang, kind] of MALFORMED) {
  test(`a malformed link (${path}) explains itself and opens the default scenario`, async () => {
    const { page, context, problems } = await open(`${path.startsWith('#') ? '?lang=en' : ''}${path}`);
    try {
      const banner = page.locator('[data-testid=link-error]');
      await banner.waitFor({ timeout: 5000 });
      assert.equal(await banner.getAttribute('data-scenario'), 'playground');
      assert.equal(await banner.locator(`li[data-kind="${kind}"]`).count(), 1, kind);
      const text = await banner.textContent();
      if (lang === 'ko') assert.match(text, /[가-힣]/, text);
      else assert.doesNotMatch(text, /[가-힣]/, text);
      // The default scenario runs: free play, no guide, the topology is drawn.
      assert.equal(await page.locator('[data-testid=guide]').count(), 0);
      await page.locator('[data-testid=topology-svg]').waitFor({ timeout: 5000 });
      if (kind === 'Scenario') await screenshot(page, 'scenario-link-error');
      await page.click('[data-testid=link-error-close]');
      assert.equal(await banner.count(), 0);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
}

test('a step past the tour opens the named scenario at step 1, and says so', async () => {
  const { page, context, problems } = await open('?scenario=what-acks-buys&step=99&lang=en');
  try {
    await page.locator('[data-testid=link-error] li[data-kind="StepRange(5)"]').waitFor();
    assert.equal(await page.getAttribute('[data-testid=guide]', 'data-scenario'), 'what-acks-buys');
    assert.equal(await page.getAttribute('[data-testid=tour]', 'data-step'), '1');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('tour: next/back move the run to each step and highlight its nodes', async () => {
  const id = 'outbox-vs-dual-write';
  const sc = scenarioJson(id);
  const { page, context, problems } = await open(`?scenario=${id}&lang=ko`);
  try {
    const clock = async () => Number(await page.getAttribute('[data-testid=playground]', 'data-now-us'));
    await page.click('.tour-next');
    await page.locator('[data-testid=tour][data-step="2"]').waitFor();
    await page.waitForFunction((t) => Number(document.querySelector('[data-testid=playground]').dataset.nowUs) === t, sc.tour[1].at_ms * 1000);
    assert.ok(page.url().includes('step=2'));
    const stroke = await page.$eval(`g.node[data-node="${sc.tour[1].focus[0]}"] > rect.box`, (r) => getComputedStyle(r).strokeWidth);
    assert.equal(stroke, '3px');
    await page.click('.tour-next');
    await page.locator('[data-testid=tour][data-step="3"]').waitFor();
    await page.click('.tour-back');
    await page.locator('[data-testid=tour][data-step="2"]').waitFor();
    // Back restarts the run and runs it to the earlier step.
    await page.waitForFunction((t) => Number(document.querySelector('[data-testid=playground]').dataset.nowUs) === t, sc.tour[1].at_ms * 1000);
    assert.equal(await clock(), sc.tour[1].at_ms * 1000);
    await screenshot(page, 'scenario-tour');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('split view: base and variant side by side, same seed and faults, each openable live', async () => {
  const id = 'outbox-vs-dual-write';
  const sc = scenarioJson(id);
  const base = report(id);
  const sets = Object.entries(sc.compare.set).flatMap(([k, v]) => ['--set', `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`]);
  const variant = report(id, ...sets);
  const { page, context, problems } = await open(`?scenario=${id}&lang=en`);
  try {
    await page.click('[data-testid=compare-open]');
    await page.locator('[data-testid=split-table]').waitFor({ timeout: 20000 });
    assert.equal(await page.textContent('[data-testid=split-base-hash]'), base.trace_hash);
    assert.equal(await page.textContent('[data-testid=split-variant-hash]'), variant.trace_hash);
    assert.equal(await page.getAttribute('[data-testid=split-base-lost]', 'data-value'), String(base.anomalies.lost));
    assert.equal(await page.getAttribute('[data-testid=split-variant-lost]', 'data-value'), String(variant.anomalies.lost));
    assert.equal(await page.getAttribute('[data-testid=split-base-converged]', 'data-value'), String(base.converged));
    assert.equal(await page.getAttribute('[data-testid=split-variant-converged]', 'data-value'), String(variant.converged));
    assert.equal(await page.getAttribute('[data-testid=split-base-claim]', 'data-ok'), 'true');
    assert.equal(await page.getAttribute('[data-testid=split-variant-claim]', 'data-ok'), 'true');
    await screenshot(page, 'scenario-split');
    // Focus is in the dialog; Escape closes it.
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'split-close');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('[data-testid=split]').count(), 0);
    await page.click('[data-testid=compare-open]');
    await page.locator('[data-testid=split-table]').waitFor({ timeout: 20000 });
    await page.click('[data-testid=split-open-variant]');
    await page.locator('[data-testid=guide][data-variant=true]').waitFor();
    assert.equal(await runToEnd(page), variant.trace_hash);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('export, import (validated), history download and the Kafka settings', async () => {
  const { page, context, problems } = await open('?scenario=retries-make-duplicates&lang=en');
  try {
    await page.click('[data-testid=share-open]');
    const [exported] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-json]')]);
    const json = JSON.parse(readFileSync(await exported.path(), 'utf8'));
    assert.equal(json.id, 'retries-make-duplicates');
    const [hist] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=download-history]')]);
    const first = JSON.parse(readFileSync(await hist.path(), 'utf8').split('\n')[0]);
    assert.ok('t_ms' in first && 'node' in first && 'op' in first, JSON.stringify(first));
    // A scenario with an unknown node: refused with the field named, no panic.
    await page.setInputFiles('[data-testid=import-json]', {
      name: 'bad.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ id: 'bad', commands: [{ at_ms: 1, do: 'crash', node: 'db9' }] })),
    });
    const err = page.locator('[data-testid=import-error]');
    await err.waitFor();
    assert.match(await err.textContent(), /commands\[0\]\.node/);
    await page.setInputFiles('[data-testid=import-json]', { name: 'x.json', mimeType: 'application/json', buffer: Buffer.from('{not json') });
    await page.waitForFunction(() => /line|column|JSON|expected/i.test(document.querySelector('[data-testid=import-error]')?.textContent ?? ''));
    // A valid file opens as a #s= link.
    json.id = 'imported';
    await Promise.all([
      page.waitForURL(/#s=/),
      page.setInputFiles('[data-testid=import-json]', { name: 'ok.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(json)) }),
    ]);
    await page.locator('[data-testid=guide][data-scenario=imported]').waitFor({ timeout: 15000 });
    await page.click('[data-testid=kafka-open]');
    await page.locator('[data-testid=kafka-overlay] .kafka-table').first().waitFor();
    await screenshot(page, 'scenario-kafka');
    assert.match(await page.textContent('[data-testid=kafka-overlay]'), /enable\.idempotence/);
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('[data-testid=kafka-overlay]').count(), 0, 'Escape closes the overlay');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('embed: static/embed.html renders its frame, and a compact scenario frame fits 800×500', async () => {
  const { page, context, problems } = await openPage(env.browser, { width: 1100, height: 900 });
  try {
    await page.goto(env.server.base + 'embed.html');
    const frame = page.frameLocator('[data-testid=playground-frame]');
    await frame.locator('[data-testid=app-root].embed').waitFor({ timeout: 15000 });
    await frame.locator('[data-testid=topology-svg]').waitFor({ timeout: 15000 });
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, []);
  const o = await open('?scenario=outbox-vs-dual-write&lang=ko&embed=1&step=2', { width: 800, height: 500 });
  try {
    await o.page.locator('[data-testid=tour][data-step="2"]').waitFor();
    assert.equal(await o.page.locator('[data-testid=app-root].embed').count(), 1);
    await screenshot(o.page, 'scenario-embed-800x500');
    await o.page.goto(env.server.base + '?scenario=nope&lang=ko&embed=1');
    await waitForApp(o.page);
    await o.page.locator('[data-testid=link-error]').waitFor();
    await screenshot(o.page, 'scenario-embed-error-800x500');
    assert.deepEqual(o.problems, []);
  } finally {
    await o.context.close();
  }
});
