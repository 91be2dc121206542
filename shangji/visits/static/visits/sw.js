/* The rep pages' service worker (V5). Served by the Django view /visits/sw.js, which puts SW_CONFIG before this
   file: {version, scope, page, data, shell: [urls]}. It keeps the app shell and the last downloaded day data so the
   plan opens with no network. Writes (POST /api/visits/sync/, photos) are never cached or replayed here: the page's
   IndexedDB queue owns them, so a visit can't be sent twice by two mechanisms. */
/* global SW_CONFIG */
"use strict";

const CACHE = "sj-visits-" + SW_CONFIG.version;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SW_CONFIG.shell)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("sj-visits-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()));
});

// Fresh from the network when there is one (and remember it), the kept copy when there is not.
async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await cache.put(key || request, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(key || request, { ignoreSearch: !key });
    if (kept) return kept;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request, { ignoreSearch: true });
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Only the rep page itself: other pages under /visits/ (the manager's view, points, the brief) are online pages.
  if (request.mode === "navigate" && url.pathname === SW_CONFIG.page) {
    event.respondWith(networkFirst(request, SW_CONFIG.page));
  } else if (url.pathname === SW_CONFIG.data) {
    event.respondWith(networkFirst(request, SW_CONFIG.data));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  }
  // Everything else (the API, customer search, objection help) goes to the network untouched: the page shows
  // what is missing offline.
});
