// The page's trust section in headless Chromium (issue 15): for a round judged
// by a panel with a calibration and anchors, and compared with the club's
// judges by `judge-vision agree`, the Results tab shows the scatter plot of
// model against human marks (the entries 2 or more marks apart open the
// viewer), the agreement table, the calibration curve, the panel's spread per
// photo and the anchor warning.
// Environment: JV_URL (the server), JV_OUTPUTS (its --outputs), JV_ROUND (the round's name).
import fs from 'node:fs';
import path from 'node:path';
import { launch, watchErrors, check } from './lib.mjs';

const OUT = process.env.JV_OUTPUTS;
const ROUND = process.env.JV_ROUND;
const agreement = JSON.parse(fs.readFileSync(path.join(OUT, 'results', ROUND + '.agreement.json'), 'utf8'));
const manifest = JSON.parse(fs.readFileSync(path.join(OUT, 'results', ROUND + '.metadata.json'), 'utf8'));
const { browser, close } = await launch();
const errors = [];
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  watchErrors(page, errors);
  await page.goto(process.env.JV_URL + '#results');
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 });
  const runs = await page.$$eval('#results-run option', (os) => os.map((o) => [o.value, o.textContent]));
  const run = runs.find(([, t]) => t.startsWith(ROUND));
  check(run, 'round listed: ' + JSON.stringify(runs));
  const rendered = page.evaluate((id) => window.jv.whenRendered('results', id), run[0]);
  await page.selectOption('#results-run', run[0]);
  await rendered;
  await page.waitForSelector('#trust');
  const dots = await page.$$('#agree-scatter circle');
  const scored = agreement.entries.filter((e) => e.model != null && e.human != null);
  check(dots.length === scored.length, `one dot per scored entry (${dots.length} vs ${scored.length})`);
  const differ = scored.filter((e) => Math.abs(e.difference) >= 2);
  const links = await page.$$('#agree-scatter a.open circle.differs');
  check(links.length === differ.length, `differing entries are links (${links.length} vs ${differ.length})`);
  check(differ.length > 0, 'the fixture has entries that differ');
  const rows = await page.$$eval('table.agreement tbody tr th', (t) => t.map((x) => x.textContent));
  check(rows.includes('overall'), 'agreement table: ' + rows);
  const rho = await page.$eval('table.agreement tbody tr:last-child td:nth-child(3)', (td) => td.textContent);
  check(rho === agreement.overall.spearman.toFixed(2), `rho shown ${rho} vs ${agreement.overall.spearman}`);
  const knots = await page.$$('#calibration-curve circle.knot');
  check(knots.length === manifest.calibration.overall.x.length, 'one knot per calibration point');
  check(await page.$('#calibration-curve polyline.curve'), 'calibration curve drawn');
  const spread = await page.$$('#trust ol.spread li');
  check(spread.length === Math.min(10, manifest.panel.photos), `spread list (${spread.length})`);
  const warn = await page.$eval('.anchors-warning', (d) => d.textContent);
  const off = manifest.anchors.filter((a) => !a.in_band);
  check(off.length > 0 && off.every((a) => warn.includes(path.basename(a.path))), 'anchor warning: ' + warn);
  // a differing entry opens the viewer on that photo
  const first = differ[0];
  await page.click(`#agree-scatter a.open:has(circle.differs) >> nth=0`);
  await page.waitForSelector('#viewer[open]');
  const shown = await page.$eval('#viewer-body', (v) => v.textContent);
  check(links.length && shown.length > 0, 'viewer opened');
  check(differ.some((e) => shown.includes(e.image)), 'the viewer shows a differing entry: ' + first.image);
  await page.screenshot({ path: path.join(process.env.JV_SCREENSHOTS || '.', 'trust.png') });
  check(errors.length === 0, 'page errors: ' + errors.join('; '));
} catch (e) {
  console.error(e.message);
  failed = true;
}
await close();
if (failed) process.exit(1);
console.log('trust page: ok');
