// web/club.js without a browser: awards from bands, placings with and
// without the run's rank/placing fields, running orders. Run by node alone.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sandbox = { window: {} };
vm.runInNewContext(fs.readFileSync(path.join(here, '..', '..', 'web', 'club.js'), 'utf8'), sandbox);
const C = sandbox.window.jvClub;
let n = 0;
function eq(got, want, what) {
  n++;
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    console.error(`club_unit: ${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    process.exit(1);
  }
}

const comp = { score_bands: { Merit: [14, 15], Credit: [16, 17], Distinction: [18, 19, 20] }, awards: ['Distinction', 'Credit', 'Merit'] };
eq(C.awardFor(16, comp), 'Credit', 'a band');
eq(C.awardFor(9, comp), null, 'no band');
eq(C.awardFor(18, null), null, 'no competition, no award');
eq(C.awardList(comp), ['Distinction', 'Credit', 'Merit'], "the competition's awards");
eq(C.awardList({ score_bands: { A: [1] } }), ['A'], 'else the bands');
eq(C.scale({ scale: [0, 10] }), [0, 10], 'scale');
eq(C.scale(null), [0, 20], 'default scale');
eq(C.award({ critique_total: 18, critique_award: 'Merit', override: { score: 18 } }, comp), 'Distinction', 'edited score');
eq(C.award({ critique_total: 18, override: { score: 18, award: 'Merit' } }, comp), 'Merit', 'hand-set award');
eq(C.award({ critique_total: 18, critique_award: 'Credit' }, comp), 'Credit', 'as judged');

// Old results (no rank, no placing, no author): ranks by score, the judged order breaking ties.
const old = [
  { image: 'a', critique_total: 15 }, { image: 'b', critique_total: 19 }, { image: 'c', critique_total: 19 },
  { image: 'd', critique_total: null, status: 'failed' }, { image: 'e', critique_total: 12 },
];
const [[cat, list]] = C.byCategory(old, null);
eq(cat, 'Uncategorised', 'category without one');
eq(list.map((r) => r._rank), [3, 1, 2, null, 4], 'ranks without the field');
eq(list.map((r) => r._placing), ['3rd', '1st', '2nd', null, null], 'default placings');
eq(C.placed(list).map((r) => r.image), ['b', 'c', 'a'], 'placed, best first');
eq(C.runningOrder(list, 'judged', null).map((r) => r.image), ['a', 'b', 'c', 'e'], 'judged, failed left out');
eq(C.runningOrder(list, 'ascending', null).map((r) => r.image), ['e', 'a', 'c', 'b'], 'ascending, better rank later');

// With the run's fields: kept as given until a score is edited, then re-ranked.
const given = [
  { image: 'a', critique_total: 20, rank: 2, placing: '2nd' }, { image: 'b', critique_total: 20, rank: 1, placing: '1st' },
  { image: 'c', critique_total: 16, rank: 3, placing: 'HC' }, { image: 'd', critique_total: 14, rank: 4 },
];
let [[, l2]] = C.byCategory(given, comp);
eq(l2.map((r) => r._placing), ['2nd', '1st', 'HC', null], 'the run\'s placings (a decider) kept');
given[3].critique_total = 20;
given[3].override = { score: 20 };
[[, l2]] = C.byCategory(given, comp);
eq(l2.map((r) => r._rank), [2, 1, 4, 3], 're-ranked after an edit, rank breaking ties');
eq(l2.map((r) => r._placing), ['2nd', '1st', null, 'HC'], "the run's labels handed out again");
[[, l2]] = C.byCategory(given, { ...comp, placings: ['1st', '2nd', '3rd', 'C'] });
eq(l2.map((r) => r._placing), ['2nd', '1st', 'C', '3rd'], "the competition's placings");
const night = [
  { image: 'a', critique_total: 18, critique_award: 'Distinction' }, { image: 'b', critique_total: 12 },
  { image: 'c', critique_total: 16, critique_award: 'Credit' }, { image: 'd', critique_total: 13 },
  { image: 'e', critique_total: 20, critique_award: 'Distinction' },
];
const [[, l3]] = C.byCategory(night, comp);
eq(C.runningOrder(l3, 'awards-last', comp).map((r) => r.image), ['b', 'd', 'c', 'a', 'e'], 'awards last, lowest first');
console.log(`club_unit: ok (${n} checks)`);
