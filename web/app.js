/* Judge Vision web page: no framework, charts drawn as inline SVG. */
'use strict';

const TOKEN = document.querySelector('meta[name="jv-token"]').content;
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function esc(v) {
  return v === null || v === undefined ? '' : String(v).replace(/[&<>"']/g, (c) => ESC[c]);
}
function num(v, digits = 1) {
  return typeof v === 'number' && isFinite(v) ? v.toFixed(digits) : 'n/a';
}
function int(v) {
  return typeof v === 'number' && isFinite(v) ? Math.round(v).toLocaleString('en-GB') : 'n/a';
}
function basename(p) {
  return p ? String(p).split('/').pop() : '';
}
function duration(s) {
  if (typeof s !== 'number' || !isFinite(s)) return 'n/a';
  if (s < 60) return s.toFixed(1) + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' min ' + Math.round(s - m * 60) + ' s';
  return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
}

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (method !== 'GET') opts.headers['X-JV-Token'] = TOKEN;
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(path, opts);
  const type = resp.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await resp.json() : await resp.text();
  if (!resp.ok) throw new Error((data && data.error) || resp.status + ' ' + resp.statusText);
  return data;
}

/* ---------- rendering hooks for tests and the benchmark ---------- */
const renderWaiters = {};
// Marks a tab as drawn for `key` (the run id, or "id/compare-id" on
// Performance) and wakes jv.whenRendered(tab[, key]) after two frames.
function rendered(tab, key = '') {
  document.body.dataset['rendered' + tab] = key;
  const ws = renderWaiters[tab] || [];
  const now = ws.filter((w) => !w.key || w.key === key);
  renderWaiters[tab] = ws.filter((w) => !now.includes(w));
  requestAnimationFrame(() => requestAnimationFrame(() => now.forEach((w) => w.resolve())));
}
window.jv = {
  whenRendered(tab, key) {
    return new Promise((resolve) => (renderWaiters[tab] = renderWaiters[tab] || []).push({ key, resolve }));
  },
  invalidate() {
    cache.results.clear();
    cache.manifests.clear();
    state.resultsShown = null;
    state.perfShown = null;
  },
};

/* ---------- tabs ---------- */
const state = { tab: 'brief', runs: [], resultsShown: null, perfShown: null, competitions: [], sort: {}, comp: null, shownCats: new Map() };
const cache = { results: new Map(), manifests: new Map(), matches: new Map(), comps: new Map() };

function showTab(tab) {
  state.tab = tab;
  $$('nav [role=tab]').forEach((b) => b.setAttribute('aria-selected', String(b.dataset.tab === tab)));
  $$('.panel').forEach((p) => (p.hidden = p.id !== 'panel-' + tab));
  if (location.hash !== '#' + tab) history.replaceState(null, '', '#' + tab);
  if (tab === 'results') showResults();
  if (tab === 'perf') showPerf();
}

/* ---------- settings (Brief & Rules) ---------- */
const DEFAULTS = {
  registry: '', competition: '', inputs: '', run_name: '', stages: { iqa: true, critique: true, playoff: false },
  fast: false, iqa_service_url: '', threshold: 17, rounds: 0, base_url: '', model: '', concurrency: null, pipeline: true,
};
let settings = structuredClone(DEFAULTS);

function getPath(obj, path) {
  return path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
}
function setPath(obj, path, v) {
  const ks = path.split('.');
  let o = obj;
  for (const k of ks.slice(0, -1)) o = o[k] = o[k] && typeof o[k] === 'object' ? o[k] : {};
  o[ks[ks.length - 1]] = v;
}
function formToSettings() {
  for (const el of $$('[data-setting]')) {
    let v;
    if (el.type === 'checkbox') v = el.checked;
    else if (el.type === 'number') v = el.value === '' ? null : Number(el.value);
    else v = el.value;
    setPath(settings, el.dataset.setting, v);
  }
}
function settingsToForm() {
  for (const el of $$('[data-setting]')) {
    const v = getPath(settings, el.dataset.setting);
    if (v === undefined || v === null) continue;
    if (el.type === 'checkbox') el.checked = !!v;
    else if (el.tagName === 'SELECT') {
      // Only a value the server offers (no stray "0" when it offers no registry).
      if ([...el.options].some((o) => o.value === String(v))) el.value = String(v);
    } else el.value = Array.isArray(v) ? v.join('\n') : String(v);
  }
}
let saveTimer = null;
function saveSettings() {
  formToSettings();
  localStorage.setItem('jv-settings', JSON.stringify(settings));
  clearTimeout(saveTimer);
  saveTimer = setTimeout(async () => {
    try {
      await api('PUT', '/api/settings', settings);
      $('#settings-saved').textContent = 'Saved.';
    } catch (e) {
      $('#settings-saved').textContent = 'Not saved: ' + e.message;
    }
  }, 250);
}
async function loadSettings() {
  let server = {};
  try {
    server = await api('GET', '/api/settings');
  } catch (e) { /* the page still works from localStorage */ }
  let local = {};
  try {
    local = JSON.parse(localStorage.getItem('jv-settings') || '{}');
  } catch (e) { local = {}; }
  const chosen = Object.keys(server).length ? server : local;
  settings = Object.assign(structuredClone(DEFAULTS), chosen);
  settings.stages = Object.assign({}, DEFAULTS.stages, chosen.stages || {});
}

async function loadRegistries() {
  const sel = $('#f-registry');
  const none = '<option value="">(none: start serve with --registry FILE, or add one below)</option>';
  try {
    const regs = await api('GET', '/api/registries');
    sel.innerHTML = regs.map((r) => `<option value="${r.id}" title="${esc(r.path)}">${esc(r.name)}</option>`).join('') || none;
  } catch (e) {
    sel.innerHTML = none;
  }
  if (settings.registry !== undefined && [...sel.options].some((o) => o.value === String(settings.registry)))
    sel.value = String(settings.registry);
  await loadCompetitions();
}

// The registry picker: a file named by its path joins the list and is chosen.
async function addRegistry() {
  const path = $('#f-registry-path').value.trim();
  if (!path) return;
  try {
    const reg = await api('POST', '/api/registries', { path });
    settings.registry = String(reg.id);
    settings.competition = '';
    await loadRegistries();
    $('#f-registry').value = String(reg.id);
    saveSettings();
  } catch (e) {
    showRegistryError(e.message);
  }
}

// A registry that does not load shows its error (file, line, what is wrong), not "(none)".
function showRegistryError(msg) {
  const box = $('#registry-error');
  box.textContent = msg || '';
  box.hidden = !msg;
}

async function loadCompetitions() {
  const reg = $('#f-registry').value;
  const sel = $('#f-competition');
  state.competitions = [];
  let msg = '';
  if (reg !== '') {
    try {
      const data = await api('GET', '/api/competitions?registry=' + encodeURIComponent(reg));
      state.competitions = data.competitions || [];
    } catch (e) {
      msg = e.message;
    }
  }
  showRegistryError(msg);
  sel.innerHTML = (msg ? '<option value="">(the registry did not load)</option>' : '<option value="">(none: club defaults)</option>') +
    state.competitions.map((c) => `<option value="${esc(c.id)}">${esc(c.name || c.id)}</option>`).join('');
  if (settings.competition && state.competitions.some((c) => c.id === settings.competition))
    sel.value = settings.competition;
  showCompetition();
}

function showCompetition() {
  const id = $('#f-competition').value;
  const c = state.competitions.find((x) => x.id === id);
  const box = $('#comp-details');
  if (!c) {
    box.innerHTML = '<p class="muted">No competition chosen.</p>';
    return;
  }
  const bands = c.score_bands || c.bands || {};
  const bandRows = Array.isArray(bands)
    ? bands.map((b) => `<tr><th>${esc(b.name)}</th><td>${esc((b.scores || b.range || []).join(', '))}</td></tr>`)
    : Object.entries(bands).map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc([].concat(v).join(', '))}</td></tr>`);
  const rules = c.rules || {};
  const ruleRows = Object.entries(rules).map(([k, v]) =>
    `<tr><th>${esc(k.replace(/_/g, ' '))}</th><td>${esc(typeof v === 'object' ? JSON.stringify(v) : v)}</td></tr>`);
  box.innerHTML = `<h3 data-competition="${esc(c.id)}">${esc(c.name || c.id)}</h3>
    <p><strong>Categories:</strong> <span id="comp-categories">${esc((c.categories || []).join(', ') || 'n/a')}</span></p>
    ${c.awards ? `<p><strong>Awards:</strong> ${esc([].concat(c.awards).join(', '))}</p>` : ''}
    ${c.pairwise_rounds ? `<p><strong>Playoff comparisons:</strong> ${esc(c.pairwise_rounds)}</p>` : ''}
    <h4>Score bands</h4><table class="kv" id="comp-bands">${bandRows.join('') || '<tr><td>none</td></tr>'}</table>
    <h4>Rules</h4><table class="kv" id="comp-rules">${ruleRows.join('') || '<tr><td>none</td></tr>'}</table>
    ${c.notes ? `<h4>Notes</h4><p class="notes">${esc(c.notes)}</p>` : ''}`;
}

/* ---------- Run Pipeline ---------- */
// Each stage counts in its own unit: photos measured, photos judged, matches played.
const STAGES = [['iqa', 'IQA', 'photos'], ['critique', 'Critique', 'photos'], ['pairwise', 'Playoff', 'matches']];
// Which stages a phase of the progress file's history covers.
const PHASE_STAGES = { iqa: ['iqa'], judging: ['iqa', 'critique'], critique: ['critique'], pairwise: ['pairwise'] };
const PHASE_DONE = { iqa: 'measured', critique: 'judged', pairwise: 'played' };
const FINAL_PHASES = ['complete', 'error', 'interrupted'];
let runState = null;
let lastProgress = null;

// Local wall-clock time (the page's time zone) of an ISO 8601 timestamp.
function localTime(iso, withDate = false) {
  const t = Date.parse(iso || '');
  if (!isFinite(t)) return '';
  const d = new Date(t);
  return withDate ? d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
    : d.toLocaleTimeString(undefined, { timeStyle: 'medium' });
}

// Photos whose records a stopped run keeps (a rerun resumes after them).
function keptCount(p) {
  const st = (p || {}).stages || {};
  return (st.critique && st.critique.total ? st.critique.done : (st.iqa || {}).done) || 0;
}

function wasCancelled(st) {
  return !!st.cancelled || st.exit_status === 130 || st.exit_status === 143;
}

function showRunState(st) {
  runState = st;
  const pill = $('#status-pill');
  $('#run-cancel').disabled = !st.running;
  $('#run-start').disabled = !!st.running;
  if (st.running) {
    pill.textContent = 'running';
    pill.className = 'pill running';
    $('#run-state').textContent = 'Running since ' + (localTime(st.started, true) || 'n/a') + (st.pid ? ' (pid ' + st.pid + ')' : '');
  } else if (st.exit_status !== null && st.exit_status !== undefined) {
    const ok = st.exit_status === 0;
    const cancelled = wasCancelled(st);
    pill.textContent = cancelled ? 'cancelled' : ok ? 'finished' : st.exit_status === 3 ? 'finished, some failed' : 'failed';
    pill.className = 'pill ' + (cancelled ? 'cancelled' : ok ? 'ok' : 'bad');
    const when = localTime(st.finished, true);
    $('#run-state').textContent = cancelled
      ? `Cancelled — ${keptCount(lastProgress)} kept (${when}; start the run again to resume)`
      : (st.exit_status === 3 ? 'Finished with failed photos' : ok ? 'Finished' : 'Failed') + ` at ${when}, exit status ${st.exit_status}`;
    if (!ok && !cancelled) addError(st.exit_status === 3 ? 'Some photos failed: their errors are in the Results tab (Status column).'
      : 'The run ended with exit status ' + st.exit_status + '.');
    if (lastProgress) showProgress(lastProgress);
    refreshRuns();
  }
}

function addError(text) {
  if ($$('#run-errors .error').some((d) => d.textContent === text)) return;
  const div = document.createElement('div');
  div.className = 'error';
  div.textContent = text;
  $('#run-errors').append(div);
}

// One line per phase of the history, with what it did by its end (not at its start).
function historyHtml(p) {
  const hist = p.history || [];
  const st = p.stages || {};
  const ended = FINAL_PHASES.includes(p.phase);
  return hist.map((h, i) => {
    const next = hist[i + 1];
    const from = localTime(h.timestamp);
    if (FINAL_PHASES.includes(h.phase)) {
      const label = h.phase === 'interrupted' ? `Cancelled — ${keptCount(p)} kept` : h.phase === 'complete' ? 'Complete' : 'Stopped';
      return `<li data-phase="${esc(h.phase)}"><strong>${esc(label)}</strong> at ${esc(from)} <span class="muted">${esc(h.message)}</span></li>`;
    }
    const endIso = next ? next.timestamp : ended ? p.updated : null;
    const secs = endIso ? (Date.parse(endIso) - Date.parse(h.timestamp)) / 1000 : null;
    const counts = (PHASE_STAGES[h.phase] || []).filter((k) => st[k] && st[k].total).map((k) => {
      const [, , unit] = STAGES.find(([key]) => key === k);
      return `${int(st[k].done)} of ${int(st[k].total)} ${unit} ${PHASE_DONE[k]}`;
    });
    const running = !next && !ended;
    return `<li data-phase="${esc(h.phase)}"><strong>${esc(h.phase)}</strong> ${running ? 'running' : 'done'}` +
      `${counts.length ? ' — ' + esc(counts.join(', ')) : ''}` +
      ` <span class="muted">${esc(from)}${secs !== null && isFinite(secs) ? ', ' + esc(duration(secs)) : ''}</span></li>`;
  }).join('');
}

function showProgress(p) {
  lastProgress = p;
  const pct = (d, t) => (t > 0 ? Math.min(100, (100 * d) / t) : 0);
  const ended = FINAL_PHASES.includes(p.phase) || ['complete', 'error', 'interrupted'].includes(p.status);
  const cancelled = p.phase === 'interrupted' || (ended && runState && wasCancelled(runState));
  const eta = !ended && typeof p.eta_seconds === 'number' ? duration(p.eta_seconds) : ended ? '—' : 'n/a';
  const st = p.stages || {};
  const main = st.critique && st.critique.total ? st.critique : st.iqa || { done: 0, total: 0 };
  // The playoff works on a category at a time: that is what current_image names then.
  const inPlayoff = p.phase === 'pairwise';
  const status = cancelled ? `Cancelled — ${keptCount(p)} kept` : p.status;
  $('#run-summary').innerHTML = `
    <div><span class="label">Status</span> <span id="progress-status">${esc(status)}</span></div>
    <div><span class="label">Phase</span> ${esc(p.phase)}</div>
    <div><span class="label">Photos</span> <span id="progress-count">${int(main.done)} / ${int(main.total)}</span></div>
    <div><span class="label">${inPlayoff ? 'Current category' : 'Current image'}</span>
      <span id="progress-current">${ended ? '—' : esc(inPlayoff ? p.current_image : basename(p.current_image))}</span></div>
    <div><span class="label">ETA</span> <span id="progress-eta">${esc(eta)}</span></div>
    <div><span class="label">${ended ? 'Ended' : 'Updated'}</span> <span id="progress-updated">${esc(localTime(p.updated))}</span></div>
    <div class="wide"><span class="label">Message</span> ${esc(p.message)}</div>`;
  $('#stage-bars').innerHTML = STAGES.map(([k, label, unit]) => {
    const s = st[k] || { done: 0, total: 0 };
    const w = pct(s.done, s.total);
    return `<div class="stage" data-stage="${k}"><span class="label">${label}</span>
      <div class="bar"><div style="width:${w.toFixed(1)}%"></div></div>
      <span class="count">${s.total ? `${int(s.done)} / ${int(s.total)} ${unit}` : 'not run'}</span></div>`;
  }).join('');
  $('#run-history').innerHTML = historyHtml(p);
  if (p.status === 'error' && !cancelled) addError(p.message || 'The run reported an error.');
}

function appendLog(line) {
  const pre = $('#run-log');
  const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
  pre.append(line + '\n');
  while (pre.childNodes.length > 600) pre.removeChild(pre.firstChild);
  if (atEnd) pre.scrollTop = pre.scrollHeight;
  if (/\b(error|fatal)\b/i.test(line)) addError(line);
}

function connectEvents() {
  const es = new EventSource('/api/events');
  es.addEventListener('run', (e) => showRunState(JSON.parse(e.data)));
  es.addEventListener('progress', (e) => showProgress(JSON.parse(e.data)));
  es.addEventListener('log', (e) => appendLog(JSON.parse(e.data).line));
  es.onerror = () => { $('#status-pill').classList.add('stale'); };
  es.onopen = () => { $('#status-pill').classList.remove('stale'); };
}

async function startRun() {
  formToSettings();
  $('#run-errors').innerHTML = '';
  $('#run-log').textContent = '';
  try {
    showRunState(await api('POST', '/api/run', settings));
  } catch (e) {
    addError('Could not start: ' + e.message);
  }
}

async function cancelRun() {
  try {
    await api('POST', '/api/run/cancel');
  } catch (e) {
    addError(e.message);
  }
}

/* ---------- runs ---------- */
async function refreshRuns() {
  try {
    state.runs = await api('GET', '/api/runs');
  } catch (e) {
    state.runs = [];
  }
  const opts = state.runs.map((r) => {
    const m = r.manifest || {};
    const when = m.started ? ' — ' + localTime(m.started, true) : '';
    return `<option value="${r.id}">${esc(r.name)}${esc(when)}</option>`;
  }).join('');
  for (const id of ['#results-run', '#perf-run']) {
    const sel = $(id);
    const old = sel.value;
    sel.innerHTML = opts || '<option value="">(no runs yet)</option>';
    if (old && state.runs.some((r) => r.id === old)) sel.value = old;
  }
  const cmp = $('#perf-compare');
  const oldc = cmp.value;
  cmp.innerHTML = '<option value="">(none)</option>' + opts;
  if (oldc && state.runs.some((r) => r.id === oldc)) cmp.value = oldc;
  // A run that finished since: show fresh data.
  cache.results.clear();
  state.resultsShown = null;
  state.perfShown = null;
  if (state.tab === 'results') showResults();
  if (state.tab === 'perf') showPerf();
}

async function getResults(id) {
  if (!cache.results.has(id)) cache.results.set(id, api('GET', '/api/results?run=' + id));
  try {
    return await cache.results.get(id);
  } catch (e) {
    cache.results.delete(id);
    throw e;
  }
}
async function getManifest(id) {
  const run = state.runs.find((r) => r.id === id);
  if (!run || !run.has_manifest) return null;
  if (!cache.manifests.has(id)) cache.manifests.set(id, api('GET', '/api/manifest?run=' + id).catch(() => null));
  return cache.manifests.get(id);
}
async function getMatches(id) {
  if (!cache.matches.has(id)) cache.matches.set(id, api('GET', '/api/matches?run=' + id).catch(() => []));
  return cache.matches.get(id);
}

async function getAgreement(id) {
  try {
    return await api('GET', '/api/agreement?run=' + id);
  } catch (e) {
    return null; /* no `judge-vision agree` report for this round */
  }
}

/* ---------- trust: agreement, calibration, panel spread, anchors ---------- */
/* An SVG on the 0-20 mark scale both ways: axes, ticks and the diagonal. */
function markPlot(inner, opts) {
  const { w = 300, h = 300, xLabel, yLabel, id } = opts;
  const pad = 34;
  const X = (v) => pad + (v / 20) * (w - pad - 8);
  const Y = (v) => h - pad - (v / 20) * (h - pad - 8);
  const ticks = [0, 5, 10, 15, 20].map((t) =>
    `<text x="${X(t)}" y="${h - pad + 14}" text-anchor="middle">${t}</text>` +
    `<text x="${pad - 6}" y="${Y(t) + 4}" text-anchor="end">${t}</text>`).join('');
  return `<svg id="${id}" class="markplot" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${esc(yLabel)} against ${esc(xLabel)}">
    <line x1="${X(0)}" y1="${Y(0)}" x2="${X(20)}" y2="${Y(20)}" class="diagonal"/>
    <line x1="${X(0)}" y1="${Y(0)}" x2="${X(20)}" y2="${Y(0)}" class="axis"/>
    <line x1="${X(0)}" y1="${Y(0)}" x2="${X(0)}" y2="${Y(20)}" class="axis"/>${ticks}
    <text x="${(X(0) + X(20)) / 2}" y="${h - 4}" text-anchor="middle">${esc(xLabel)}</text>
    <text x="10" y="${(Y(0) + Y(20)) / 2}" transform="rotate(-90 10 ${(Y(0) + Y(20)) / 2})" text-anchor="middle">${esc(yLabel)}</text>
    ${inner(X, Y)}</svg>`;
}

/* Model against human marks; entries 2 or more marks apart are links to the viewer. */
function agreementScatter(agreement, recs) {
  const byImage = new Map(recs.map((r) => [r.image, r._idx]));
  const pts = (agreement.entries || []).filter((e) => e.model != null && e.human != null);
  return markPlot((X, Y) => pts.map((e) => {
    const differs = Math.abs(e.difference) >= 2;
    const idx = byImage.get(e.image);
    const dot = `<circle cx="${X(e.human)}" cy="${Y(e.model)}" r="${differs ? 5 : 3.5}" class="${differs ? 'differs' : 'agrees'}"><title>${esc(basename(e.image))}: model ${num(e.model)}, judges ${num(e.human)}</title></circle>`;
    return differs && idx != null ? `<a class="open" href="#" data-idx="${idx}">${dot}</a>` : dot;
  }).join(''), { xLabel: "club's mark", yLabel: 'model', id: 'agree-scatter' });
}

function agreementTable(agreement) {
  const row = (name, f) => `<tr><th>${esc(name)}</th><td>${int(f.scored)}</td><td>${num(f.spearman, 2)}</td>
    <td>${num(f.kendall_tau_b, 2)}</td><td>${num(100 * (f.within || {})['0'], 0)}%</td>
    <td>${num(100 * (f.within || {})['1'], 0)}%</td><td>${num(100 * (f.within || {})['2'], 0)}%</td>
    <td>${f.awards ? num(100 * f.awards.agreement, 0) + '%' : '–'}</td><td>${int((f.placing || {}).in_both)}/3</td></tr>`;
  const cats = Object.entries(agreement.per_category || {}).map(([c, f]) => row(c || '(none)', f)).join('');
  return `<table class="agreement"><thead><tr><th></th><th>n</th><th>ρ</th><th>τ-b</th><th>=0</th><th>±1</th><th>±2</th><th>awards</th><th>top 3</th></tr></thead>
    <tbody>${cats}${row('overall', agreement.overall || {})}</tbody></table>`;
}

function calibrationCurve(cal) {
  const o = cal.overall || { x: [], y: [] };
  return markPlot((X, Y) => {
    const pts = o.x.map((x, i) => `${X(x)},${Y(o.y[i])}`);
    return `<polyline points="${pts.join(' ')}" class="curve"/>` +
      o.x.map((x, i) => `<circle cx="${X(x)}" cy="${Y(o.y[i])}" r="3" class="knot"><title>raw ${num(x)} → ${num(o.y[i])}</title></circle>`).join('');
  }, { xLabel: 'raw score', yLabel: 'calibrated mark', id: 'calibration-curve' });
}

function panelHtml(panel, recs) {
  const wide = recs.filter((r) => r.critique_spread != null).sort((a, b) => b.critique_spread - a.critique_spread).slice(0, 10);
  const items = wide.map((r) => `<li><a class="open" href="#" data-idx="${r._idx}">${esc(basename(r.image))}</a>
    judges ${esc((r.critique_judges || []).map((s) => s ?? '–').join(' · '))}, spread ${num(r.critique_spread)}</li>`).join('');
  return `<p>Panel of ${int(panel.judges)} judges (${esc(panel.combine)}): Kendall's W ${num(panel.kendall_w, 2)} over ${int(panel.photos)} photos,
    spread mean ${num((panel.spread || {}).mean)} / max ${num((panel.spread || {}).max)} marks.</p><ol class="spread">${items}</ol>`;
}

/*
 * The round's trust section above its categories: anchor warnings, the
 * agreement with the club's judges (scatter and table), the calibration
 * curve, the panel's spread per photo and the consistency figures; empty
 * when the round has none of them.
 */
function trustHtml(recs, manifest, agreement) {
  const m = manifest || {};
  const parts = [];
  const off = (m.anchors || []).filter((a) => !a.in_band);
  if (off.length) {
    parts.push(`<div class="warning anchors-warning" role="alert"><strong>Anchor warning:</strong> ${off.map((a) =>
      `${esc(basename(a.path))} ${a.total == null ? 'was not judged' : 'scored ' + int(a.total)} (band ${int(a.band[0])}–${int(a.band[1])})`).join('; ')}.
      The model, prompt or server may have drifted.</div>`);
  }
  if (agreement) {
    parts.push(`<div class="trust-block"><h3>Agreement with the club's judges</h3>${agreementScatter(agreement, recs)}${agreementTable(agreement)}</div>`);
  }
  if (m.calibration) {
    parts.push(`<div class="trust-block"><h3>Calibration</h3>${calibrationCurve(m.calibration)}
      <p class="muted">${esc(basename(m.calibration.path))} · SHA-256 ${esc(String(m.calibration.sha256 || '').slice(0, 12))}…</p></div>`);
  }
  if (m.panel) parts.push(`<div class="trust-block"><h3>Panel</h3>${panelHtml(m.panel, recs)}</div>`);
  const c = m.consistency || {};
  if (c.critique || c.playoff) {
    const cc = c.critique || {}, cp = c.playoff || {};
    parts.push(`<div class="trust-block"><h3>Consistency</h3><p>${c.critique ? `Same request twice: ${int(cc.photos)} photos, ${num(100 * cc.identical_share, 0)}% identical, largest difference ${num((cc.difference || {}).max)}.` : ''}
      ${c.playoff ? ` Playoff: ${int(cp.comparisons)} matches against their swap, ${num(100 * cp.flip_share, 0)}% flipped.` : ''}</p></div>`);
  }
  return parts.length ? `<section class="trust" id="trust">${parts.join('')}</section>` : '';
}

