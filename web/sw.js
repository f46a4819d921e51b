// Keeps a copy of the site so that it works offline once loaded: network first (a rebuilt site is picked up
// at once), the stored copy when the network or the server is gone. Only this site's own files are
// handled; the page makes no other requests (its Content-Security-Policy forbids them).
'use strict';

const CACHE = 'tdbraze-site-v1';
const SITE = [
  './', 'index.html', 'style.css', 'app.js', 'editor.js', 'lines.js', 'render.js', 'worker.js',
  'tdbraze.js', 'tdbraze.wasm', 'examples.json', 'favicon.svg',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(SITE);
    try {
      const res = await fetch('examples.json');
      const { examples } = await res.json();
      await cache.addAll(examples.map((e) => `examples/${e.file}`));
    } catch {
      // the examples menu then needs the network; everything else works
    }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(request);
      if (response.ok && response.type === 'basic') await cache.put(request, response.clone());
      return response;
    } catch (err) {
      const stored = await cache.match(request, { ignoreSearch: true });
      if (stored) return stored;
      throw err;
    }
  })());
});
