// The chunked cohort planner the page's Worker uses (CohortSession) gives the same report and requests as
// planCohort, wherever the chunks are cut (every chunk size from 1 byte to the whole file), for every case
// of the cohort fixtures.
// Usage: node cohort_session.test.mjs SITE_DIR FIXTURES_DIR
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadTdbraze } from '../wasm/load_module.mjs';


const [siteDir, fixtures] = process.argv.slice(2);
const tdbraze = await loadTdbraze(siteDir);
const cases = JSON.parse(readFileSync(path.join(fixtures, 'cohort/cases.json'), 'utf8'));
let passed = 0;
let failed = 0;

function planInChunks(bytes, source, settings, size) {
  const session = new tdbraze.CohortSession(source, settings);
  const requests = [];
  for (let i = 0; i < bytes.length; i += size) {
    session.feed(bytes.subarray(i, i + size));
    requests.push(...session.takeRequests());
  }
  const report = session.finish();
  requests.push(...session.takeRequests());
  session.delete();
  return { report, requests };
}

for (const c of cases) {
  const bytes = readFileSync(path.join(fixtures, 'cohort', c.file));
  const settings = JSON.stringify({ ...c, created_at: '2025-11-24T09:30:00Z' });
  const whole = tdbraze.planCohort(bytes, c.file, settings);
  // The whole input as one chunk: exactly planCohort.
  assert.deepEqual(planInChunks(bytes, c.file, settings, bytes.length), { report: whole.report, requests: whole.requests }, c.file);
  const differing = [];
  for (let size = 1; size < bytes.length; size++) {
    const got = planInChunks(bytes, c.file, settings, size);
    if (got.report !== whole.report || JSON.stringify(got.requests) !== JSON.stringify(whole.requests)) differing.push(size);
  }
  if (differing.length === 0) {
    passed++;
  } else {
    failed++;
    console.log(`FAIL: ${c.file} (${JSON.stringify(c)}) differs from planCohort for chunk sizes ${differing.join(',')}`);
  }
}

// A settings error plans nothing, chunked or not.
{
  const session = new tdbraze.CohortSession('t.csv', JSON.stringify({ cohort_id: '' }));
  session.feed('user_ids\nu-1\n');
  const report = JSON.parse(session.finish());
  assert.equal(report.ok, false);
  assert.ok(report.diagnostics.some((d) => d.code === 'missing-cohort-id'));
  assert.deepEqual(session.takeRequests(), []);
  session.delete();
  passed++;
}

console.log(`wasm cohort session: ${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