/* ---------- charts (inline SVG) ---------- */
function histogram(values, opts) {
  const { bins, min, max, width = 320, height = 120, label = '', id = '' } = opts;
  const counts = new Array(bins).fill(0);
  const span = max - min || 1;
  for (const v of values) {
    if (typeof v !== 'number' || !isFinite(v)) continue;
    let b = Math.floor(((v - min) / span) * bins);
    if (b >= bins) b = bins - 1;
    if (b < 0) b = 0;
    counts[b]++;
  }
  const top = Math.max(1, ...counts);
  const bw = (width - 30) / bins;
  const h = height - 22;
  let bars = '';
  counts.forEach((c, i) => {
    const bh = (c / top) * h;
    const lo = min + (span * i) / bins;
    bars += `<rect x="${(25 + i * bw).toFixed(1)}" y="${(h - bh + 2).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}"
      height="${bh.toFixed(1)}" data-bin="${lo.toFixed(2)}" data-count="${c}"><title>${lo.toFixed(2)}: ${c}</title></rect>`;
  });
  const ticks = opts.ticks || [min, (min + max) / 2, max];
  const anchor = (i) => (i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle');
  const tx = ticks.map((t, i) => `<text x="${Math.min(width - 1, 25 + ((t - min) / span) * (width - 30)).toFixed(1)}" y="${height - 4}" text-anchor="${anchor(i)}">${esc(opts.fmt ? opts.fmt(t) : t)}</text>`).join('');
  const n = values.filter((v) => typeof v === 'number' && isFinite(v)).length;
  return `<figure class="chart"><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img"
    aria-label="${esc(label)}" data-chart="${esc(id)}" data-n="${n}"><text x="2" y="10">${top}</text>${bars}${tx}</svg>
    <figcaption>${esc(label)} (n = ${n})</figcaption></figure>`;
}

function sparkline(points, opts) {
  const { width = 320, height = 60, max = 100, label = '', id = '' } = opts;
  if (!points.length) return `<p class="muted" data-chart="${esc(id)}" data-n="0">${esc(label)}: no samples.</p>`;
  const tmax = Math.max(...points.map((p) => p[0])) || 1;
  const d = points.map((p, i) => `${i ? 'L' : 'M'}${((p[0] / tmax) * (width - 4) + 2).toFixed(1)},${(height - 2 - (p[1] / max) * (height - 4)).toFixed(1)}`).join(' ');
  const mean = points.reduce((a, p) => a + p[1], 0) / points.length;
  return `<figure class="chart"><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img"
    aria-label="${esc(label)}" data-chart="${esc(id)}" data-n="${points.length}" data-mean="${mean.toFixed(2)}">
    <path d="${d}" fill="none" stroke="currentColor" stroke-width="1.5"/></svg>
    <figcaption>${esc(label)}: mean ${mean.toFixed(0)} % over ${points.length} samples</figcaption></figure>`;
}

function timeline(manifest, opts = {}) {
  const stages = (manifest.stages || []).filter((s) => s.started);
  const width = opts.width || 560;
  if (!stages.length) return '<p class="muted" data-chart="timeline" data-n="0">No stage timings.</p>';
  const t0 = Date.parse(manifest.started || stages[0].started);
  const tEnd = Math.max(Date.parse(manifest.finished || 0) || 0, ...stages.map((s) => Date.parse(s.finished || s.started)));
  const span = Math.max(1, tEnd - t0);
  const rowH = 24;
  const x = (t) => 110 + ((t - t0) / span) * (width - 180);
  const rows = stages.map((s, i) => {
    const a = Date.parse(s.started);
    const b = Date.parse(s.finished || s.started);
    const d = typeof s.duration_seconds === 'number' ? s.duration_seconds : (b - a) / 1000;
    return `<text x="4" y="${i * rowH + 16}">${esc(s.name)}</text>
      <rect x="${x(a).toFixed(1)}" y="${i * rowH + 4}" width="${Math.max(2, x(b) - x(a)).toFixed(1)}" height="${rowH - 8}"
        class="stage-${esc(s.name)}" data-stage="${esc(s.name)}" data-value="${d}"><title>${esc(s.name)}: ${duration(d)}</title></rect>
      <text x="${(Math.max(x(b), x(a) + 2) + 4).toFixed(1)}" y="${i * rowH + 16}">${esc(duration(d))}</text>`;
  }).join('');
  const h = stages.length * rowH + 6;
  return `<figure class="chart"><svg viewBox="0 0 ${width} ${h}" width="${width}" height="${h}" role="img"
    aria-label="Stage timeline" data-chart="timeline" data-n="${stages.length}">${rows}</svg>
    <figcaption>Stage timeline (bars from the run's start, ${esc(duration(span / 1000))} in all)</figcaption></figure>`;
}

/* ---------- Results ---------- */
function baseline(r) {
  if (typeof r.pairwise_score_initial === 'number') return r.pairwise_score_initial;
  if (typeof r.original_critique_total === 'number') return r.original_critique_total;
  return null;
}

/*
 * The Results table's columns: header, width (the same <colgroup> in the
 * header table and every chunk, so header and body line up), cell class,
 * the sort key and the cell.
 */
const COLUMNS = [
  ['File', 13, 'file', (r) => basename(r.image), (r) => `<a href="#" class="open">${esc(basename(r.image))}</a>`],
  ['Title', 15, 'title', (r) => r.image_title || r.critique_title || '', (r) => esc(r.image_title || r.critique_title || '')],
  ['Author', 10, 'author', (r) => r.author || '', (r) => esc(r.author)],
  ['Style', 7, 'style', (r) => r.style_inference || '', (r) => esc(r.style_inference)],
  ['Score', 5, 'score', (r) => r.critique_total ?? -Infinity, (r) => esc(r.critique_total)],
  ['Before', 5, 'num', (r) => baseline(r) ?? -Infinity, (r) => esc(baseline(r) ?? '')],
  ['Award', 9, 'award', (r) => award(r) || '', (r) => esc(award(r))],
  ['Place', 5, 'place', (r) => r._rank ?? Infinity, (r) => esc(r._placing || '')],
  ['Status', 6, 'status', (r) => r.status || '', (r) => r.status && r.status !== 'ok'
    ? `<span class="bad" title="${esc(r.error)}">${esc(r.status)}</span>` : esc(r.status)],
  ['IQA summary', 12, 'iqa', (r) => (r.technical_signals || {}).notes || '', (r) => esc((r.technical_signals || {}).notes)],
  ['Compliance', 13, 'compliance', (r) => ((r.compliance || {}).passed === false ? 0 : 1), (r) => {
    const comp = r.compliance || {};
    const issues = (comp.issues || []).join('; ');
    return comp.passed === true ? '<span class="ok" title="passed">✓</span>'
      : comp.passed === false ? `<span class="bad" title="${esc(issues)}">✗ ${esc(issues)}</span>` : '';
  }],
];

function award(r) {
  return window.jvClub.award(r, state.comp);
}

function resultsRow(r) {
  const edited = r.override ? ' edited' : '';
  return `<tr data-idx="${r._idx}"${r.status && r.status !== 'ok' ? ' class="failed"' : ''}>` + COLUMNS.map(([, , cls, , cell]) =>
    `<td class="${cls}${cls === 'score' || cls === 'award' ? edited : ''}"${cls === 'score' ? ` data-score="${esc(r.critique_total)}"` : ''}>${cell(r)}</td>`).join('') + '</tr>';
}

function bucketHtml(run, recs, top = 20) {
  let html = '';
  for (const score of [top, top - 1, top - 2]) {
    const inB = recs.filter((r) => r.critique_total === score);
    if (!inB.length) continue;
    const shown = inB.slice(0, 48);
    html += `<div class="bucket" data-bucket="${score}"><h4>${score} <span class="muted">(${inB.length})</span></h4><div class="thumbs">` +
      shown.map((r) => `<a href="#" class="open" data-idx="${r._idx}" title="${esc(basename(r.image))}"><img loading="lazy" decoding="async"
        width="128" height="96" alt="${esc(r.image_title || basename(r.image))}" src="/api/thumb?run=${run}&amp;idx=${r._idx}&amp;size=128"></a>`).join('') +
      (inB.length > shown.length ? `<span class="muted">+${inB.length - shown.length} more</span>` : '') + '</div></div>';
  }
  return html || `<p class="muted">No entries scored ${top - 2} or more.</p>`;
}

/* The playoff table in its final order (the posterior strength), and how sure it is of 1st place. */
function playoffHtml(recs, matches, cat, figs) {
  const ent = recs.filter((r) => typeof r.pairwise_comparisons === 'number' && r.pairwise_comparisons > 0);
  if (!ent.length) return '';
  ent.sort((a, b) => ((b.pairwise_strength || 0) - (a.pairwise_strength || 0)) || String(a.image).localeCompare(String(b.image)));
  const nm = matches.filter((m) => m.category === cat).length;
  const f = figs || {};
  const sure = typeof f.p_first === 'number' && f.first
    ? `<p class="p-first">1st place: ${esc(basename(f.first))} — first in ${Math.round(100 * f.p_first)} % of posterior draws</p>` : '';
  return `<h3>Playoff <span class="muted">(${nm} matches)</span></h3>${sure}<div class="scroll-x"><table class="playoff"><thead><tr><th>File</th><th>Before</th>
    <th>Wins</th><th>Comparisons</th><th>Win ratio</th><th>Strength</th><th>After</th></tr></thead><tbody>` +
    ent.map((r) => `<tr data-idx="${r._idx}"><td><a href="#" class="open">${esc(basename(r.image))}</a></td><td>${esc(baseline(r))}</td>
      <td>${esc(r.pairwise_wins)}</td><td>${esc(r.pairwise_comparisons)}</td><td>${num(r.pairwise_win_ratio, 2)}</td>
      <td>${num(r.pairwise_strength, 2)}</td><td>${esc(r.critique_total)}</td></tr>`).join('') + '</tbody></table></div>';
}

/*
 * The table in chunks of CHUNK rows, each its own fixed-layout table (same
 * column widths) under content-visibility: auto, so the browser lays out
 * only the chunks on screen: 5,000 rows stay quick.
 */
const CHUNK = 200;
const ROW_PX = 27;
function resultsTable(rows, sort) {
  const cols = '<colgroup>' + COLUMNS.map(([, w, cls]) => `<col class="c-${cls}" style="width:${w}%">`).join('') + '</colgroup>';
  const head = '<thead><tr>' + COLUMNS.map(([name, , cls], i) => {
    const dir = sort && sort.col === i ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none';
    return `<th class="${cls}" aria-sort="${dir}"><button type="button" class="sort" data-col="${i}">${esc(name)}</button></th>`;
  }).join('') + '</tr></thead>';
  let html = `<table class="results">${cols}${head}</table>`;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    html += `<div class="chunk" style="contain-intrinsic-size: auto ${part.length * ROW_PX}px"><table class="results">${cols}` +
      `<tbody>${part.map(resultsRow).join('')}</tbody></table></div>`;
  }
  return `<div class="table-wrap">${html}</div>`;
}

