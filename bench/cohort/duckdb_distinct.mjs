// The strongest peer of the cohort benchmark: DuckDB (npm @duckdb/node-api, its native library inside the
// package) counting the distinct identifiers of the query result straight from the CSV, on the same number of
// threads as tdbraze uses (two). It only counts: it neither keeps the rows' order nor checks a cell, so it is the
// floor of "read the CSV and dedupe the ids" rather than what a user would script end to end.
//
// Usage: node duckdb_distinct.mjs [--threads N] table.csv
// Prints one JSON line: the distinct counts, DuckDB's version, and the seconds of the query alone.
import { DuckDBInstance } from '@duckdb/node-api';

const started = performance.now();
const args = process.argv.slice(2);
let threads = 2;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--threads') threads = Number(args[++i]);
  else files.push(args[i]);
}
if (files.length !== 1 || !(threads > 0)) {
  console.error('usage: duckdb_distinct.mjs [--threads N] table.csv');
  process.exit(2);
}
const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
await connection.run(`SET threads = ${threads}`);
const loaded = performance.now();
// all_varchar: ids are text, as for tdbraze and pandas (dtype=str): "007" and "7" are different users, and
// sniffing a column as a number would drop that.
const reader = await connection.runAndReadAll(
  `SELECT count(DISTINCT user_ids), count(DISTINCT device_ids)
   FROM read_csv(${sqlString(files[0])}, header = true, all_varchar = true)`);
const done = performance.now();
const [[users, devices]] = reader.getRows();
const version = (await connection.runAndReadAll('SELECT version()')).getRows()[0][0];
const usedThreads = (await connection.runAndReadAll("SELECT current_setting('threads')")).getRows()[0][0];
connection.closeSync();
console.log(JSON.stringify({
  user_ids: { distinct: Number(users) },
  device_ids: { distinct: Number(devices) },
  duckdb: version,
  threads: Number(usedThreads),
  load_seconds: Number(((loaded - started) / 1000).toFixed(3)),
  seconds: Number(((done - loaded) / 1000).toFixed(3)),
}));
