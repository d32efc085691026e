/* present.js - presentation mode (SPEC 6): one category at a time, each photo
 * alone first, then its title, score and award, critique and author, one
 * key press each; a placings screen ends each category. Keyboard only. */
'use strict';

const C = window.jvClub;
const $ = (sel) => document.querySelector(sel);
const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (v) => (v === null || v === undefined ? '' : String(v).replace(/[&<>"']/g, (c) => ESC[c]));
const basename = (p) => (p ? String(p).split('/').pop() : '');

const ORDERS = [['judged', 'as judged'], ['ascending', 'ascending score'], ['awards-last', 'awards last']];
// The parts revealed after the photo, in order; each can be switched off.
const PARTS = [['title', 'T', 'Title'], ['score', 'S', 'Score and award'], ['critique', 'C', 'Critique'],
  ['author', 'A', 'Author']];

const q = new URLSearchParams(location.search);
const run = q.get('run') || '';
const hidden = new Set((q.get('hide') || '').split(',').filter(Boolean));
const opts = {
  order: ORDERS.some(([k]) => k === q.get('order')) ? q.get('order') : 'judged',
  parts: Object.fromEntries(PARTS.map(([k]) => [k, !hidden.has(k)])),
};
let data = null; // {name, cats: [[category, records]], comp}
let slides = [];
let at = -1; // -1: the opening screen

async function getJson(path) {
  const resp = await fetch(path);
  const body = await resp.json().catch(() => ({}));
  if (!resp.ok) throw new Error(body.error || resp.status + ' ' + resp.statusText);
  return body;
}

function title(r) {
  return r.image_title || r.critique_title || basename(r.image);
}

// What an entry can reveal: the parts switched on that it has.
function partsOf(r) {
  const has = {
    title: !!title(r),
    score: typeof r.critique_total === 'number' || !!C.award(r, data.comp),
    critique: !!r.critique,
    author: !!r.author,
  };
  return PARTS.map(([k]) => k).filter((k) => opts.parts[k] && has[k]);
}

// The slides in showing order: per category a card, every step of every entry, the placings.
function build() {
  slides = [];
  for (const [cat, list] of data.cats) {
    const order = C.runningOrder(list, opts.order, data.comp);
    if (!order.length) continue;
    slides.push({ kind: 'category', cat, n: order.length });
    order.forEach((r, k) => {
      const parts = partsOf(r);
      for (let shown = 0; shown <= parts.length; shown++)
        slides.push({ kind: 'entry', cat, r, parts: parts.slice(0, shown), pos: k + 1, n: order.length });
    });
    slides.push({ kind: 'placings', cat, list });
  }
  slides.push({ kind: 'end' });
}

function setupHtml() {
  const parts = PARTS.map(([k, key, label]) =>
    `<li data-part="${k}" class="${opts.parts[k] ? 'on' : 'off'}"><kbd>${key}</kbd> ${label}: ${opts.parts[k] ? 'shown' : 'off'}</li>`).join('');
  const order = ORDERS.find(([k]) => k === opts.order)[1];
  const cats = data.cats.map(([c, l]) => `${esc(c)} (${l.filter((r) => r.status === undefined || r.status === 'ok').length})`).join(' · ');
  return `<div class="setup"><h1>${esc(data.name)}</h1><p class="cats">${cats}</p>
    <ul>${parts}<li id="setup-order" data-order="${opts.order}"><kbd>O</kbd> Running order: ${esc(order)}</li>
    <li><kbd>F</kbd> Full screen</li></ul>
    <p>Press <kbd>Space</kbd> or <kbd>→</kbd> to begin; <kbd>←</kbd> goes back, <kbd>Esc</kbd> returns here.</p></div>`;
}

function resultHtml(r) {
  const award = C.award(r, data.comp);
  const score = typeof r.critique_total === 'number' ? `<span id="p-score">${esc(r.critique_total)}</span>` : '';
  // The placing waits for the category's placings screen.
  return `<p id="p-result">${score}${award ? `<span id="p-award">${esc(award)}</span>` : ''}</p>`;
}

function entryHtml(s) {
  const r = s.r;
  const cap = s.parts.map((k) => {
    if (k === 'title') return `<h1 id="p-title">${esc(title(r))}</h1>`;
    if (k === 'score') return resultHtml(r);
    if (k === 'critique') return `<p id="p-critique">${esc(r.critique)}</p>`;
    return `<p id="p-author">${esc(r.author)}</p>`;
  }).join('');
  return `<div class="entry" data-idx="${r._idx}"><div class="photo"><img id="p-image" alt=""
    src="/api/image?run=${encodeURIComponent(run)}&amp;idx=${r._idx}"></div><div class="caption">${cap}</div></div>`;
}

function placingsHtml(s) {
  const rows = C.placed(s.list).map((r) => `<tr data-idx="${r._idx}"><td class="place">${esc(r._placing)}</td>
    <td class="thumb"><img alt="" src="/api/thumb?run=${encodeURIComponent(run)}&amp;idx=${r._idx}&amp;size=256"></td>
    <td>${esc(title(r))}${opts.parts.author && r.author ? ` <span class="author">— ${esc(r.author)}</span>` : ''}</td>
    <td class="score">${esc(r.critique_total ?? '')}</td></tr>`).join('');
  return `<div class="placings"><h1>${esc(s.cat)} — placings</h1>` +
    (rows ? `<table id="p-placings">${rows}</table>` : '<p class="hint">No placings in this category.</p>') + '</div>';
}

function show() {
  const stage = $('#stage');
  const s = at < 0 ? { kind: 'setup' } : slides[at];
  document.body.dataset.slide = s.kind;
  document.body.dataset.at = String(at);
  // The same entry one step on: keep its photo, redraw the caption only.
  const prev = $('.entry');
  if (s.kind === 'entry' && prev && Number(prev.dataset.idx) === s.r._idx) {
    const tmp = document.createElement('div');
    tmp.innerHTML = entryHtml(s);
    prev.querySelector('.caption').replaceWith(tmp.querySelector('.caption'));
  } else if (s.kind === 'setup') {
    stage.innerHTML = setupHtml();
  } else if (s.kind === 'category') {
    stage.innerHTML = `<div class="card"><h1>${esc(s.cat)}</h1><p>${s.n} ${s.n === 1 ? 'entry' : 'entries'}</p></div>`;
  } else if (s.kind === 'entry') {
    stage.innerHTML = entryHtml(s);
  } else if (s.kind === 'placings') {
    stage.innerHTML = placingsHtml(s);
  } else {
    stage.innerHTML = '<div class="card"><h1>The end</h1><p>Thank you. <kbd>←</kbd> goes back.</p></div>';
  }
  document.body.dataset.step = s.kind === 'entry' ? s.parts.join(',') : '';
  document.body.dataset.category = s.cat || '';
  $('#counter').textContent = s.kind === 'entry' ? `${s.cat} ${s.pos} / ${s.n}` : '';
  prefetch();
}

// The next photo loads while this one is shown.
function prefetch() {
  for (let k = at + 1; k < slides.length && k < at + 40; k++) {
    const s = slides[k];
    if (s.kind === 'entry' && (at < 0 || slides[at].kind !== 'entry' || s.r !== slides[at].r)) {
      new Image().src = `/api/image?run=${encodeURIComponent(run)}&idx=${s.r._idx}`;
      return;
    }
  }
}

function go(to) {
  at = Math.max(-1, Math.min(slides.length - 1, to));
  show();
}

function fullscreen() {
  const el = document.documentElement;
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  else if (el.requestFullscreen) el.requestFullscreen().catch(() => {});
}

function onKey(e) {
  if (e.altKey || e.ctrlKey || e.metaKey || !data) return;
  const k = e.key;
  let handled = true;
  if (k === ' ' || k === 'ArrowRight' || k === 'PageDown' || k === 'Enter') {
    if (at < 0 && !document.fullscreenElement) fullscreen();
    go(at + 1);
  } else if (k === 'ArrowLeft' || k === 'PageUp' || k === 'Backspace') {
    go(at - 1);
  } else if (k === 'Home') {
    go(0);
  } else if (k === 'End') {
    go(slides.length - 1);
  } else if (k === 'Escape') {
    go(-1);
  } else if (k === 'f' || k === 'F') {
    fullscreen();
  } else if (at < 0 && (k === 'o' || k === 'O')) {
    const i = ORDERS.findIndex(([o]) => o === opts.order);
    opts.order = ORDERS[(i + 1) % ORDERS.length][0];
    build();
    show();
  } else if (at < 0 && PARTS.some(([, key]) => key === k.toUpperCase())) {
    const part = PARTS.find(([, key]) => key === k.toUpperCase())[0];
    opts.parts[part] = !opts.parts[part];
    build();
    show();
  } else {
    handled = false;
  }
  if (handled) e.preventDefault();
}

async function init() {
  document.addEventListener('keydown', onKey);
  try {
    if (!run) throw new Error('No run chosen: open /present?run=ID (the Present button on the Results tab).');
    const [res, comp] = await Promise.all([getJson('/api/results?run=' + encodeURIComponent(run)),
      getJson('/api/competition?run=' + encodeURIComponent(run)).catch(() => ({ competition: null }))]);
    data = { name: res.name, comp: comp.competition, cats: C.byCategory(res.records, comp.competition) };
    document.title = 'Judge Vision — ' + res.name;
    build();
    show();
  } catch (e) {
    $('#stage').innerHTML = `<p class="error">${esc(e.message)}</p>`;
    document.body.dataset.slide = 'error';
  }
  window.jvPresent = { slides: () => slides.map((s) => s.kind), at: () => at };
  document.body.dataset.ready = '1';
}

init();