// A category's rows: by score (best first) unless a header was clicked.
function sortRows(list, sort) {
  const byScore = (a, b) => (b.critique_total ?? -1) - (a.critique_total ?? -1) || (a._rank ?? Infinity) - (b._rank ?? Infinity) ||
    String(a.image).localeCompare(String(b.image));
  if (!sort) return list.slice().sort(byScore);
  const key = COLUMNS[sort.col][3];
  return list.slice().sort((a, b) => {
    const x = key(a);
    const y = key(b);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return sort.dir * c || byScore(a, b);
  });
}

function sortTable(th) {
  const sec = th.closest('section.category');
  const cat = sec.dataset.category;
  const col = Number(th.querySelector('button').dataset.col);
  const old = state.sort[cat];
  const numeric = ['score', 'num'].includes(COLUMNS[col][2]);
  state.sort[cat] = { col, dir: old && old.col === col ? -old.dir : numeric ? -1 : 1 };
  const list = state.shownCats.get(cat);
  sec.querySelector('.table-wrap').outerHTML = resultsTable(sortRows(list, state.sort[cat]), state.sort[cat]);
}

// The competition a run was judged under (its bands, awards and placings), or null.
async function getCompetition(id) {
  if (!cache.comps.has(id)) cache.comps.set(id, api('GET', '/api/competition?run=' + id).then((j) => j.competition).catch(() => null));
  return cache.comps.get(id);
}

