// The page's Content-Security-Policy has one source, web/csp.txt. This checks that every place that states it
// says the same: the built page's <meta> tag, the header `tdbraze web` sends, the test server's header and the
// policy quoted in docs/web.md.
//
// Usage: node csp.test.mjs SOURCE_DIR SITE_DIR TDBRAZE_CLI
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CSP as serverCsp } from './server.mjs';

const [sourceDir, siteDir, cli] = process.argv.slice(2).map((a) => path.resolve(a));
const csp = readFileSync(path.join(sourceDir, 'web/csp.txt'), 'utf8').trim();
const squash = (s) => s.replace(/\s+/g, ' ').trim();
let failed = 0;
async function check(name, fn) {
  try { await fn(); console.log(`ok   ${name}`); } catch (err) { failed++; console.log(`FAIL ${name}\n${err.stack || err}`); }
}

await check('web/csp.txt is one line', () => {
  assert.doesNotMatch(csp, /\n/);
  assert.match(csp, /default-src 'self'/);
  assert.doesNotMatch(csp, /'unsafe-eval'|'unsafe-inline'/);
});

await check('the built page declares it in its <meta> tag', () => {
  const html = readFileSync(path.join(siteDir, 'index.html'), 'utf8');
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(meta, 'a CSP <meta> tag');
  assert.equal(meta[1], csp);
  assert.doesNotMatch(html, /@\w+@/, 'no placeholder left');
});

await check('the test server sends it', () => assert.equal(serverCsp, csp));

await check('docs/web.md quotes it', () => {
  const doc = readFileSync(path.join(sourceDir, 'docs/web.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### Content-Security-Policy'));
  const block = /```text\n([\s\S]*?)```/.exec(section);
  assert.ok(block, 'a text block in the Content-Security-Policy section');
  assert.equal(squash(block[1]), csp);
});

await check('`tdbraze web` sends it as a header on every file', async () => {
  const child = spawn(cli, ['web', '--port', '0', '--root', siteDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (b) => {
        out += b;
        const m = /on (http:\/\/\S+\/)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`tdbraze web exited with ${code}: ${out}`)));
      setTimeout(() => reject(new Error(`tdbraze web did not start: ${out}`)), 10_000).unref();
    });
    for (const file of ['', 'index.html', 'worker.js', 'tdbraze.wasm']) {
      const res = await fetch(url + file);
      assert.equal(res.status, 200, file);
      assert.equal(res.headers.get('content-security-policy'), csp, file || '/');
      await res.arrayBuffer();
    }
  } finally {
    child.kill('SIGTERM');
  }
});

console.log(`csp: ${failed ? `${failed} failed` : 'all agree'}`);
process.exitCode = failed ? 1 : 0;
