// The page's layout in Chromium at 1400×900 and 400×800, light and dark:
// no element reaches past the viewport (unless a scrolling box holds it),
// the Results table's header and body columns share their x-positions, the
// tabs stay on one row, links and the active tab are readable, and printing
// leaves the header in the flow and the table's text whole. Screenshots of
// each tab go to JV_SCREENSHOTS. Environment: JV_URL, JV_OUTPUTS, JV_SCREENSHOTS.
import fs from 'node:fs';
import path from 'node:path';
import { launch, watchErrors, check } from './lib.mjs';

const URL_ = process.env.JV_URL;
const SHOTS = process.env.JV_SCREENSHOTS || '.';
fs.mkdirSync(SHOTS, { recursive: true });

// Elements whose box ends past the viewport's right edge (or starts left of
// it), not counting those inside a box that clips or scrolls sideways.
function overflowing() {
  const vw = document.documentElement.clientWidth;
  const out = [];
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox !== 'visible') return true;
    }
    return false;
  };
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('[hidden], dialog:not([open]), datalist, option, script')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if ((r.right > vw + 0.5 || r.left < -0.5) && !clipped(el))
      out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${el.className} ${r.left.toFixed(0)}..${r.right.toFixed(0)} > ${vw}`);
  }
  if (document.documentElement.scrollWidth > vw) out.push(`document ${document.documentElement.scrollWidth} > ${vw}`);
  return out.slice(0, 8);
}

// For each Results table: [header th edges] and [first body row td edges].
function columnEdges() {
  return [...document.querySelectorAll('.table-wrap')].map((w) => {
    const th = [...w.querySelectorAll('thead th')].map((c) => c.getBoundingClientRect());
    const td = [...w.querySelectorAll('tbody tr:first-child td')].map((c) => c.getBoundingClientRect());
    return { th: th.map((r) => [r.left, r.right]), td: td.map((r) => [r.left, r.right]) };
  });
}

// Contrast ratio (WCAG) of an element's text against the first opaque background behind it.
function contrast(sel) {
  const el = document.querySelector(sel);
  if (!el) return null;
  const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let bg = null;
  for (let p = el; p; p = p.parentElement) {
    const c = rgb(getComputedStyle(p).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) { bg = c; break; }
  }
  bg = bg || [255, 255, 255];
  const a = lum(rgb(getComputedStyle(el).color));
  const b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

const { browser, close } = await launch();
const errors = [];
let failed = false;
try {
  const runs = await (await (await browser.newContext()).request.get(URL_ + 'api/runs')).json();
  const club = runs.find((r) => r.name === 'club');
  check(club, 'club round listed');
  // Dark mode changes colours, not boxes: once, at the desktop size, is enough.
  for (const [w, h, scheme] of [[1400, 900, 'light'], [1400, 900, 'dark'], [400, 800, 'light']]) {
    {
      const context = await browser.newContext({ viewport: { width: w, height: h }, colorScheme: scheme });
      const page = await context.newPage();
      watchErrors(page, errors);
      await page.goto(URL_);
      await page.waitForSelector('body[data-ready="1"]');
      const tag = `${w}x${h}-${scheme}`;
      for (const tab of scheme === 'dark' ? ['brief', 'results'] : ['brief', 'run', 'results', 'perf']) {
        await page.click('#tab-' + tab);
        if (tab === 'results') {
          const done = page.evaluate((id) => window.jv.whenRendered('results', id), club.id);
          await page.selectOption('#results-run', club.id);
          await done;
        }
        if (tab === 'perf') {
          const done = page.evaluate((id) => window.jv.whenRendered('perf', id + '/'), club.id);
          await page.selectOption('#perf-run', club.id);
          await done;
        }
        const over = await page.evaluate(overflowing);
        check(over.length === 0, `${tag} ${tab}: nothing past the viewport: ${over.join(' | ')}`);
        const tops = await page.$$eval('nav [role=tab]', (bs) => bs.map((b) => Math.round(b.getBoundingClientRect().top)));
        check(new Set(tops).size === 1, `${tag}: the tabs on one row ${tops}`);
        const active = await page.evaluate(contrast, `#tab-${tab}`);
        check(active >= 4.5, `${tag}: the active tab is readable (contrast ${active && active.toFixed(2)})`);
        await page.screenshot({ path: path.join(SHOTS, `layout-${tag}-${tab}.png`) });
      }
      // Results: header and body columns line up; links are readable.
      await page.click('#tab-results');
      const tables = await page.evaluate(columnEdges);
      check(tables.length >= 2, `${tag}: a table per category`);
      for (const t of tables) {
        check(t.th.length === t.td.length && t.th.length >= 10, `${tag}: as many header cells as body cells`);
        t.th.forEach(([l, r], i) => check(Math.abs(l - t.td[i][0]) < 0.5 && Math.abs(r - t.td[i][1]) < 0.5,
          `${tag}: column ${i + 1} at ${l.toFixed(1)}..${r.toFixed(1)} in the header, ${t.td[i][0].toFixed(1)}..${t.td[i][1].toFixed(1)} below`));
      }
      const link = await page.evaluate(contrast, 'table.results td.file a');
      check(link >= 4.5, `${tag}: links readable (contrast ${link.toFixed(2)})`);
      // The viewer fits the screen too.
      await page.click('table.results td.file a');
      await page.waitForSelector('#viewer[open] #edit-form');
      const over = await page.evaluate(overflowing);
      check(over.length === 0, `${tag} viewer: nothing past the viewport: ${over.join(' | ')}`);
      await page.screenshot({ path: path.join(SHOTS, `layout-${tag}-viewer.png`) });
      await page.keyboard.press('Escape');
      if (w === 1400 && scheme === 'light') {
        // Print: the header is in the flow, every chunk laid out, no cell clips its text.
        await page.emulateMedia({ media: 'print' });
        const pr = await page.evaluate(() => ({
          header: getComputedStyle(document.querySelector('header')).position,
          nav: getComputedStyle(document.querySelector('nav')).display,
          chunks: [...document.querySelectorAll('.chunk')].map((c) => getComputedStyle(c).contentVisibility),
          clipped: [...document.querySelectorAll('table.results td')].filter((td) => td.scrollWidth > td.clientWidth + 1).length,
        }));
        check(pr.header === 'static' && pr.nav === 'none', 'print: no sticky header, no tabs: ' + JSON.stringify(pr));
        check(pr.chunks.every((v) => v === 'visible'), 'print: every chunk of the table laid out');
        check(pr.clipped === 0, `print: ${pr.clipped} table cells clip their text`);
        const pdf = await page.pdf({ format: 'A4' });
        check(pdf.length > 1000, 'print to PDF');
        await page.emulateMedia({ media: 'screen' });
      }
      await context.close();
    }
  }
  check(errors.length === 0, 'no page errors: ' + errors.join(' | '));
  console.log('layout: ok');
} catch (e) {
  failed = true;
  console.error(e.stack || String(e));
  if (errors.length) console.error('page errors:', errors.join('\n'));
} finally {
  await close();
}
process.exit(failed ? 1 : 0);