function setDownloads(id) {
  const q = 'run=' + encodeURIComponent(id);
  $('#export-csv').href = '/api/export.csv?' + q;
  $('#present').href = '/present?' + q;
  $('#dl-results').href = `/api/export?${q}&format=results`;
  $('#dl-entrants').href = `/api/export?${q}&format=entrants`;
  $('#dl-csv').href = `/api/export?${q}&format=csv`;
  $('#dl-summary').href = '/api/summary?' + q;
}

async function showResults() {
  const id = $('#results-run').value;
  const body = $('#results-body');
  $('#results-links').hidden = !id;
  if (!id) {
    body.innerHTML = '<p class="muted">No results yet: start a run, or point --outputs at a results folder.</p>';
    rendered('results');
    return;
  }
  if (state.resultsShown === id) {
    rendered('results', id);
    return;
  }
  setDownloads(id);
  let data, matches, manifest, comp, agreement;
  try {
    // everything fetched before anything is drawn: no await between drawing and the trust
    // section, or two overlapping calls (a tab switch, then a run chosen) both add theirs
    [data, matches, manifest, comp, agreement] = await Promise.all([getResults(id), getMatches(id), getManifest(id), getCompetition(id), getAgreement(id)]);
  } catch (e) {
    body.innerHTML = `<p class="error">${esc(e.message)}</p>`;
    rendered('results', id);
    return;
  }
  if ($('#results-run').value !== id) return;
  if (state.sortRun !== id) state.sort = {};
  state.sortRun = id;
  state.comp = comp;
  const recs = data.records;
  const cats = window.jvClub.byCategory(recs, comp);
  state.shownCats = new Map(cats);
  const [lo, hi] = window.jvClub.scale(comp);
  const parts = [];
  for (const [cat, list] of cats) {
    const sorted = sortRows(list, state.sort[cat]);
    const before = list.map((r) => baseline(r) ?? r.critique_total);
    const after = list.map((r) => r.critique_total);
    const hopt = { bins: hi - lo + 1, min: lo - 0.5, max: hi + 0.5, ticks: [lo, lo + (hi - lo) / 4, lo + (hi - lo) / 2, lo + (3 * (hi - lo)) / 4, hi] };
    const failed = list.filter((r) => r.status && r.status !== 'ok').length;
    parts.push(`<section class="category" data-category="${esc(cat)}"><h2>${esc(cat)} <span class="muted">(${list.length} entries${failed ? `, ${failed} failed` : ''})</span></h2>
      <div class="charts">${histogram(before, { ...hopt, label: 'Scores before the playoff', id: 'hist-before' })}
      ${histogram(after, { ...hopt, label: 'Scores after the playoff', id: 'hist-after' })}</div>
      <div class="buckets">${bucketHtml(id, sortRows(list, null), hi)}</div>
      ${playoffHtml(list, matches, cat, ((manifest || {}).pairwise || {}).per_category?.[cat])}
      ${resultsTable(sorted, state.sort[cat])}</section>`);
  }
  body.innerHTML = parts.join('') || '<p class="muted">This run has no records.</p>';
  body.insertAdjacentHTML('afterbegin', trustHtml(recs, manifest, agreement));
  $('#results-count').textContent = recs.length + ' records';
  state.resultsShown = id;
  rendered('results', id);
}

