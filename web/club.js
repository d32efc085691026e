/* club.js - what the Results page and presentation mode share: awards from
 * a competition's bands, placings after edits, running orders (SPEC 6). */
'use strict';

(function () {
  const DEFAULT_PLACINGS = ['1st', '2nd', '3rd'];

  // The competition's award bands; none without one (as the pipeline gives no award then).
  function bands(comp) {
    const b = comp && comp.score_bands;
    return b && typeof b === 'object' ? b : {};
  }

  // The band holding `score`, or null (no award).
  function awardFor(score, comp) {
    if (typeof score !== 'number') return null;
    for (const [name, scores] of Object.entries(bands(comp)))
      if ([].concat(scores).includes(score)) return name;
    return null;
  }

  // The awards a judge may give: the competition's list, else its bands' names.
  function awardList(comp) {
    const a = comp && Array.isArray(comp.awards) && comp.awards.length ? comp.awards : null;
    return a || Object.keys(bands(comp));
  }

  // The score scale [min, max] (registry `scale`, default [0, 20]).
  function scale(comp) {
    const s = comp && (comp.scale || (comp.extra || {}).scale);
    return Array.isArray(s) && s.length >= 2 ? [Number(s[0]), Number(s[1])] : [0, 20];
  }

  const ok = (r) => r.status === undefined || r.status === 'ok';
  const edited = (r) => r.override && typeof r.override.score === 'number';

  // The award shown: one set by hand stays; an edited score takes its band's.
  function award(r, comp) {
    if (r.override && typeof r.override.award === 'string') return r.override.award;
    if (edited(r)) return awardFor(r.critique_total, comp);
    return r.critique_award ?? null;
  }

  /*
   * Sets r._rank and r._placing for the records of one category. Without
   * edits the run's own `rank` and `placing` stand (the ranking of SPEC 3,
   * deciders included); after a score edit the category is re-ranked by
   * score, the run's rank breaking ties, and the placings are handed out
   * again in order: the competition's `placings`, else the labels the run
   * gave, best first.
   */
  function rankCategory(list, comp) {
    const entries = list.filter(ok);
    const before = (r) => (typeof r.rank === 'number' ? r.rank : Infinity);
    const score = (r) => (typeof r.critique_total === 'number' ? r.critique_total : -Infinity);
    const anyRank = entries.some((r) => typeof r.rank === 'number');
    list.forEach((r) => { r._rank = null; r._placing = null; });
    if (!entries.some(edited) && anyRank) {
      entries.forEach((r) => { r._rank = r.rank ?? null; r._placing = r.placing ?? null; });
      return;
    }
    const sorted = entries.slice().sort((a, b) => score(b) - score(a) || before(a) - before(b) ||
      (b.pairwise_strength || 0) - (a.pairwise_strength || 0) || a._idx - b._idx);
    let labels = comp && Array.isArray(comp.placings) ? comp.placings : null;
    if (!labels) {
      const given = entries.filter((r) => r.placing).sort((a, b) => before(a) - before(b)).map((r) => r.placing);
      labels = given.length ? given : DEFAULT_PLACINGS;
    }
    sorted.forEach((r, k) => { r._rank = k + 1; r._placing = labels[k] || null; });
  }

  // The entries with a placing, best first.
  function placed(list) {
    return list.filter((r) => r._placing).sort((a, b) => a._rank - b._rank);
  }

  /*
   * A category's running order: 'judged' (the results file's order),
   * 'ascending' (lowest score first, the better rank later on a tie) or
   * 'awards-last' (entries without an award as judged, then the awarded
   * ones from the lowest score up). Failed photos are left out.
   */
  function runningOrder(list, mode, comp) {
    const entries = list.filter(ok);
    const up = (a, b) => (a.critique_total ?? -1) - (b.critique_total ?? -1) ||
      (b._rank ?? 0) - (a._rank ?? 0) || a._idx - b._idx;
    if (mode === 'ascending') return entries.slice().sort(up);
    if (mode === 'awards-last') {
      const plain = entries.filter((r) => !award(r, comp));
      const won = entries.filter((r) => award(r, comp)).sort(up);
      return plain.concat(won);
    }
    return entries.slice().sort((a, b) => a._idx - b._idx);
  }

  function category(r) {
    return r.competition_category || r.critique_category || 'Uncategorised';
  }

  // Records grouped by category, categories by name; sets _idx and ranks.
  function byCategory(records, comp) {
    records.forEach((r, i) => (r._idx = i));
    const cats = new Map();
    for (const r of records) {
      const c = category(r);
      if (!cats.has(c)) cats.set(c, []);
      cats.get(c).push(r);
    }
    const out = [...cats.entries()].sort((a, b) => a[0].localeCompare(b[0]));
    for (const [, list] of out) rankCategory(list, comp);
    return out;
  }

  window.jvClub = { awardFor, awardList, award, scale, rankCategory, placed, runningOrder, category, byCategory };
})();
