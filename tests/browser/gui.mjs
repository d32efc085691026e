// End-to-end test of the judge-vision web page in headless Chromium.
// Environment: JV_URL (the server's URL), JV_OUTPUTS (its --outputs folder),
// JV_SCREENSHOTS (where to save screenshots), JV_RUN_INPUT (a folder of photos
// for a live run), JV_SIM_API (the simulator's /v1 URL, for a live run),
// JV_LIVE=1 when `judge-vision run` is expected to finish the run.
import fs from 'node:fs';
import path from 'node:path';
import { launch, watchErrors, check } from './lib.mjs';

const URL_ = process.env.JV_URL;
const OUT = process.env.JV_OUTPUTS;
const SHOTS = process.env.JV_SCREENSHOTS || '.';
const LIVE = process.env.JV_LIVE === '1';
fs.mkdirSync(SHOTS, { recursive: true });

const { browser, close } = await launch();
const errors = [];
let failed = false;
try {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  watchErrors(page, errors);
  const shot = (name) => page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: false });
  const ready = async () => page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });

  // ---- Brief & Rules: competition, settings that survive a reload
  await page.goto(URL_);
  await ready();
  const comps = await page.$$eval('#f-competition option', (os) => os.map((o) => o.value).filter(Boolean));
  let comp = '';
  if (comps.length) {
    comp = comps[0];
    await page.selectOption('#f-competition', comp);
    await page.waitForSelector(`#comp-details [data-competition="${comp}"]`);
    const cats = await page.textContent('#comp-categories');
    check(cats.includes('Colour'), 'competition categories shown: ' + cats);
    check((await page.$$('#comp-rules tr')).length >= 2, 'competition rules shown');
    check((await page.$$('#comp-bands tr')).length >= 3, 'score bands shown');
  } else {
    throw new Error('no competitions offered');
  }
  await page.fill('#f-inputs', process.env.JV_RUN_INPUT || '/nonexistent/photos');
  await page.fill('#f-base-url', process.env.JV_SIM_API || 'http://127.0.0.1:9/v1');
  await page.fill('#f-model', 'judge-vision-sim');
  await page.fill('#f-concurrency', '4');
  await page.fill('#f-run-name', 'gui_live');
  await page.check('#f-stage-playoff');
  await page.fill('#f-threshold', '16');
  await page.waitForSelector('#settings-saved:has-text("Saved.")');
  await shot('1-brief');
  // A fresh page with no localStorage still gets the settings from the server.
  const page2 = await (await browser.newContext()).newPage();
  watchErrors(page2, errors);
  await page2.goto(URL_);
  await page2.waitForSelector('body[data-ready="1"]');
  check((await page2.inputValue('#f-model')) === 'judge-vision-sim', 'model setting kept server-side');
  check((await page2.inputValue('#f-concurrency')) === '4', 'concurrency kept');
  check(await page2.isChecked('#f-stage-playoff'), 'playoff toggle kept');
  if (comp) check((await page2.inputValue('#f-competition')) === comp, 'competition kept');
  await page2.context().close();

  // ---- Run Pipeline: live progress pushed by the server
  await page.click('#tab-run');
  await page.click('#run-start');
  await page.waitForSelector('#run-cancel:not([disabled]), #status-pill:text-matches("finished|failed")', { timeout: 10000 });
  if (LIVE) {
    await page.waitForSelector('#status-pill:text("finished")', { timeout: 180000 });
    // The final progress file follows the exit by at most one poll (~250 ms).
    await page.waitForSelector('#progress-status:text("complete")', { timeout: 5000 });
    check((await page.$$('#run-history li')).length >= 1, 'stage history shown');
    check((await page.textContent('[data-stage="critique"] .count')).includes('40 / 40'), 'critique stage complete');
    // The finished run appears in Results and Performance with its own numbers.
    await page.click('#tab-results');
    const live = (await page.$$eval('#results-run option', (os) => os.map((o) => [o.value, o.textContent])))
      .find(([, t]) => t.startsWith('gui_live'));
    check(live, 'the new run is listed');
    const lr = page.evaluate((id) => window.jv.whenRendered('results', id), live[0]);
    await page.selectOption('#results-run', live[0]);
    await lr;
    check((await page.$$('table.results tbody tr')).length === 40, 'one row per judged photo');
    await page.click('#tab-perf');
    const lp = page.evaluate((id) => window.jv.whenRendered('perf', id + '/'), live[0]);
    await page.selectOption('#perf-run', live[0]);
    await lp;
    check(Number(await page.getAttribute('.perf [data-figure="images_processed"]', 'data-value')) === 40, 'live run: images processed');
    const lm = JSON.parse(fs.readFileSync(path.join(OUT, 'results', 'gui_live.metadata.json'), 'utf8'));
    check(Math.abs(Number(await page.getAttribute('.perf [data-figure="wall_seconds"]', 'data-value')) - lm.wall_seconds) < 1e-6, 'live run: wall seconds');
    const lbars = await page.$$eval('[data-chart="timeline"] rect', (rs) => rs.map((r) => [r.dataset.stage, Number(r.dataset.value)]));
    check(lbars.length === lm.stages.length, 'live run: one bar per stage');
    for (const st of lm.stages) check(lbars.some(([n, v]) => n === st.name && Math.abs(v - st.duration_seconds) < 1e-6), 'live run: stage ' + st.name);
    check(Number(await page.getAttribute('[data-chart="stage2-durations"]', 'data-n')) === 40, 'live run: Stage 2 histogram');
    await shot('2b-live-performance');
    await page.click('#tab-run');
  } else {
    // Without the pipeline the child still runs and says why it stopped:
    // its output and exit status must reach the page.
    await page.waitForSelector('#status-pill:text-matches("finished|failed")', { timeout: 30000 });
    const log = await page.textContent('#run-log');
    check(log.trim().length > 0, 'child output shown');
    // The progress file as the pipeline writes it is pushed within ~250 ms.
    const prog = {
      total: 10, processed: 4, current_image: '/photos/Colour/sunset.jpg', status: 'running',
      message: 'critiquing', phase: 'critique', eta_seconds: 42,
      history: [{ phase: 'iqa', status: 'complete', processed: 10, total: 10, message: 'IQA done', timestamp: '2026-01-01T10:00:00Z' }],
      stages: { iqa: { done: 10, total: 10 }, critique: { done: 4, total: 10 }, pairwise: { done: 0, total: 0 } },
    };
    const pfile = path.join(OUT, 'metrics', 'judge_vision_progress.json');
    fs.mkdirSync(path.dirname(pfile), { recursive: true });
    fs.writeFileSync(pfile + '.tmp', JSON.stringify(prog));
    fs.renameSync(pfile + '.tmp', pfile);
    await page.waitForSelector('#progress-current:text("sunset.jpg")', { timeout: 5000 });
    check((await page.textContent('#progress-count')).includes('4 / 10'), 'progress count');
    check((await page.textContent('#progress-eta')).includes('42'), 'ETA shown');
    check((await page.textContent('[data-stage="critique"] .count')).includes('4 / 10'), 'critique stage bar');
    check((await page.$$('#run-history li')).length === 1, 'completed-stage history');
  }
  await shot('2-run');

  // ---- Results: the fixture run; edit a score; it survives a reload
  await page.click('#tab-results');
  const runs = await page.$$eval('#results-run option', (os) => os.map((o) => [o.value, o.textContent]));
  const fixture = runs.find(([, t]) => t.startsWith('fixture'));
  check(fixture, 'fixture run listed: ' + JSON.stringify(runs));
  const rendered = page.evaluate((id) => window.jv.whenRendered('results', id), fixture[0]);
  await page.selectOption('#results-run', fixture[0]);
  await rendered;
  const manifestPath = path.join(OUT, 'results', 'fixture.metadata.json');
  const records = fs.readFileSync(path.join(OUT, 'results', 'fixture.jsonl'), 'utf8').trim().split('\n').map(JSON.parse);
  const rows = await page.$$('table.results tbody tr');
  check(rows.length === records.length, `one row per record (${rows.length} vs ${records.length})`);
  const histN = await page.$$eval('[data-chart="hist-after"]', (s) => s.reduce((a, e) => a + Number(e.dataset.n), 0));
  check(histN === records.length, 'histograms cover every record');
  check((await page.$$('.bucket img')).length > 0, 'bucket thumbnails');
  await page.waitForFunction(() => { const i = document.querySelector('.bucket img'); return i && i.complete && i.naturalWidth > 0; });
  await shot('3-results');
  // Edit the last row (lowest score) to 19 / Credit.
  const idx = Number(await rows[rows.length - 1].getAttribute('data-idx'));
  await rows[rows.length - 1].$('a.open').then((a) => a.click());
  await page.waitForSelector('#viewer[open] #edit-form');
  await page.waitForFunction(() => { const i = document.querySelector('#viewer img'); return i && i.complete && i.naturalWidth > 0; });
  await shot('4-viewer');
  await page.fill('#edit-form input[name=score]', '19');
  await page.fill('#edit-form input[name=award]', 'Credit');
  await page.click('#edit-form button[type=submit]');
  await page.waitForSelector('#edit-status:text("Saved.")');
  await page.keyboard.press('Escape');
  const ov = JSON.parse(fs.readFileSync(path.join(OUT, 'results', 'fixture.overrides.json'), 'utf8'));
  check(ov.overrides[records[idx].image].score === 19, 'override written beside the results');
  check(fs.readFileSync(path.join(OUT, 'results', 'fixture.jsonl'), 'utf8').trim().split('\n').map(JSON.parse)[idx].critique_total === records[idx].critique_total, 'results file untouched');
  await page.reload();
  await ready();
  await page.click('#tab-results');
  await page.selectOption('#results-run', fixture[0]);
  await page.waitForSelector(`table.results tr[data-idx="${idx}"] td.score.edited`);
  check((await page.textContent(`table.results tr[data-idx="${idx}"] td.score`)).trim() === '19', 'edited score after reload');
  check((await page.textContent(`table.results tr[data-idx="${idx}"] td.award`)).trim() === 'Credit', 'edited award after reload');
  const csv = await (await page.request.get(new URL(await page.getAttribute('#export-csv', 'href'), URL_).href)).text();
  const line = csv.split('\r\n').find((l) => l.endsWith(records[idx].image));
  check(line && line.includes(',19,') && line.includes('Credit,yes'), 'CSV has the edit: ' + line);

  // ---- Performance: the charts hold the run's numbers; manifest download
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  await page.click('#tab-perf');
  const prender = page.evaluate((id) => window.jv.whenRendered('perf', id + '/'), fixture[0]);
  await page.selectOption('#perf-run', fixture[0]);
  await prender;
  const fig = (k) => page.getAttribute(`.perf [data-figure="${k}"]`, 'data-value');
  check(Math.abs(Number(await fig('wall_seconds')) - manifest.wall_seconds) < 1e-6, 'wall seconds');
  check(Number(await fig('images_processed')) === manifest.images.processed, 'images processed');
  check((await fig('prompt_sha256')) === manifest.prompt.sha256, 'prompt hash');
  check((await fig('git_commit')) === manifest.git_commit, 'commit');
  check(Number(await fig('prompt_tokens_sum')) === manifest.critique.prompt_tokens.sum, 'prompt tokens');
  check(Number(await fig('iqa_hits')) === manifest.iqa_cache.hits, 'IQA cache hits');
  const bars = await page.$$eval('[data-chart="timeline"] rect', (rs) => rs.map((r) => [r.dataset.stage, Number(r.dataset.value)]));
  check(bars.length === manifest.stages.length, 'one timeline bar per stage');
  for (const s of manifest.stages) {
    const b = bars.find(([n]) => n === s.name);
    check(b && Math.abs(b[1] - s.duration_seconds) < 1e-6, 'stage bar ' + s.name);
  }
  const s2n = Number(await page.getAttribute('[data-chart="stage2-durations"]', 'data-n'));
  check(s2n === records.length, 'Stage 2 histogram counts every record');
  const binSum = await page.$$eval('[data-chart="stage2-durations"] rect', (rs) => rs.reduce((a, r) => a + Number(r.dataset.count), 0));
  check(binSum === records.length, 'Stage 2 bins add up');
  check(Number(await page.getAttribute('[data-chart="gpu-util"]', 'data-n')) === manifest.gpu.samples.length, 'GPU sparkline samples');
  await shot('5-performance');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-download="manifest"]')]);
  const got = JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
  check(got.run_id === manifest.run_id && dl.suggestedFilename() === 'fixture.metadata.json', 'manifest download');
  // Compare the bench pair side by side.
  const bench = await page.$$eval('#perf-run option', (os) => os.map((o) => [o.value, o.textContent]));
  const base = bench.find(([, t]) => t.startsWith('bench/baseline'));
  const opt = bench.find(([, t]) => t.startsWith('bench/optimised'));
  check(base && opt, 'bench pair listed');
  {
    const crender = page.evaluate((k) => window.jv.whenRendered('perf', k), base[0] + '/' + opt[0]);
    await page.selectOption('#perf-run', base[0]);
    await page.selectOption('#perf-compare', opt[0]);
    await crender;
    await page.waitForSelector('.side-by-side .perf + .perf');
    const ratio = Number(await page.getAttribute('table.compare tbody tr:first-child td[data-ratio]', 'data-ratio'));
    const mb = JSON.parse(fs.readFileSync(path.join(OUT, 'bench', 'baseline', 'results', 'judge_vision.metadata.json'), 'utf8'));
    const mo = JSON.parse(fs.readFileSync(path.join(OUT, 'bench', 'optimised', 'results', 'judge_vision.metadata.json'), 'utf8'));
    check(Math.abs(ratio - mb.wall_seconds / mo.wall_seconds) < 0.01, `compare ratio ${ratio}`);
    await shot('6-compare');
  }
  check(errors.length === 0, 'no page errors: ' + errors.join(' | '));
  console.log('gui: ok');
} catch (e) {
  failed = true;
  console.error(e.stack || String(e));
  if (errors.length) console.error('page errors:', errors.join('\n'));
} finally {
  await close();
}
process.exit(failed ? 1 : 0);
