// The service worker (served as /sw.js, KEEP written above this line by web/pwa.py).
// It keeps what a session needs so that a person who opened Today once with a network
// can open it again without one, begin any of today's sessions and play it through:
// the versioned static files and the pictures (cache first: their addresses change
// when they do), today's pages and what the player fetches to begin (network first,
// the saved copy when there is no network, marked with the time it was saved).
// It never keeps an answer to anything but a GET, nor one marked no-store, and keeps
// nothing from other sites. One cache, named by the versions: a new release makes a
// new one, and the old one is deleted when the new worker takes over.

const CACHE = KEEP.cache;
const SAVED = "x-easeback-saved"; // when a page was saved, ms since 1970
const PLANS = ["/api/play", "/api/today"];

self.addEventListener("install", (event) => {
  // The shell is fetched now, after the page that registered the worker has loaded.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(KEEP.shell)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
    await keepPages(KEEP.pages);
  })());
});

// A page asks for the pages it links to be kept (Today: each of today's sessions).
// The offline pages not kept yet are fetched with them: a worker that began on a
// clinic server's login page found them behind the login then, and kept none.
self.addEventListener("message", (event) => {
  const urls = event.data && Array.isArray(event.data.keep) ? event.data.keep : [];
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const missing = [];
    for (const path of KEEP.pages) if (!(await cache.match(new URL(path, self.location.origin).href))) missing.push(path);
    await keepPages([...missing, ...urls.filter((url) => typeof url === "string")]);
  })());
});

function offlinePage(url) {
  return url.origin === self.location.origin && KEEP.offline_pages.some((path) => url.pathname === path || url.pathname.startsWith(`${path}/`));
}

// An answer not to keep: marked no-store (the server's login and clinician pages), or
// one that came by a redirect (to a login page, say), which is not the page asked for.
function forbidsKeeping(response) {
  return response.redirected || /no-store/i.test(response.headers.get("Cache-Control") || "");
}

// Fetch each page (and, for a player page, what it fetches to begin) and keep it.
async function keepPages(urls) {
  const cache = await caches.open(CACHE);
  await Promise.all(urls.map(async (address) => {
    const url = new URL(address, self.location.origin);
    const wanted = [];
    if (offlinePage(url) || (url.origin === self.location.origin && PLANS.includes(url.pathname))) wanted.push(url);
    if (url.pathname === "/play") {
      const plan = new URL("/api/play", self.location.origin);
      for (const name of ["slot", "routine"]) if (url.searchParams.get(name)) plan.searchParams.set(name, url.searchParams.get(name));
      wanted.push(plan);
    }
    for (const one of wanted) {
      try {
        const response = await fetch(one, { credentials: "same-origin" });
        if (response.ok && !forbidsKeeping(response)) await cache.put(one, await stamped(response));
      } catch { /* no network: the copy kept before stays */ }
    }
  }));
}

// A copy of a response with the time it was saved.
async function stamped(response) {
  const headers = new Headers(response.headers);
  headers.set(SAVED, String(Date.now()));
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
}

function clockText(ms) {
  const at = new Date(ms);
  return `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
}

// A saved page, with a line at the top of its content saying it is a saved copy.
async function savedPage(copy) {
  const html = await copy.text();
  const line = KEEP.saved_at.replace("{time}", clockText(Number(copy.headers.get(SAVED)) || Date.now()));
  const marked = html.replace(/(<main\b[^>]*>)/, `$1\n<p class="offline-note" role="status">${line}</p>`);
  const headers = new Headers(copy.headers);
  headers.delete("Content-Length");
  return new Response(marked, { status: copy.status, headers });
}

const NOT_SAVED = `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Not saved · easeback</title>
<main style="font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem"><h1>No network</h1>
<p>This page was not saved on this device while easeback could be reached. <a href="/today">Today</a> may have been: try it, or connect again.</p></main></html>`;

async function networkFirst(request, url, isPage) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !forbidsKeeping(response)) await cache.put(url.href, await stamped(response.clone()));
    else if (forbidsKeeping(response)) await cache.delete(url.href);
    return response;
  } catch (error) {
    const copy = await cache.match(url.href);
    if (copy) return isPage ? savedPage(copy) : copy;
    if (isPage) return new Response(NOT_SAVED, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const copy = await cache.match(request, { ignoreVary: true });
  if (copy) return copy;
  const response = await fetch(request);
  if (response.ok && !forbidsKeeping(response)) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return; // the network's, untouched
  if (url.pathname.startsWith("/static/v-") || (url.pathname.startsWith("/pictures/") && url.searchParams.has("v"))) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" && offlinePage(url)) {
    event.respondWith(networkFirst(request, url, true));
  } else if (PLANS.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url, false));
  }
});
