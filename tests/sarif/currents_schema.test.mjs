// `tdbraze schema currents [--strict]` with ajv (draft-07) against `tdbraze validate currents` on the same
// payloads: the samples of the fixtures and assets, then every catalogue field of every event type made valid,
// of the wrong type, null and missing. The schema must reject a payload exactly when tdbraze reports one of the
// errors it can express; --strict also when tdbraze warns of an unknown field or member.
// Usage: node currents_schema.test.mjs TDBRAZE CATALOGUE SAMPLE_DIR...
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, writeFileSync, rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

const require = createRequire(import.meta.url);
let Ajv;
try {
  Ajv = require('ajv');
} catch (e) {
  console.error(`tdbraze: the schema test needs its npm packages: run scripts/setup.sh (${e.message})`);
  process.exit(1);
}

const [tdbraze, cataloguePath, ...sampleDirs] = process.argv.slice(2);
assert.ok(tdbraze && cataloguePath && sampleDirs.length, 'usage: node currents_schema.test.mjs TDBRAZE CATALOGUE DIR...');
const catalogue = JSON.parse(readFileSync(cataloguePath, 'utf8'));

// The errors a JSON Schema of types and presence can state; tdbraze's others (times out of range, ...) it cannot.
const SCHEMA_ERRORS = new Set(['member-type', 'field-type', 'missing-member', 'missing-required-field',
                               'event-not-object', 'events-not-array', 'missing-events', 'bare-event',
                               'cloud-storage-shape']);
const STRICT_WARNINGS = new Set(['unknown-field', 'unknown-envelope-member']);

const dir = mkdtempSync(join(tmpdir(), 'tdbraze-schema-'));
process.on('exit', () => rmSync(dir, {recursive: true, force: true}));

function schema(strict) {
  const r = spawnSync(tdbraze, ['schema', 'currents', ...(strict ? ['--strict'] : [])], {encoding: 'utf8'});
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return JSON.parse(r.stdout);
}
// strict: ajv's own strict mode, so that a keyword the schema misspells fails the test instead of checking nothing.
const validators = {
  plain: new Ajv({allErrors: true, strict: true}).compile(schema(false)),
  strict: new Ajv({allErrors: true, strict: true}).compile(schema(true)),
};

function validateCurrents(file) {
  const r = spawnSync(tdbraze, ['validate', 'currents', '--format', 'json', '--now', '0',
                                '--max-diagnostics', '100000000', file], {encoding: 'utf8', maxBuffer: 1 << 30});
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  return JSON.parse(r.stdout).diagnostics;
}

// tdbraze's diagnostics of each body: many envelopes in one JSON Lines file (one run), or each body in a file
// of its own (`alone`: what is not an envelope is only an error as a file's one value, bare-event).
function tdbrazeFindings(bodies, alone = false) {
  if (alone) {
    return bodies.map((b, i) => {
      const file = join(dir, `body-${i}.json`);
      writeFileSync(file, JSON.stringify(b));
      return validateCurrents(file);
    });
  }
  assert.ok(bodies.every((b) => b !== null && typeof b === 'object' && 'events' in b), 'JSON Lines of envelopes');
  const file = join(dir, 'bodies.jsonl');
  writeFileSync(file, bodies.map((b) => JSON.stringify(b)).join('\n') + '\n');
  const byLine = bodies.map(() => []);
  for (const d of validateCurrents(file)) byLine[d.line - 1].push(d);
  return byLine;
}

// Both verdicts for each body, with what each said, so that a failure shows the disagreement.
function assertAgree(bodies, label, alone = false) {
  const findings = tdbrazeFindings(bodies, alone);
  let checked = 0;
  bodies.forEach((body, i) => {
    const errors = findings[i].filter((d) => d.severity === 'error');
    const expressible = errors.filter((d) => SCHEMA_ERRORS.has(d.code));
    if (errors.length > expressible.length) return;  // an error only tdbraze can see: no verdict to compare
    const unknown = findings[i].filter((d) => STRICT_WARNINGS.has(d.code));
    for (const [mode, validate] of Object.entries(validators)) {
      const tdbrazeRejects = expressible.length > 0 || (mode === 'strict' && unknown.length > 0);
      const schemaAccepts = validate(body);
      assert.equal(!schemaAccepts, tdbrazeRejects,
                   `${label} #${i} (${mode}): ${JSON.stringify(body).slice(0, 300)}\n` +
                       `tdbraze: ${JSON.stringify(findings[i].map((d) => `${d.severity} ${d.code} ${d.pointer}`))}\n` +
                       `ajv: ${JSON.stringify(validate.errors?.slice(0, 5))}`);
    }
    ++checked;
  });
  return checked;
}

