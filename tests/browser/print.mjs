// The club's papers printed in Chromium (issue 12 point 5): each export HTML
// given on the command line as FILE:PAGES is printed to an A4 PDF; the PDF
// must have exactly PAGES pages (a section per category or per entrant, each
// starting on a new page and fitting one), and, laid out for print at the A4
// text width, no element may stick out of the page or have its text clipped
// by its box. A screenshot of each print layout goes to JV_SCREENSHOTS.
import { launch, check, watchErrors } from './lib.mjs';
import { writeFileSync, mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';

// A4 with 15 mm margins at 96 px per inch: 180 mm of text width.
const TEXT_WIDTH = Math.floor((180 / 25.4) * 96);

function pdfPages(buf) {
  const text = buf.toString('latin1');
  return (text.match(/\/Type\s*\/Page(?![s\w])/g) || []).length;
}

async function printOne(browser, file, want) {
  const page = await browser.newPage({ viewport: { width: TEXT_WIDTH, height: 1000 } });
  const errors = [];
  watchErrors(page, errors);
  // The file stands alone: any request beyond it fails the test.
  const outside = [];
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) outside.push(r.url());
  });
  await page.goto(pathToFileURL(file).href);
  await page.emulateMedia({ media: 'print' });
  const bad = await page.evaluate(() => {
    const out = [];
    const W = document.documentElement.clientWidth;
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      const what = `${el.tagName.toLowerCase()}.${el.className} "${(el.textContent || '').slice(0, 40)}"`;
      if (r.right > W + 0.5 || r.left < -0.5) out.push(`outside the page (${r.left}-${r.right} of ${W}): ${what}`);
      const cs = getComputedStyle(el);
      const clips = cs.overflowX !== 'visible' || cs.overflowY !== 'visible' || cs.textOverflow === 'ellipsis';
      if (clips && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1))
        out.push(`text clipped (${el.scrollWidth}x${el.scrollHeight} in ${el.clientWidth}x${el.clientHeight}): ${what}`);
    }
    const imgs = [...document.images].filter((i) => !i.complete || i.naturalWidth === 0);
    if (imgs.length) out.push(`${imgs.length} image(s) not loaded`);
    return out;
  });
  check(bad.length === 0, `${basename(file)}: ${bad.slice(0, 5).join('; ')}`);
  const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
  const pages = pdfPages(pdf);
  check(pages === want, `${basename(file)}: ${pages} printed pages, want ${want}`);
  if (process.env.JV_SCREENSHOTS) {
    mkdirSync(process.env.JV_SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${process.env.JV_SCREENSHOTS}/print_${basename(file)}.png`, fullPage: true });
    writeFileSync(`${process.env.JV_SCREENSHOTS}/print_${basename(file)}.pdf`, pdf);
  }
  check(outside.length === 0, `${basename(file)} asks for ${outside.join(', ')}`);
  check(errors.length === 0, errors.join('; '));
  await page.close();
  console.log(`print: ${basename(file)}: ${pages} pages, nothing clipped`);
}

const { browser, close } = await launch();
try {
  for (const arg of process.argv.slice(2)) {
    const at = arg.lastIndexOf(':');
    await printOne(browser, arg.slice(0, at), Number(arg.slice(at + 1)));
  }
} finally {
  await close();
}