function metricsTable(m) {
  return Object.entries(m || {}).map(([k, v]) =>
    `<tr><th>${esc(k.replace(/_/g, ' '))}</th><td>${typeof v === 'number' ? num(v, 3) : esc(v)}</td></tr>`).join('');
}

// The rows in the order the Results tab shows them (the viewer's previous/next).
function shownOrder() {
  return $$('#results-body table.results tbody tr').map((tr) => Number(tr.dataset.idx));
}

function viewerNav(step) {
  const order = shownOrder();
  const at = order.indexOf(state.viewing);
  const to = order[at + step];
  if (at >= 0 && to !== undefined) openViewer(to);
}

function editForm(r) {
  const C = window.jvClub;
  const [lo, hi] = C.scale(state.comp);
  const opts = C.awardList(state.comp).map((a) => `<option value="${esc(a)}"></option>`).join('');
  const handSet = r.override && typeof r.override.award === 'string';
  return `<form id="edit-form" class="edit">
    <label>Score <input type="number" min="${lo}" max="${hi}" step="1" name="score" value="${esc(r.critique_total)}"></label>
    <label>Award <input name="award" value="${esc(award(r))}" list="award-list" data-hand="${handSet ? '1' : ''}"
      placeholder="${esc(award(r) ? '' : 'none')}"></label>
    <datalist id="award-list">${opts}</datalist>
    <button type="submit" class="primary">Save</button>
    <button type="button" id="edit-reset">Revert to judged</button>
    <span id="edit-status" class="muted">${r.override ? 'Edited (judged ' + esc(r.original_critique_total ?? '') + ' ' + esc(r.original_critique_award ?? '') + ')' : ''}</span>
  </form>`;
}

