// Parity: the WebAssembly module (the build the page loads) and the native CLI give byte-identical reports
// and plans for the same inputs. Usage: node parity.test.mjs SITE_DIR FIXTURES_DIR NATIVE_CLI
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadTdbraze } from './load_module.mjs';

const [siteDir, fixtures, cli] = process.argv.slice(2);
const tdbraze = await loadTdbraze(siteDir);
const NOW = 1764000000;
const CREATED_AT = '2025-11-24T09:30:00Z';
let compared = 0;

function native(args) {
  // Exit status 1 (findings) is expected for some fixtures; only the output matters here.
  const r = spawnSync(cli, args, { encoding: 'buffer', maxBuffer: 1 << 28 });
  r.stdout = r.stdout.toString('utf8');
  r.stderr = r.stderr.toString('utf8');
  assert.ok(r.status === 0 || r.status === 1, `${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r;
}

// Currents: every fixture, as one call and as a chunked session.
for (const name of ['valid-batch.json', 'td-doc-example.json', 'problems.json', 'batches.jsonl']) {
  const file = path.join(fixtures, 'currents', name);
  const bytes = readFileSync(file);
  const expected = native(['validate', 'currents', '--format', 'json', '--now', String(NOW), file]).stdout;
  assert.equal(tdbraze.validateCurrents(bytes, file, NOW, false, 1000, 'http') + '\n', expected, name);
  const session = new tdbraze.CurrentsSession(file, NOW, false, 1000, 'http');
  for (let i = 0; i < bytes.length; i += 5) session.feed(bytes.subarray(i, i + 5));
  assert.equal(session.finish() + '\n', expected, `${name} in chunks`);
  session.delete();
  compared += 2;
}

// Treasure Data's Postback rules (time window, external ids) for every fixture.
for (const name of ['valid-batch.json', 'td-postback.json', 'problems.json', 'batches.jsonl']) {
  const file = path.join(fixtures, 'currents', name);
  const bytes = readFileSync(file);
  const args = ['validate', 'currents', '--format', 'json', '--now', String(NOW), '--receiver', 'td-postback', file];
  const expected = native(args).stdout;
  assert.equal(tdbraze.validateCurrents(bytes, file, NOW, false, 1000, 'td-postback') + '\n', expected, name);
  compared += 1;
}

// Cohort tables: the report and every planned request, for each case of cases.json.
const cases = JSON.parse(readFileSync(path.join(fixtures, 'cohort', 'cases.json'), 'utf8'));
for (const c of cases) {
  const file = path.join(fixtures, 'cohort', c.file);
  const args = ['plan', 'cohort', file, '--cohort-id', c.cohort_id, '--created-at', CREATED_AT, '--format', 'json',
    '--out', '-'];
  if (c.cohort_name) args.push('--cohort-name', c.cohort_name);
  if (c.operation) args.push('--operation', c.operation);
  if (c.trim) args.push('--trim');
  if (c.max_ids_per_request) args.push('--max-ids-per-request', String(c.max_ids_per_request));
  for (const a of c.alias_columns ?? []) args.push('--alias-column', a);
  for (const m of c.map ?? []) args.push('--map', m);
  const r = native(args);
  const settings = { ...c, created_at: CREATED_AT };
  const plan = tdbraze.planCohort(readFileSync(file), file, JSON.stringify(settings));
  assert.equal(plan.report + '\n', r.stderr, `${c.file} report`);
  assert.equal(plan.requests.map((x) => x + '\n').join(''), r.stdout, `${c.file} requests`);
  assert.ok(plan.requests.length >= 1);
  compared += 2;
}

// The SQL check.
for (const [query, aliases, map] of [
  ['SELECT external_id AS user_ids FROM example_cohort_table', []],
  ['WITH a AS (SELECT id AS device_ids, mail AS email FROM t) SELECT * FROM a', ['email']],
  ['select lower(email), External_ID from t', ['email']],
  ['select * from (select 1', []],
  ['select External_ID, mail from t', [], ['external_id=user_ids', 'mail=alias:email']],
  ['select user_ids, External_ID from t', [], ['external_id=user_ids', 'nope=device_ids']],
]) {
  const args = ['check', 'sql', '--format', 'json', '-'];
  for (const a of aliases) args.push('--alias-column', a);
  for (const m of map ?? []) args.push('--map', m);
  const run = spawnSync(cli, args, { input: query, encoding: 'utf8' });
  assert.ok(run.status === 0 || run.status === 1, `check sql: exit ${run.status}`);
  const expected = run.stdout;
  // The old form (an array of alias columns) and the settings form with a mapping.
  const settings = map ? JSON.stringify({ alias_columns: aliases, map }) : JSON.stringify(aliases);
  assert.equal(tdbraze.checkSql(query, '-', settings) + '\n', expected, query);
  compared += 1;
}

console.log(`parity: ${compared} reports and plans byte-identical`);
