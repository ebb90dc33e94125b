// Network duplicates are visible in flight: with a high duplicate rate the page draws a dashed
// ring around every extra copy on its way (and the legend explains the ring).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPage, waitForApp, screenshot, useServerAndBrowser, labBinary } from './helpers.mjs';

const LAB = labBinary();

const env = useServerAndBrowser();

test('duplicated messages in flight carry a ring, explained in the legend', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'lab-dup-')), 'dup.json');
  writeFileSync(file, JSON.stringify({
    id: 'dup-visible', seed: 3, until_ms: 20000,
    config: { network: { duplicate: 0.5, latency_ms: 40 } },
    commands: [{ at_ms: 0, do: 'traffic', per_sec: 40, for_ms: 15000 }],
  }));
  const hash = execFileSync(LAB, ['share', file], { encoding: 'utf8' }).trim();
  const { page, context, problems } = await openPage(env.browser, { width: 1280, height: 800 });
  await page.goto(env.server.base + 'index.html#s=' + hash.replace(/^.*#s=/, ''));
  await waitForApp(page);
  await page.waitForSelector('[data-testid=dup-ring]', { state: 'attached', timeout: 15000 });
  const legend = await page.textContent('[data-testid=legend]');
  assert.match(legend, /duplicated by the network|네트워크가 복제한/);
  await screenshot(page, 'play-duplicates');
  assert.deepEqual(problems, []);
  await context.close();
});
