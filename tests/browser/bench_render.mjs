// Times the Results and Performance tabs on a large run in headless Chromium:
// from the tab click (the page's caches dropped, so the data is fetched
// again; the server keeps its parsed copy) until the tab has rendered and two
// frames have passed. Prints one line per tab with
// the median, min and max over JV_REPEAT tries (default 7).
// Environment: JV_URL, JV_RUN_NAME (the run to show, as listed), JV_REPEAT.
import { launch, watchErrors, check } from './lib.mjs';

const repeat = Number(process.env.JV_REPEAT || 7);
const { browser, close } = await launch();
const errors = [];
let rc = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  watchErrors(page, errors);
  await page.goto(process.env.JV_URL);
  await page.waitForSelector('body[data-ready="1"]');
  const runs = await page.$$eval('#results-run option', (os) => os.map((o) => [o.value, o.textContent]));
  const run = runs.find(([, t]) => t.startsWith(process.env.JV_RUN_NAME));
  check(run, 'run listed');
  await page.evaluate((id) => { document.querySelector('#results-run').value = id; document.querySelector('#perf-run').value = id; }, run[0]);
  const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };
  for (const tab of ['results', 'perf']) {
    const times = [];
    let first = 0;
    for (let i = 0; i < repeat + 1; i++) {
      await page.click('#tab-brief');
      const ms = await page.evaluate(async ([t, id]) => {
        window.jv.invalidate();
        const t0 = performance.now();
        const done = window.jv.whenRendered(t, t === 'results' ? id : id + '/');
        document.querySelector('#tab-' + t).click();
        await done;
        return performance.now() - t0;
      }, [tab, run[0]]);
      // The first try also parses the results file on the server (cold cache).
      if (i > 0) times.push(ms);
      else first = ms;
    }
    const rows = tab === 'results' ? await page.$$eval('table.results tbody tr', (r) => r.length) : null;
    console.log(`gui_render: ${tab === 'results' ? 'Results' : 'Performance'} tab, ${process.env.JV_RUN_NAME}` +
      `${rows !== null ? ` (${rows} rows)` : ''}: median ${median(times).toFixed(0)} ms, ` +
      `min ${Math.min(...times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms over ${times.length} tries; ` +
      `first view (server cache cold) ${first.toFixed(0)} ms`);
  }
  check(errors.length === 0, 'no page errors: ' + errors.join(' | '));
} catch (e) {
  console.error(e.stack || String(e));
  rc = 1;
} finally {
  await close();
}
process.exit(rc);
