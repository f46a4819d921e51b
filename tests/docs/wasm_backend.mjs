// The WebAssembly side of tools/doc_check.py: reads a JSON array of jobs (one per tagged example of the
// manual) on standard input and answers each with the functions the web page calls (web/bindings.cpp), in
// the same shape the native side gives: {"report": JSON text, "requests": [JSON text, ...]}.
// Usage: node wasm_backend.mjs SITE_DIR < jobs.json > results.json
import { readFileSync } from 'node:fs';
import { loadTdbraze } from '../wasm/load_module.mjs';

const tdbraze = await loadTdbraze(process.argv[2]);
const jobs = JSON.parse(readFileSync(0, 'utf8'));
const results = jobs.map((job) => {
  // Bytes, as the page hands over a file, not a JS string: the module then sees exactly the file's UTF-8.
  const input = Buffer.from(job.input, 'utf8');
  switch (job.kind) {
    case 'currents':
      return { report: tdbraze.validateCurrents(input, job.source, job.now, job.strict, job.max_diagnostics, job.receiver), requests: [] };
    case 'cohort': {
      const plan = tdbraze.planCohort(input, job.source, JSON.stringify(job.settings));
      return { report: plan.report, requests: plan.requests };
    }
    case 'sql':
      return { report: tdbraze.checkSql(job.input, job.source, JSON.stringify({ alias_columns: job.alias_columns, map: job.map })), requests: [] };
    default:
      throw new Error(`unknown job kind ${job.kind}`);
  }
});
process.stdout.write(JSON.stringify(results));
