// Loads the WebAssembly build the page uses, the way Node 20 needs it (the .wasm bytes passed in).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export async function loadTdbraze(siteDir) {
  const require = createRequire(import.meta.url);
  const createTdbraze = require(path.resolve(siteDir, 'tdbraze.js'));
  const wasmBinary = readFileSync(path.resolve(siteDir, 'tdbraze.wasm'));
  return createTdbraze({ wasmBinary });
}
