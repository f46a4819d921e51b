// The SARIF logs of validate currents, validate cohort and check sql against the official SARIF 2.1.0 JSON
// schema (OASIS, draft-07), with ajv and its formats (uri, uri-reference, date-time). The schema comes from
// npm (package.json); scripts/setup.sh installs it. Usage: node sarif_schema.test.mjs TDBRAZE FIXTURES
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, writeFileSync, rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

const require = createRequire(import.meta.url);
let Ajv, addFormats, schema;
try {
  Ajv = require('ajv');
  addFormats = require('ajv-formats');
  // The package's exports do not name the schema file: read it from the package's folder.
  schema = JSON.parse(readFileSync(new URL(
      './node_modules/@datadog/datadog-ci-plugin-sarif/dist/json-schema/sarif-schema-2.1.0.json', import.meta.url)));
} catch (e) {
  console.error(`tdbraze: the SARIF test needs its npm packages: run scripts/setup.sh (${e.message})`);
  process.exit(1);
}

const [tdbraze, fixtures] = process.argv.slice(2);
assert.ok(tdbraze && fixtures, 'usage: node sarif_schema.test.mjs TDBRAZE FIXTURES');

const ajv = new Ajv({allErrors: true, strict: false});
addFormats(ajv);
const validate = ajv.compile(schema);

// Files whose names a URI must encode, in a directory of their own so that their paths are relative.
const dir = mkdtempSync(join(tmpdir(), 'tdbraze-sarif-'));
process.on('exit', () => rmSync(dir, {recursive: true, force: true}));
writeFileSync(join(dir, 'two words, a:b.json'), readFileSync(join(fixtures, 'currents/problems.json')));
writeFileSync(join(dir, 'users 100%.csv'), 'external_id,segment\nu1,a\n\n u2 ,b\n');
writeFileSync(join(dir, 'forgot.sql'), 'SELECT external_id, email, lower(x)\nFROM t');

function sarif(args, input = '') {
  const r = spawnSync(tdbraze, args, {cwd: dir, input, encoding: 'utf8'});
  assert.equal(r.stderr, '', `stderr of tdbraze ${args.join(' ')}`);
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, 'one SARIF log, on one line');
  return {status: r.status, log: JSON.parse(lines[0])};
}

function assertValid(log) {
  const ok = validate(log);
  assert.ok(ok, JSON.stringify(validate.errors, null, 2));
}

function checkRun(log, kind) {
  assert.equal(log.version, '2.1.0');
  assert.equal(log.runs.length, 1);
  const run = log.runs[0];
  assert.equal(run.tool.driver.name, 'tdbraze');
  const ids = run.tool.driver.rules.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, 'one rule per code');
  for (const rule of run.tool.driver.rules)
    assert.match(rule.helpUri, new RegExp(`/docs/(currents|cohort)\\.md#${rule.id}$`), rule.id);
  for (const result of run.results) {
    assert.equal(run.tool.driver.rules[result.ruleIndex].id, result.ruleId);
    assert.ok(result.partialFingerprints['tdbrazeFinding/v1'].match(/^[0-9a-f]{16}$/));
  }
  assert.ok(run.results.length > 0, `${kind}: findings to check`);
  return run;
}

test('validate currents --format sarif: several inputs and stdin, one valid log', () => {
  const problems = readFileSync(join(fixtures, 'currents/problems.json'), 'utf8');
  const {status, log} = sarif(['validate', 'currents', '--format', 'sarif', '--now', '1764000000',
                               'two words, a:b.json', join(fixtures, 'currents/valid-batch.json'), '-'], problems);
  assert.equal(status, 1);
  assertValid(log);
  const run = checkRun(log, 'currents');
  const uris = [...new Set(run.results.map((r) => r.locations[0].physicalLocation.artifactLocation.uri))];
  assert.deepEqual(uris, ['two%20words%2C%20a%3Ab.json', 'stdin']);
  assert.ok(run.tool.driver.rules.some((r) => r.id === 'unknown-event-type'));
});

test('validate cohort --format sarif: rows become lines, row and field in properties', () => {
  const {status, log} =
      sarif(['validate', 'cohort', '--cohort-id', 'c', '--format', 'sarif', 'users 100%.csv']);
  assert.equal(status, 1);
  assertValid(log);
  const run = checkRun(log, 'cohort');
  assert.ok(run.results.every((r) => r.locations[0].physicalLocation.artifactLocation.uri === 'users%20100%25.csv'));
  assert.ok(run.results.some((r) => r.properties && r.properties.field === 'external_id'));
});

test('check sql --format sarif', () => {
  const {status, log} = sarif(['check', 'sql', '--format', 'sarif', 'forgot.sql']);
  assert.equal(status, 1);
  assertValid(log);
  const run = checkRun(log, 'sql');
  assert.ok(run.tool.driver.rules.some((r) => r.id === 'near-miss-column'));
});

test('a clean input is a valid log with no results', () => {
  const {status, log} = sarif(['check', 'sql', '--format', 'sarif', '-'], 'SELECT x AS user_ids FROM t');
  assert.equal(status, 0);
  assertValid(log);
  assert.deepEqual(log.runs[0].results, []);
});

test('the validator refuses a broken log (it is not a no-op)', () => {
  const {log} = sarif(['check', 'sql', '--format', 'sarif', 'forgot.sql']);
  log.runs[0].results[0].level = 'info';
  assert.equal(validate(log), false);
});
