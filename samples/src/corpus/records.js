// A Node.js program whose profile is known by construction, for Pyrometer's real-recording corpus
// (Tests/Fixtures/real/node20-perfmap, scripts/make-real-corpus.sh). Run with `node --perf-basic-prof` (V8 writes
// /tmp/perf-PID.map naming its JIT code `JS:*parseRecords /path/records.js:LINE:COL`).
//
// Each round spends about 45% in parseRecords, 33% in scoreRecords and 7% each in makeRecords, rankRecords and
// summarize; each does its work in its own body (no JavaScript calls of our own), so that it owns its samples.
// Each part's CPU time (process.cpuUsage(), user + system: Node has no per-thread clock) is printed to stderr as
// `phase NAME SECONDS`.
// Usage: node --perf-basic-prof records.js [CPU_SECONDS]   (default 0.6; rounds of ~100 ms)
'use strict';

// Work per part and round, measured for the shares above (about 100 ms a round on this project's machine).
const WORK = { parse: 9_200_000, score: 8_560_000, make: 35_000, rank: 480_000, summarize: 650_000 };

function makeRecords(n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { id: i, value: (i * 7919) % 1000, weight: (i * 104729) % 97 };
  return out;
}

function parseRecords(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s * 31 + ((i * 2654435761) >>> 7)) % 1000003;
  return s;
}

function scoreRecords(n) {
  let s = 1;
  for (let i = 0; i < n; i++) s = ((s ^ (i * 40503)) % 999983) + 1;
  return s;
}

function rankRecords(n) {
  let best = 0;
  for (let i = 0; i < n; i++) { const v = (i * 48271) % 2147483647; if (v > best) best = v % 100003; }
  return best;
}

function summarize(n) {
  let total = 0;
  for (let i = 0; i < n; i++) total = (total + ((i * i) % 7919)) | 0;
  return total;
}

function seconds(start) {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

const budget = Number(process.argv[2] || 0.6);
const phase = { parseRecords: 0, scoreRecords: 0, makeRecords: 0, rankRecords: 0, summarize: 0 };
let check = 0, spent = 0;
while (spent < budget) {
  let t = process.cpuUsage();
  check += makeRecords(WORK.make).length; phase.makeRecords += seconds(t);
  t = process.cpuUsage(); check += parseRecords(WORK.parse); phase.parseRecords += seconds(t);
  t = process.cpuUsage(); check += scoreRecords(WORK.score); phase.scoreRecords += seconds(t);
  t = process.cpuUsage(); check += rankRecords(WORK.rank); phase.rankRecords += seconds(t);
  t = process.cpuUsage(); check += summarize(WORK.summarize); phase.summarize += seconds(t);
  spent = Object.values(phase).reduce((a, b) => a + b, 0);
}
for (const [name, value] of Object.entries(phase)) process.stderr.write(`phase ${name} ${value.toFixed(6)}\n`);
process.stderr.write(`total process ${seconds(undefined).toFixed(6)} ${check}\n`);
