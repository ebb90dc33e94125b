// Frame-time benchmark of the live playground (not a timed test): loads the release build in
// headless Chromium at 1280×800, grows the cluster (12 partitions, 8 relays, 5 replicas with 3
// consumers each), raises latency, duplicates and traffic (400 deliveries/s) until at least MIN_IN_FLIGHT messages
// are in flight, then records for SECONDS the time each animation frame spends on its work
// (advance the sim by wall dt × speed, build the view, let Yew render it) and prints p50 and p95.
//
//   scripts/build.sh && node scripts/bench-frames.mjs            (or: --json)
//
// The page records frames only with ?bench=1 (window.__labFrames: [work ms, messages in flight,
// kind of frame]).
import { startServer, launch } from '../tests/e2e/helpers.mjs';

const MIN_IN_FLIGHT = Number(process.env.MIN_IN_FLIGHT ?? 300);
const SECONDS = Number(process.env.SECONDS ?? 6);
const json = process.argv.includes('--json');

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const server = await startServer();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${server.base}?lang=en&bench=1`, { waitUntil: 'load' });
  await page.waitForSelector('[data-testid=playground]');
  // Draw control traffic too: every message in flight is on screen.
  await page.check('[data-testid=show-control]');
  // Speed 1× (slider middle), latency 150 ms, 15% of messages duplicated, traffic 400 deliveries/s.
  const setRange = async (sel, value, event) =>
    page.$eval(sel, (el, [v, ev]) => { el.value = v; el.dispatchEvent(new Event(ev, { bubbles: true })); }, [String(value), event]);
  await setRange('[data-testid=speed]', 200, 'input');
  // A big cluster: in-flight messages come from request loops (fetches, produces, heartbeats),
  // so more partitions, relays, replicas and consumers mean more messages in the air at once.
  await page.click('[data-testid=tab-settings]');
  for (const [key, value] of [['partitions', 12], ['outbox_shards', 8], ['replicas', 5], ['consumers_per_group', 3]]) {
    await page.fill(`[data-testid=set-${key}]`, String(value));
    await page.press(`[data-testid=set-${key}]`, 'Enter');
  }
  await page.click('[data-testid=tab-faults]');
  await setRange('[data-testid=net-latency_ms]', 150, 'change');
  await setRange('[data-testid=net-duplicate]', 0.15, 'change');
  await page.click('[data-testid=tab-fire]');
  await page.fill('[data-testid=traffic-rate]', '400');
  await page.press('[data-testid=traffic-rate]', 'Enter');
  await page.click('[data-testid=traffic]');
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid=messages]')?.dataset.count ?? 0) >= n,
    MIN_IN_FLIGHT,
    { timeout: 30000 },
  );
  await page.waitForTimeout(3000);
  await page.evaluate(() => {
    window.__labFrames = [];
    window.__rafGaps = [];
    let last = performance.now();
    const loop = (t) => { window.__rafGaps.push(t - last); last = t; if (window.__rafGaps.length < 100000) requestAnimationFrame(loop); };
    requestAnimationFrame(loop);
  });
  await page.waitForTimeout(SECONDS * 1000);
  const { frames, gaps } = await page.evaluate(() => ({ frames: window.__labFrames, gaps: window.__rafGaps }));
  const work = frames.map((f) => f[0]).sort((a, b) => a - b);
  const inFlight = frames.map((f) => f[1]).sort((a, b) => a - b);
  const gap = gaps.slice(1).sort((a, b) => a - b);
  const result = {
    viewport: '1280x800',
    frames: work.length,
    work_ms_p50: +pct(work, 50).toFixed(2),
    work_ms_p95: +pct(work, 95).toFixed(2),
    work_ms_max: +work[work.length - 1].toFixed(2),
    raf_interval_ms_p50: +pct(gap, 50).toFixed(2),
    raf_interval_ms_p95: +pct(gap, 95).toFixed(2),
    in_flight_min: inFlight[0],
    in_flight_p50: pct(inFlight, 50),
    in_flight_max: inFlight[inFlight.length - 1],
  };
  // Per kind of frame: 0 messages only, 1 + build the full view, 2 + re-render the brokers,
  // 3 + re-render the other boxes, 4 + re-render the side panels.
  result.by_kind = [0, 1, 2, 3, 4].map((k) => {
    const w = frames.filter((f) => f[2] === k).map((f) => f[0]).sort((a, b) => a - b);
    return { kind: k, frames: w.length, p50: +pct(w, 50).toFixed(2), p95: +pct(w, 95).toFixed(2) };
  });
  if (json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(`[bench-frames] ${result.frames} frames at ${result.viewport}, messages in flight min ${result.in_flight_min} / median ${result.in_flight_p50} / max ${result.in_flight_max}`);
    console.log(`[bench-frames] frame work (sim + view + render): p50 ${result.work_ms_p50} ms, p95 ${result.work_ms_p95} ms, max ${result.work_ms_max} ms`);
    for (const k of result.by_kind) console.log(`[bench-frames]   frames of kind ${k.kind} (${['messages only', '+ build view', '+ brokers', '+ other boxes', '+ side panels'][k.kind]}): ${k.frames}, p50 ${k.p50} ms, p95 ${k.p95} ms`);
    console.log(`[bench-frames] requestAnimationFrame interval: p50 ${result.raf_interval_ms_p50} ms, p95 ${result.raf_interval_ms_p95} ms`);
  }
  await context.close();
} finally {
  await browser.close();
  await server.close();
}