async function openViewer(idx) {
  const id = $('#results-run').value;
  const data = await getResults(id);
  const r = data.records[idx];
  if (!r) return;
  state.viewing = idx;
  $('#viewer-body').dataset.idx = String(idx);
  const comp = r.compliance || {};
  const ts = r.technical_signals || {};
  const order = shownOrder();
  const at = order.indexOf(idx);
  const place = r._placing ? ` · <span id="viewer-placing">${esc(r._placing)}</span>` : '';
  $('#viewer-body').innerHTML = `
    <header><button type="button" id="viewer-prev" aria-label="Previous photo" title="Previous (←)"${at > 0 ? '' : ' disabled'}>‹</button>
      <h2>${esc(r.image_title || r.critique_title || basename(r.image))}</h2>
      <span class="muted" id="viewer-pos">${at >= 0 ? `${at + 1} / ${order.length}` : ''}</span>
      <button type="button" id="viewer-next" aria-label="Next photo" title="Next (→)"${at >= 0 && at < order.length - 1 ? '' : ' disabled'}>›</button>
      <button class="close" aria-label="Close">×</button></header>
    <div class="viewer-grid">
      <img src="/api/image?run=${id}&amp;idx=${idx}" alt="${esc(basename(r.image))}">
      <div>
        <p class="muted path">${esc(r.image)}</p>
        <p><strong>${esc(window.jvClub.category(r))}</strong> · ${esc(r.style_inference)} · status <span id="viewer-status">${esc(r.status)}</span>${place}
          ${r.author ? ` · by <span id="viewer-author">${esc(r.author)}</span>` : ''}</p>
        ${r.error ? `<p class="error" id="viewer-error">${esc(r.error)}</p>` : ''}
        ${editForm(r)}
        <h3>Critique</h3><p class="critique">${esc(r.critique)}</p>
        <h3>Compliance</h3><p>${comp.passed ? 'Passed' : 'Failed'}${(comp.issues || []).length ? ': ' + esc(comp.issues.join('; ')) : ''}</p>
        ${(comp.warnings || []).length ? `<ul>${comp.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
        <h3>IQA</h3><p>${esc(ts.notes)}</p><p>${esc(ts.tonal_summary)}</p>
        <table class="kv metrics">${metricsTable(ts.metrics)}</table>
      </div></div>`;
  const dlg = $('#viewer');
  $('.close', dlg).onclick = () => dlg.close();
  $('#viewer-prev').onclick = () => viewerNav(-1);
  $('#viewer-next').onclick = () => viewerNav(1);
  const f = $('#edit-form');
  // A new score brings its band's award, unless the award was set by hand.
  f.award.addEventListener('input', () => (f.award.dataset.hand = '1'));
  f.score.addEventListener('input', () => {
    if (f.award.dataset.hand) return;
    const v = f.score.value === '' ? null : Number(f.score.value);
    f.award.value = window.jvClub.awardFor(v, state.comp) || '';
  });
  f.onsubmit = async (ev) => {
    ev.preventDefault();
    const score = f.score.value === '' ? null : Number(f.score.value);
    const hand = f.award.dataset.hand ? f.award.value.trim() : '';
    await saveEdit(id, idx, score, hand || null);
  };
  $('#edit-reset').onclick = () => saveEdit(id, idx, null, null);
  if (!dlg.open) dlg.showModal();
}

async function saveEdit(id, idx, score, award) {
  const status = $('#edit-status');
  try {
    await api('POST', '/api/overrides?run=' + id, { idx, score, award });
    cache.results.delete(id);
    state.resultsShown = null;
    state.perfShown = null;
    await showResults();
    if ($('#viewer').open) await openViewer(idx);
    $('#edit-status').textContent = 'Saved.';
  } catch (e) {
    status.textContent = 'Not saved: ' + e.message;
  }
}

/* ---------- Performance ---------- */
function figure(label, value, key, raw) {
  return `<div class="fig"><span class="label">${esc(label)}</span><span class="value" data-figure="${esc(key)}"
    data-value="${esc(raw ?? '')}">${esc(value)}</span></div>`;
}

function gpuLine(snap) {
  if (snap.name) return `${snap.name}, ${int(snap.memory_total_mb)} MB, driver ${snap.driver || 'n/a'}`;
  return snap.reason ? 'No GPU figures: ' + snap.reason : 'No GPU recorded.';
}

function perfPanel(run, manifest, records) {
  const m = manifest || {};
  const imgs = m.images || {};
  const cr = m.critique || {};
  const pt = cr.prompt_tokens || {};
  const ct = cr.completion_tokens || {};
  const ttft = cr.ttft_seconds || cr.ttft || {};
  const cache_ = m.iqa_cache || {};
  const pw = m.pairwise || {};
  const gpu = m.gpu || {};
  const s2 = records.map((r) => r.stage2_duration_seconds).filter((v) => typeof v === 'number');
  const s2max = s2.length ? Math.max(...s2) : 1;
  const samples = (gpu.samples || []).filter((s) => typeof s.util_percent === 'number').map((s) => [s.t, s.util_percent]);
  const perCat = Object.entries(pw.per_category || {}).map(([k, v]) =>
    `<tr><th>${esc(k)}</th><td>${int(v.eligible)}</td><td>${int(v.matches)}</td><td>${num(v.mean_seconds, 2)}</td>
    <td>${typeof v.p_first === 'number' ? Math.round(100 * v.p_first) + ' %' : 'n/a'}</td></tr>`).join('');
  const sm = m.server_metrics || {};
  const commit = m.git_commit ? m.git_commit.slice(0, 10) + (m.git_dirty ? ' (dirty)' : '') : 'n/a';
  const prompt = m.prompt || {};
  return `<div class="perf" data-run="${esc(run.id)}">
    <h2>${esc(run.name)} <span class="muted">${esc(m.status || '')}</span></h2>
    <div class="figs">
      ${figure('Duration', duration(m.wall_seconds), 'wall_seconds', m.wall_seconds)}
      ${figure('Images', `${int(imgs.processed)} of ${int(imgs.discovered)} (${int(imgs.failed)} failed, ${int(imgs.resumed)} resumed)`, 'images_processed', imgs.processed)}
      ${figure('Prompt', `${prompt.profile || 'n/a'} ${(prompt.sha256 || '').slice(0, 12)}`, 'prompt_sha256', prompt.sha256)}
      ${figure('Commit', commit, 'git_commit', m.git_commit)}
      ${figure('Started', localTime(m.started, true) || 'n/a', 'started', m.started)}
      ${figure('Model', (m.parameters || {}).model || 'n/a', 'model', (m.parameters || {}).model)}
    </div>
    <h3>Stages</h3>${timeline(m)}
    <h3>Stage 2 time per image</h3>
    ${histogram(s2, { bins: 20, min: 0, max: s2max, label: 'Stage 2 seconds per image', id: 'stage2-durations', fmt: (t) => t.toFixed(1) })}
    <h3>Tokens</h3><div class="figs">
      ${figure('Requests', int(cr.requests), 'requests', cr.requests)}
      ${figure('Retries / errors / parse errors', `${int(cr.retries)} / ${int(cr.errors)} / ${int(cr.parse_errors ?? 0)}`, 'retries', cr.retries)}
      ${figure('Prompt tokens', `${int(pt.sum)} (mean ${int(pt.mean)}, p95 ${int(pt.p95)})`, 'prompt_tokens_sum', pt.sum)}
      ${figure('Completion tokens', `${int(ct.sum)} (mean ${int(ct.mean)}, p95 ${int(ct.p95)})`, 'completion_tokens_sum', ct.sum)}
      ${figure('Truncated', int(cr.truncated), 'truncated', cr.truncated)}
      ${figure('First token', `p50 ${num(ttft.p50, 2)} s, p95 ${num(ttft.p95, 2)} s`, 'ttft_p50', ttft.p50)}
    </div>
    <h3>Caches</h3><div class="figs">
      ${figure('IQA cache', `${int(cache_.hits)} hits, ${int(cache_.misses)} misses`, 'iqa_hits', cache_.hits)}
      ${figure('IQA hit ratio', typeof cache_.hit_ratio === 'number' ? (100 * cache_.hit_ratio).toFixed(1) + ' %' : 'n/a', 'iqa_hit_ratio', cache_.hit_ratio)}
      ${figure('Server prefix cache', typeof sm.prefix_cache_hit_rate === 'number' ? (100 * sm.prefix_cache_hit_rate).toFixed(1) + ' %' : 'n/a', 'prefix_cache_hit_rate', sm.prefix_cache_hit_rate)}
      ${typeof sm.ttft_mean_seconds === 'number' ? figure('Server first token (mean)', num(sm.ttft_mean_seconds, 3) + ' s', 'server_ttft_mean', sm.ttft_mean_seconds) : ''}
    </div>
    <h3>Playoff</h3><div class="figs">
      ${figure('Matches', `${int(pw.completed)} of ${int(pw.scheduled)}`, 'pairwise_completed', pw.completed)}</div>
      ${perCat ? `<div class="scroll-x"><table class="kv"><tr><th>Category</th><th>Eligible</th><th>Matches</th><th>Mean s</th><th>P(1st)</th></tr>${perCat}</table></div>` : ''}
    <h3>GPU</h3><p class="muted">${esc(gpuLine(gpu.snapshot || {}))}</p>
    ${sparkline(samples, { label: 'GPU utilisation', id: 'gpu-util' })}
    <p class="toolbar"><a class="button" data-download="manifest" href="/api/manifest?run=${run.id}&amp;download=1">Download manifest</a>
      <a class="button" data-download="metrics" href="/api/metrics.jsonl?run=${run.id}">Download raw metrics</a>
      <a class="button" href="/api/export.csv?run=${run.id}">Results CSV</a></p>
  </div>`;
}

function compareTable(a, b, ma, mb) {
  const rows = [['Wall clock', ma.wall_seconds, mb.wall_seconds]];
  const names = new Set([...(ma.stages || []), ...(mb.stages || [])].map((s) => s.name));
  for (const n of names) {
    const da = ((ma.stages || []).find((s) => s.name === n) || {}).duration_seconds;
    const db = ((mb.stages || []).find((s) => s.name === n) || {}).duration_seconds;
    rows.push(['Stage ' + n, da, db]);
  }
  return `<div class="scroll-x"><table class="compare" data-chart="compare"><thead><tr><th></th><th>${esc(a.name)}</th><th>${esc(b.name)}</th><th>Ratio</th></tr></thead><tbody>` +
    rows.map(([k, x, y]) => `<tr><th>${esc(k)}</th><td>${duration(x)}</td><td>${duration(y)}</td>
      <td data-ratio="${typeof x === 'number' && y ? (x / y).toFixed(3) : ''}">${typeof x === 'number' && y ? (x / y).toFixed(2) + '×' : 'n/a'}</td></tr>`).join('') +
    '</tbody></table></div>';
}

async function showPerf() {
  const id = $('#perf-run').value;
  const cid = $('#perf-compare').value;
  const body = $('#perf-body');
  if (!id) {
    body.innerHTML = '<p class="muted">No runs yet.</p>';
    rendered('perf');
    return;
  }
  const key = id + '/' + cid;
  if (state.perfShown === key) {
    rendered('perf', key);
    return;
  }
  try {
    const ids = cid && cid !== id ? [id, cid] : [id];
    const loaded = await Promise.all(ids.map(async (x) => [x, await getManifest(x), await getResults(x)]));
    if ($('#perf-run').value !== id || $('#perf-compare').value !== cid) return;
    const panels = loaded.map(([x, m, d]) => perfPanel(state.runs.find((r) => r.id === x), m, d.records));
    let html = '';
    if (loaded.length === 2) {
      html = compareTable(state.runs.find((r) => r.id === ids[0]), state.runs.find((r) => r.id === ids[1]),
        loaded[0][1] || {}, loaded[1][1] || {});
    }
    body.innerHTML = html + `<div class="${loaded.length === 2 ? 'side-by-side' : ''}">${panels.join('')}</div>`;
    state.perfShown = key;
  } catch (e) {
    body.innerHTML = `<p class="error">${esc(e.message)}</p>`;
  }
  rendered('perf', key);
}

/* ---------- start ---------- */
async function init() {
  $$('nav [role=tab]').forEach((b) => b.addEventListener('click', () => showTab(b.dataset.tab)));
  $('#panel-brief').addEventListener('change', (e) => {
    if (e.target.id === 'f-registry') {
      saveSettings();
      loadCompetitions();
      return;
    }
    if (e.target.id === 'f-competition') showCompetition();
    saveSettings();
  });
  $('#panel-brief').addEventListener('input', (e) => {
    if (e.target.tagName === 'INPUT' || e.target.tagName === 'TEXTAREA') saveSettings();
  });
  $('#go-run').addEventListener('click', () => showTab('run'));
  $('#registry-add').addEventListener('click', addRegistry);
  $('#f-registry-path').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') addRegistry();
  });
  $('#run-start').addEventListener('click', startRun);
  $('#run-cancel').addEventListener('click', cancelRun);
  $('#results-run').addEventListener('change', () => showResults());
  $('#perf-run').addEventListener('change', () => showPerf());
  $('#perf-compare').addEventListener('change', () => showPerf());
  $('#results-body').addEventListener('click', (e) => {
    const th = e.target.closest('th button.sort');
    if (th) {
      sortTable(th.closest('th'));
      return;
    }
    const a = e.target.closest('a.open');
    if (!a) return;
    e.preventDefault();
    const idx = Number(a.dataset.idx ?? a.closest('[data-idx]').dataset.idx);
    openViewer(idx);
  });
  document.addEventListener('keydown', (e) => {
    if (!$('#viewer').open || e.target.closest('input, textarea, select') || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      e.preventDefault();
      viewerNav(e.key === 'ArrowLeft' ? -1 : 1);
    }
  });
  await loadSettings();
  settingsToForm();
  await loadRegistries();
  settingsToForm();
  showCompetition();
  connectEvents();
  await refreshRuns();
  try {
    showRunState(await api('GET', '/api/run'));
  } catch (e) { /* shown by the event stream */ }
  const tab = location.hash.slice(1);
  showTab(['brief', 'run', 'results', 'perf'].includes(tab) ? tab : 'brief');
  document.body.dataset.ready = '1';
}

init();