const VALID = {'string': 'text', 'integer': 7, 'number': 2.5, 'boolean': true, 'object': {}, 'array<string>': ['a']};
const WRONG = {'string': 12, 'integer': '7', 'number': '2.5', 'boolean': 'true', 'object': 'x', 'array<string>': [1]};

function eventOf(type, spec, change = {}) {
  const sections = {};
  for (const section of ['user', 'properties']) {
    sections[section] = {};
    for (const [name, f] of Object.entries(spec[section])) sections[section][name] = VALID[f.json_type];
  }
  if (change.section) {
    if (change.value === undefined) delete sections[change.section][change.field];
    else sections[change.section][change.field] = change.value;
  }
  return {event_type: type, id: 'id-1', time: 1732456800, user: sections.user, properties: sections.properties};
}

test('the samples of the fixtures and the assets: the schema agrees with tdbraze', () => {
  const bodies = [];
  for (const d of sampleDirs)
    for (const name of readdirSync(d).sort()) {
      const text = readFileSync(join(d, name), 'utf8');
      if (name.endsWith('.jsonl')) {
        // A line of JSON Lines is an envelope or one event: as a body, the event in an envelope of its own.
        for (const line of text.split('\n').filter((l) => l.trim())) {
          let value;
          try { value = JSON.parse(line); } catch { continue; /* a syntax error: no schema verdict */ }
          bodies.push(value !== null && typeof value === 'object' && 'events' in value ? value : {events: [value]});
        }
      } else if (name.endsWith('.json')) bodies.push(JSON.parse(text));
    }
  assert.ok(bodies.length >= 5, `samples found: ${bodies.length}`);
  const valid = bodies.filter((b) => tdbrazeFindings([b], true)[0].every((d) => d.severity !== 'error'));
  assert.ok(valid.length >= 3, 'the valid Braze samples are among them');
  for (const body of valid) assert.ok(validators.plain(body), JSON.stringify(validators.plain.errors));
  assertAgree(bodies, 'sample', true);
});

test('every field of every event type: valid, of the wrong type, null, missing', () => {
  const bodies = [];
  for (const [type, spec] of Object.entries(catalogue.events)) {
    bodies.push({events: [eventOf(type, spec)]});
    for (const section of ['user', 'properties'])
      for (const [field, f] of Object.entries(spec[section])) {
        bodies.push({events: [eventOf(type, spec, {section, field, value: WRONG[f.json_type]})]});
        bodies.push({events: [eventOf(type, spec, {section, field, value: null})]});
        bodies.push({events: [eventOf(type, spec, {section, field, value: undefined})]});
      }
    bodies.push({events: [eventOf(type, spec, {section: 'properties', field: 'not_in_catalogue', value: 1})]});
    bodies.push({events: [eventOf(type, spec, {section: 'user', field: 'not_in_catalogue', value: 1})]});
  }
  const checked = assertAgree(bodies, 'catalogue');
  assert.equal(checked, bodies.length, 'tdbraze reported no error the schema cannot state');
  console.log(`# ${bodies.length} payloads: schema and tdbraze agree`);
});

test('the envelope: member types, missing members, unknown types and members', () => {
  const ok = {event_type: 'users.behaviors.CustomEvent', id: 'a', time: 1732456800,
              user: {user_id: '65a1f0c2e4b0a1b2c3d4e5f6'}, properties: {name: 'n'}};
  const bodies = [{events: [ok]}, {events: []}, {events: ok}, ok, {events: [ok], extra: 1}, {events: [7]}];
  for (const [member, value] of [['event_type', 3], ['id', 5], ['time', '1732456800'], ['time', 1.5],
                                 ['user', 'u'], ['properties', []], ['extra', 1]])
    bodies.push({events: [{...ok, [member]: value}]});
  for (const member of ['event_type', 'id', 'time', 'user', 'properties']) {
    const event = {...ok};
    delete event[member];
    bodies.push({events: [event]});
  }
  // An unknown type: the envelope and the user fields every type has are checked, its properties are not.
  bodies.push({events: [{...ok, event_type: 'users.behaviors.NotAType', properties: {anything: [1]}}]});
  bodies.push({events: [{...ok, event_type: 'users.behaviors.NotAType', user: {user_id: 5}}]});
  bodies.push({events: [{...ok, event_type: 'users.behaviors.NotAType', user: {nickname: 'x'}}]});
  assert.equal(assertAgree(bodies, 'envelope', true), bodies.length);
});
