// The WebAssembly module, loaded in Node, validates payloads like the native core does.
// Usage: node validate_currents.test.mjs SITE_DIR FIXTURES_DIR
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadTdbraze } from './load_module.mjs';

const [siteDir, fixtures] = process.argv.slice(2);
const tdbraze = await loadTdbraze(siteDir);
const NOW = 1764000000;  // fixed, so that reports do not depend on the day the test runs

// A valid batch: no diagnostics, events counted per type.
{
  const input = readFileSync(path.join(fixtures, 'currents/valid-batch.json'), 'utf8');
  const report = JSON.parse(tdbraze.validateCurrents(input, 'valid-batch.json', NOW, false, 1000, 'http'));
  assert.equal(report.tool, 'tdbraze');
  assert.equal(report.kind, 'currents');
  assert.equal(report.source, 'valid-batch.json');
  assert.equal(report.ok, true);
  assert.equal(report.summary.events, 3);
  assert.deepEqual(report.diagnostics, []);
  assert.equal(report.summary.event_types['users.behaviors.Purchase'], 1);
}

// Treasure Data's documentation example: the singular channel prefix gets a suggestion, with its position.
{
  const input = readFileSync(path.join(fixtures, 'currents/td-doc-example.json'), 'utf8');
  const report = JSON.parse(tdbraze.validateCurrents(input, 'td', NOW, false, 1000, 'http'));
  const d = report.diagnostics.find((x) => x.code === 'unknown-event-type');
  assert.ok(d, 'unknown-event-type reported');
  assert.match(d.hint, /users\.messages\.email\.Open/);
  assert.equal(d.pointer, '/events/0/event_type');
  assert.deepEqual([d.line, d.column], [4, 21]);
}

// Chunked sessions (what the Worker uses) give the same report as one call, wherever the cuts fall.
{
  const input = readFileSync(path.join(fixtures, 'currents/valid-batch.json'), 'utf8');
  const whole = tdbraze.validateCurrents(input, 'x', NOW, false, 1000, 'http');
  for (const size of [1, 7, 64]) {
    const session = new tdbraze.CurrentsSession('x', NOW, false, 1000, 'http');
    for (let i = 0; i < input.length; i += size) session.feed(input.slice(i, i + size));
    assert.equal(session.finish(), whole, `chunk size ${size}`);
    session.delete();
  }
}

// Not JSON: an error that says where and what.
{
  const report = JSON.parse(tdbraze.validateCurrents('{"events":[{"id":"a" "time":1}]}', 'bad', NOW, false, 1000, 'http'));
  assert.equal(report.ok, false);
  const d = report.diagnostics.find((x) => x.code === 'json-syntax');
  assert.equal(d.message, "expected ',' or '}' after member of object");
  assert.deepEqual([d.line, d.column], [1, 22]);
}

console.log('wasm validate currents: ok');
