// The Results and Run tabs on a club round (SPEC 6): sortable table with a
// status column, the error in the viewer and its previous/next keys, a score
// edit that takes its band's award and re-ranks the placings, the downloads;
// the Run tab's units, local times, a category in the playoff and a cancel.
// Environment: JV_URL, JV_OUTPUTS (holding the fixture round "club"), JV_SCREENSHOTS.
import fs from 'node:fs';
import path from 'node:path';
import { launch, watchErrors, check } from './lib.mjs';

const URL_ = process.env.JV_URL;
const OUT = process.env.JV_OUTPUTS;
const SHOTS = process.env.JV_SCREENSHOTS || '.';
fs.mkdirSync(SHOTS, { recursive: true });
const records = fs.readFileSync(path.join(OUT, 'results', 'club.jsonl'), 'utf8').trim().split('\n').map(JSON.parse);
const overridesFile = path.join(OUT, 'results', 'club.overrides.json');

const { browser, close } = await launch();
const errors = [];
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  watchErrors(page, errors);
  await page.goto(URL_ + '#results');
  await page.waitForSelector('body[data-ready="1"]');
  const runs = await (await page.request.get(URL_ + 'api/runs')).json();
  const run = runs.find((r) => r.name === 'club');
  check(run, 'club round listed');
  const show = async () => {
    const done = page.evaluate((id) => window.jv.whenRendered('results', id), run.id);
    await page.selectOption('#results-run', run.id);
    await done;
  };
  // ---- Brief: a registry picked by its path; one that fails to parse shows its error
  await page.click('#tab-brief');
  await page.fill('#f-registry-path', process.env.JV_REGISTRY_OTHER);
  await page.click('#registry-add');
  await page.waitForFunction(() => [...document.querySelectorAll('#f-competition option')].some((o) => o.value === 'club_print_2025'));
  check((await page.$eval('#f-registry', (s) => s.selectedOptions[0].title)) === process.env.JV_REGISTRY_OTHER, 'the picked file is chosen');
  await page.fill('#f-registry-path', process.env.JV_REGISTRY_BROKEN);
  await page.click('#registry-add');
  await page.waitForSelector('#registry-error:not([hidden])');
  const msg = await page.textContent('#registry-error');
  check(msg.includes('broken.toml') && /\d+:\d+/.test(msg), 'the parse error with file and line: ' + msg);
  check((await page.$$('#f-competition option')).length === 1, 'no competitions from a broken file');
  await page.fill('#f-registry-path', '/nonexistent/x.toml');
  await page.click('#registry-add');
  await page.waitForSelector('#registry-error:text("not a registry file")');
  // A registry id the server does not offer (a stale setting) is not shown as an option.
  await page.selectOption('#f-registry', '0');
  await page.request.put(URL_ + 'api/settings', { headers: { 'X-JV-Token': await page.getAttribute('meta[name=jv-token]', 'content') },
    data: { ...(await (await page.request.get(URL_ + 'api/settings')).json()), registry: '63' } });
  await page.reload();
  await page.waitForSelector('body[data-ready="1"]');
  const regs = (await (await page.request.get(URL_ + 'api/registries')).json()).map((r) => String(r.id));
  const shown = await page.$$eval('#f-registry option', (os) => os.map((o) => o.value));
  check(JSON.stringify(shown) === JSON.stringify(regs), `only offered registries in the list: ${shown} vs ${regs}`);
  await page.selectOption('#f-registry', '0');
  await page.waitForSelector('#settings-saved:has-text("Saved.")');
  await page.click('#tab-results');

  await show();
  const colour = '[data-category="Colour"]';
  const cells = (cls) => page.$$eval(`${colour} table.results tbody td.${cls}`, (tds) => tds.map((t) => t.textContent.trim()));

  // ---- status column, the error as a tooltip and in the viewer
  const bad = records.map((r, i) => [r, i]).filter(([r]) => r.status !== 'ok');
  check(bad.length === 2, 'fixture has two failed photos');
  for (const [r, i] of bad) {
    const st = await page.$(`tr[data-idx="${i}"] td.status span.bad`);
    check(st && (await st.textContent()) === 'failed' && (await st.getAttribute('title')) === r.error, 'failed status with its error ' + i);
  }
  await page.click(`tr[data-idx="${bad[0][1]}"] a.open`);
  await page.waitForSelector('#viewer[open] #viewer-error');
  check((await page.textContent('#viewer-error')) === bad[0][0].error, 'viewer shows the error text');
  // previous / next keys walk the rows in the order shown
  const order = await page.$$eval('#results-body table.results tbody tr', (trs) => trs.map((t) => Number(t.dataset.idx)));
  const at = order.indexOf(bad[0][1]);
  const viewing = () => page.getAttribute('#viewer-body', 'data-idx').then(Number);
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((want) => document.querySelector('#viewer-body').dataset.idx === String(want), order[at + 1]);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.waitForFunction((want) => document.querySelector('#viewer-body').dataset.idx === String(want), order[at - 1]);
  check((await viewing()) === order[at - 1], 'ArrowLeft goes to the previous row');
  await page.keyboard.press('Escape');

  // ---- sorting by a header, both ways
  await page.click(`${colour} th.author button`);
  let authors = await cells('author');
  check(authors.every((a, k) => k === 0 || authors[k - 1].localeCompare(a) <= 0), 'sorted by author: ' + authors);
  check((await page.getAttribute(`${colour} th.author`, 'aria-sort')) === 'ascending', 'aria-sort ascending');
  await page.click(`${colour} th.author button`);
  authors = await cells('author');
  check(authors.every((a, k) => k === 0 || authors[k - 1].localeCompare(a) >= 0), 'author descending');
  await page.click(`${colour} th.score button`);
  const scores = (await cells('score')).map((v) => (v === '' ? -1 : Number(v)));
  check(scores.every((v, k) => k === 0 || scores[k - 1] >= v), 'sorted by score, best first: ' + scores);
  check(JSON.stringify(await cells('author')) !== JSON.stringify(authors), 'the order changed');

  // ---- an edited score takes its band's award and re-ranks the placings
  const byRank = (n) => records.findIndex((r) => r.competition_category === 'Colour' && r.rank === n);
  const low = byRank(9);
  const second = byRank(2);
  const place = (i) => page.textContent(`tr[data-idx="${i}"] td.place`).then((t) => t.trim());
  check((await place(second)) === '2nd' && (await place(low)) === '', 'placings as judged');
  await page.click(`tr[data-idx="${low}"] a.open`);
  await page.waitForSelector('#viewer[open] #edit-form');
  const offered = await page.$$eval('#award-list option', (os) => os.map((o) => o.value));
  check(JSON.stringify(offered) === JSON.stringify(['Distinction', 'Credit', 'Merit']), "the competition's awards offered: " + offered);
  await page.fill('#edit-form input[name=score]', '20');
  check((await page.inputValue('#edit-form input[name=award]')) === 'Distinction', 'award follows the score');
  await page.click('#edit-form button[type=submit]');
  await page.waitForSelector('#edit-status:text("Saved.")');
  let ov = JSON.parse(fs.readFileSync(overridesFile, 'utf8')).overrides[records[low].image];
  check(ov.score === 20 && ov.award === undefined, 'only the score saved: ' + JSON.stringify(ov));
  await page.keyboard.press('Escape');
  check((await page.textContent(`tr[data-idx="${low}"] td.award`)).trim() === 'Distinction', 'award from the bands in the table');
  check((await place(low)) === '2nd' && (await place(second)) === '3rd', 'placings re-ranked');
  check((await place(byRank(1))) === '1st', 'the judged winner keeps 1st (rank breaks the tie)');
  const csv = await (await page.request.get(new URL(await page.getAttribute('#export-csv', 'href'), URL_).href)).text();
  const line = csv.split('\r\n').find((l) => l.endsWith(records[low].image));
  check(line && line.includes(',20,') && line.includes('Distinction,yes'), 'the table CSV has the band award: ' + line);
  // An award set by hand stays when the score changes.
  await page.click(`tr[data-idx="${low}"] a.open`);
  await page.waitForSelector('#viewer[open] #edit-form');
  await page.fill('#edit-form input[name=award]', 'Merit');
  await page.fill('#edit-form input[name=score]', '19');
  check((await page.inputValue('#edit-form input[name=award]')) === 'Merit', 'a hand-set award stays');
  await page.click('#edit-form button[type=submit]');
  await page.waitForSelector('#edit-status:text("Saved.")');
  ov = JSON.parse(fs.readFileSync(overridesFile, 'utf8')).overrides[records[low].image];
  check(ov.score === 19 && ov.award === 'Merit', 'score and award saved: ' + JSON.stringify(ov));
  await page.click('#edit-reset');
  await page.waitForSelector('#edit-status:text("Saved.")');
  await page.keyboard.press('Escape');
  check((await place(second)) === '2nd', 'revert restores the placings');

  // ---- downloads and the Present button name the round
  const href = (sel) => page.getAttribute(sel, 'href');
  const q = 'run=' + run.id;
  check((await href('#present')) === '/present?' + q, 'Present button');
  for (const f of ['results', 'entrants', 'csv']) check((await href('#dl-' + (f === 'csv' ? 'csv' : f))) === `/api/export?${q}&format=${f}`, 'download ' + f);
  check((await href('#dl-summary')) === '/api/summary?' + q, 'summary download');

  // ---- Run tab: units per stage, a category in the playoff, a cancel, local times
  await page.click('#tab-run');
  const pfile = path.join(OUT, 'metrics', 'judge_vision_progress.json');
  fs.mkdirSync(path.dirname(pfile), { recursive: true });
  const put = (p) => { fs.writeFileSync(pfile + '.tmp', JSON.stringify(p)); fs.renameSync(pfile + '.tmp', pfile); };
  const t0 = '2026-03-01T18:00:00Z';
  const hist = [{ phase: 'judging', status: 'running', processed: 0, total: 60, message: '', timestamp: t0 },
    { phase: 'pairwise', status: 'running', processed: 60, total: 60, message: '', timestamp: '2026-03-01T18:02:30Z' }];
  put({ total: 90, processed: 72, current_image: 'Colour', status: 'running', phase: 'pairwise', message: 'playoff',
    history: hist, updated: '2026-03-01T18:03:00Z',
    stages: { iqa: { done: 30, total: 30 }, critique: { done: 30, total: 30 }, pairwise: { done: 12, total: 30 } } });
  await page.waitForSelector('[data-stage="pairwise"] .count:text("12 / 30 matches")', { timeout: 5000 });
  check((await page.textContent('#run-summary')).includes('Current category'), 'a category is not a "current image"');
  check((await page.textContent('#progress-current')).trim() === 'Colour', 'the category in the playoff');
  check((await page.textContent('[data-stage="critique"] .count')).includes('30 / 30 photos'), 'photos for critique');
  const judging = await page.textContent('#run-history li[data-phase="judging"]');
  check(judging.includes('done') && judging.includes('30 of 30 photos judged') && !judging.includes('0 / 60'), 'a finished phase with its final counts: ' + judging);
  const local = await page.evaluate((t) => new Date(t).toLocaleTimeString(undefined, { timeStyle: 'medium' }), t0);
  check(judging.includes(local) && judging.includes('2 min 30 s'), 'local time and length: ' + judging);
  put({ total: 46, processed: 46, current_image: 'entry_00016.jpg', status: 'error', phase: 'interrupted', message: 'interrupted by a signal',
    history: [hist[0], { phase: 'interrupted', status: 'error', processed: 32, total: 60, message: 'interrupted by a signal', timestamp: '2026-03-01T18:01:00Z' }],
    updated: '2026-03-01T18:01:00Z',
    stages: { iqa: { done: 30, total: 30 }, critique: { done: 16, total: 30 }, pairwise: { done: 0, total: 0 } } });
  await page.waitForSelector('#progress-status:text("Cancelled — 16 kept")', { timeout: 5000 });
  check((await page.textContent('#run-history li[data-phase="interrupted"]')).includes('Cancelled — 16 kept'), 'history says cancelled');
  check((await page.$$('#run-errors .error:text("interrupted")')).length === 0, 'a cancel is not an error');
  check((await page.textContent('#progress-current')).trim() === '—', 'no current image after the end');
  await page.screenshot({ path: path.join(SHOTS, 'page-run-cancelled.png') });
  // The refused registry requests (422, 400) log themselves; nothing else may.
  const other = errors.filter((e) => !/Failed to load resource: .* status of (400|422)/.test(e));
  check(other.length === 0, 'no page errors: ' + other.join(' | '));
  console.log('page: ok');
} catch (e) {
  failed = true;
  console.error(e.stack || String(e));
  if (errors.length) console.error('page errors:', errors.join('\n'));
} finally {
  await close();
}
process.exit(failed ? 1 : 0);
