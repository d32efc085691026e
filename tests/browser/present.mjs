// Presentation mode (SPEC 6) in headless Chromium, driven by the keys alone.
// Environment: JV_URL (the server), JV_OUTPUTS (its --outputs folder, holding
// the fixture round "club" with authors, ranks, placings and two failed
// photos), JV_SCREENSHOTS; JV_PRESENT_SHOT=FILE also saves the README's shot.
import fs from 'node:fs';
import path from 'node:path';
import { launch, watchErrors, check } from './lib.mjs';

const URL_ = process.env.JV_URL;
const OUT = process.env.JV_OUTPUTS;
const SHOTS = process.env.JV_SCREENSHOTS || '.';
fs.mkdirSync(SHOTS, { recursive: true });

const records = fs.readFileSync(path.join(OUT, 'results', 'club.jsonl'), 'utf8').trim().split('\n').map(JSON.parse);
const okIn = (cat) => records.map((r, i) => ({ ...r, idx: i })).filter((r) => r.competition_category === cat && r.status === 'ok');
const cats = [...new Set(records.map((r) => r.competition_category))].sort();

const { browser, close } = await launch();
const errors = [];
let failed = false;
try {
  const [vw, vh] = (process.env.JV_PRESENT_VIEWPORT || '1280x720').split('x').map(Number);
  const context = await browser.newContext({ viewport: { width: vw, height: vh } });
  const page = await context.newPage();
  watchErrors(page, errors);
  const foreign = [];
  page.on('request', (r) => { if (!r.url().startsWith(URL_) && !r.url().startsWith('data:')) foreign.push(r.url()); });
  const runs = await (await page.request.get(URL_ + 'api/runs')).json();
  const run = runs.find((r) => r.name === 'club');
  check(run, 'club round listed: ' + runs.map((r) => r.name).join(', '));

  const state = () => page.evaluate(() => ({
    slide: document.body.dataset.slide, step: document.body.dataset.step, cat: document.body.dataset.category,
    idx: document.querySelector('.entry') ? Number(document.querySelector('.entry').dataset.idx) : null,
    title: document.querySelector('#p-title')?.textContent ?? null,
    score: document.querySelector('#p-score')?.textContent ?? null,
    award: document.querySelector('#p-award')?.textContent ?? null,
    placing: document.querySelector('#p-placing')?.textContent ?? null,
    critique: document.querySelector('#p-critique')?.textContent ?? null,
    author: document.querySelector('#p-author')?.textContent ?? null,
  }));
  // One real key press; the screen once it has moved on.
  const key = async (k) => {
    const before = await page.evaluate(() => document.body.dataset.at);
    await page.keyboard.press(k);
    await page.waitForFunction((b) => document.body.dataset.at !== b, before);
    return state();
  };
  // Steps through one category; returns the entries seen alone and the states.
  async function category(cat) {
    let s = await key('Space');
    check(s.slide === 'category' && s.cat === cat, `category card ${cat}: ${JSON.stringify(s)}`);
    const order = [];
    const seen = [];
    for (;;) {
      s = await key('Space');
      if (s.slide !== 'entry') break;
      seen.push(s);
      if (s.step === '') order.push(s.idx);
    }
    check(s.slide === 'placings' && s.cat === cat, `placings after ${cat}: ${JSON.stringify(s)}`);
    return { order, seen };
  }

  await page.goto(`${URL_}present?run=${run.id}`);
  await page.waitForSelector('body[data-ready="1"]');
  check((await state()).slide === 'setup', 'opens on the setup screen');
  for (const c of cats) check((await page.textContent('.setup .cats')).includes(c), 'setup lists ' + c);

  // ---- as judged: every step of the first category, all parts on
  const colour = okIn(cats[0]);
  const { order, seen } = await category(cats[0]);
  check(JSON.stringify(order) === JSON.stringify(colour.map((r) => r.idx)), 'judged order, failed photos left out: ' + order);
  for (const r of colour) {
    const steps = seen.filter((s) => s.idx === r.idx);
    const alone = steps[0];
    check(alone.step === '' && alone.title === null && alone.score === null && alone.critique === null && alone.author === null,
      `photo ${r.idx} first alone`);
    const want = ['title', 'score', 'critique'].concat(r.author ? ['author'] : []);
    check(steps.length === want.length + 1 && steps[steps.length - 1].step === want.join(','), `photo ${r.idx} steps: ${steps.map((s) => s.step).join(' | ')}`);
    const last = steps[steps.length - 1];
    check(last.title === (r.image_title || r.critique_title), `title of ${r.idx}`);
    check(Number(last.score) === r.critique_total && (last.award || null) === r.critique_award, `score and award of ${r.idx}`);
    check(last.placing === null, `the placing of ${r.idx} waits for the placings screen`);
    check(last.critique === r.critique && (last.author || null) === (r.author || null), `critique and author of ${r.idx}`);
    // Each reveal adds one part in order; the author comes last.
    steps.forEach((s, k) => check(s.step === want.slice(0, k).join(','), `step ${k} of ${r.idx}`));
  }
  // The placings screen: best first, one row per placing, authors beside titles.
  const rows = await page.$$eval('#p-placings tr', (trs) => trs.map((t) => [Number(t.dataset.idx), t.querySelector('.place').textContent]));
  const placed = colour.filter((r) => r.placing).sort((a, b) => a.rank - b.rank);
  check(JSON.stringify(rows) === JSON.stringify(placed.map((r) => [r.idx, r.placing])), 'placings screen: ' + JSON.stringify(rows));
  const firstAuthor = placed.find((r) => r.author);
  check((await page.textContent('#p-placings')).includes(firstAuthor.author), 'placings name the authors');
  const box = await page.evaluate(() => { const b = document.querySelector('.placings').getBoundingClientRect(); return [b.top, b.bottom, innerHeight]; });
  check(box[0] >= 0 && box[1] <= box[2], 'the placings fit the screen: ' + box);
  await shot('present-placings');
  // ← goes back to the last photo, fully revealed.
  let s = await key('ArrowLeft');
  check(s.slide === 'entry' && s.idx === colour[colour.length - 1].idx && s.critique !== null, 'back to the last photo');
  s = await key('ArrowRight');
  check(s.slide === 'placings', 'forward again');

  // ---- the photo is scaled to the screen
  await page.keyboard.press('Escape');
  await key('Space');
  s = await key('Space');
  await page.waitForFunction(() => { const i = document.querySelector('#p-image'); return i && i.complete && i.naturalWidth > 0; });
  const fit = await page.evaluate(() => {
    const i = document.querySelector('#p-image');
    const b = i.getBoundingClientRect();
    const k = Math.min(b.width / i.naturalWidth, b.height / i.naturalHeight);
    return { w: b.width, h: b.height, drawnW: i.naturalWidth * k, drawnH: i.naturalHeight * k, vw: innerWidth, vh: innerHeight, nw: i.naturalWidth };
  });
  check(fit.w <= fit.vw && fit.h <= fit.vh, 'photo inside the screen: ' + JSON.stringify(fit));
  check(Math.abs(fit.drawnW - fit.vw) < 1 || Math.abs(fit.drawnH - fit.h) < 1, 'photo fills the screen one way');
  if (fit.nw * 4 < fit.vw) check(fit.drawnW > 4 * fit.nw, 'a small photo is scaled up');
  await shot('present-photo');
  await key('Space');
  await key('Space');
  if (process.env.JV_PRESENT_SHOT) await page.screenshot({ path: process.env.JV_PRESENT_SHOT });

  // ---- ascending order, critique and author switched off
  await page.keyboard.press('Escape');
  await page.keyboard.press('c');
  await page.keyboard.press('a');
  await page.keyboard.press('o');
  check((await page.getAttribute('#setup-order', 'data-order')) === 'ascending', 'O: ascending order');
  check((await page.getAttribute('[data-part="critique"]', 'class')) === 'off', 'C switches the critique off');
  const asc = await category(cats[0]);
  const scores = asc.order.map((i) => records[i].critique_total);
  check(scores.every((v, k) => k === 0 || scores[k - 1] <= v), 'ascending scores: ' + scores);
  check(asc.order.length === colour.length, 'every entry once');
  check(asc.seen.every((x) => x.critique === null && x.author === null), 'no critique, no author');
  check(asc.seen.filter((x) => x.idx === asc.order[0]).length === 3, 'photo, title, score: three steps');
  // The next category follows its placings; then the end.
  const mono = await category(cats[1]);
  check(mono.order.length === okIn(cats[1]).length, 'second category');
  s = await key('Space');
  check(s.slide === 'end', 'ends after the last placings');

  // ---- awards last: the entries without an award come first
  await page.keyboard.press('Escape');
  await page.keyboard.press('o');
  await page.keyboard.press('t');
  await page.keyboard.press('s');
  check((await page.getAttribute('#setup-order', 'data-order')) === 'awards-last', 'O again: awards last');
  const al = await category(cats[0]);
  const awarded = al.order.map((i) => !!records[i].critique_award);
  const firstAward = awarded.indexOf(true);
  check(firstAward > 0 && awarded.slice(firstAward).every(Boolean), 'awards last: ' + awarded);

  // ---- a URL can preset the order and the parts
  await page.goto(`${URL_}present?run=${run.id}&order=ascending&hide=title,score,critique,author`);
  await page.waitForSelector('body[data-ready="1"]');
  await key('Space');
  s = await key('Space');
  const s2 = await key('Space');
  check(s.slide === 'entry' && s2.slide === 'entry' && s2.idx !== s.idx, 'everything off: photo after photo');
  check(foreign.length === 0, 'nothing fetched from elsewhere: ' + foreign.join(' '));
  check(errors.length === 0, 'no page errors: ' + errors.join(' | '));
  console.log('present: ok');

  async function shot(name) {
    await page.screenshot({ path: path.join(SHOTS, name + '.png') });
  }
} catch (e) {
  failed = true;
  console.error(e.stack || String(e));
  if (errors.length) console.error('page errors:', errors.join('\n'));
} finally {
  await close();
}
process.exit(failed ? 1 : 0);
