// The service worker (web/worker.js, as /sw.js serves it) run in Node.js against a
// fake network and a fake Cache Storage, one case at a time. Prints, as JSON, what
// each case saw: the answer the page got and what the cache holds afterwards.
import { readFileSync } from "node:fs";

const [source, keepJson] = [readFileSync(process.argv[2], "utf8"), process.argv[3]];
const ORIGIN = "http://127.0.0.1:8421";

function makeCaches() {
  const stores = new Map();
  const open = async (name) => {
    if (!stores.has(name)) {
      const entries = new Map();
      const key = (request) => new URL(typeof request === "string" || request instanceof URL ? request : request.url, ORIGIN).href;
      stores.set(name, {
        entries,
        match: async (request) => { const found = entries.get(key(request)); return found ? found.clone() : undefined; },
        put: async (request, response) => { entries.set(key(request), response); },
        delete: async (request) => entries.delete(key(request)),
        addAll: async (urls) => { for (const url of urls) entries.set(key(url), new Response(`kept ${url}`)); },
      });
    }
    return stores.get(name);
  };
  return {
    stores,
    open,
    keys: async () => [...stores.keys()],
    delete: async (name) => stores.delete(name),
    match: async (request) => { for (const name of stores.keys()) { const found = await (await open(name)).match(request); if (found) return found; } return undefined; },
  };
}

async function run(name, network, request, setup = async () => {}) {
  const listeners = {};
  const caches = makeCaches();
  const self = {
    location: new URL(ORIGIN),
    addEventListener: (type, handler) => { listeners[type] = handler; },
    skipWaiting: async () => {},
    clients: { claim: async () => {} },
  };
  const fetch = async (input) => network(new URL(typeof input === "string" || input instanceof URL ? input : input.url, ORIGIN));
  new Function("self", "caches", "fetch", `const KEEP = ${keepJson};\n${source}`)(self, caches, fetch);
  await setup(caches);
  let answer = null;
  if (request.keep) {  // a page's message: keep these addresses
    let waiting = null;
    listeners.message({ data: { keep: request.keep }, waitUntil: (promise) => { waiting = promise; } });
    await waiting;
  } else {
    const event = { request, respondWith: (promise) => { answer = promise; } };
    listeners.fetch(event);
  }
  let page = null;
  if (answer) {
    try {
      const response = await answer;
      page = { status: response.status, body: await response.text() };
    } catch (error) { page = { error: String(error) }; }
  }
  const kept = {};
  for (const [cacheName, store] of caches.stores) {
    for (const [url, response] of store.entries) kept[`${cacheName} ${url.replace(ORIGIN, "")}`] = await response.clone().text();
  }
  return { name, handled: answer !== null, page, kept };
}

const KEEP = JSON.parse(keepJson);
const page = (path, init = {}) => ({ url: `${ORIGIN}${path}`, method: "GET", mode: "navigate", ...init });
const html = (text, headers = {}) => new Response(`<html><main id="main" tabindex="-1">${text}</main></html>`, { status: 200, headers: { "Content-Type": "text/html", ...headers } });
const offline = async () => { throw new TypeError("Failed to fetch"); };
const savedToday = async (caches) => {
  const headers = { "Content-Type": "text/html", "x-easeback-saved": String(new Date(2026, 10, 29, 7, 5).getTime()) };
  await (await caches.open(KEEP.cache)).put(`${ORIGIN}/today`, new Response('<html><main id="main" tabindex="-1">saved today</main></html>', { headers }));
};

const results = [
  await run("a page online is answered and kept", async () => html("today"), page("/today")),
  await run("a page marked no-store is not kept, and an older copy goes", async () => html("login", { "Cache-Control": "no-store" }), page("/today"), savedToday),
  await run("a page reached by a redirect is not kept", async () => Object.defineProperty(html("login"), "redirected", { value: true }), page("/today")),
  await run("offline, the kept page says when it was saved", offline, page("/today"), savedToday),
  await run("offline, a page never kept says so", offline, page("/diary")),
  await run("a POST is left to the network", async () => html("posted"), page("/diary", { method: "POST" })),
  await run("a page not for offline use is left to the network", async () => html("check"), page("/check")),
  await run("another site is left alone", async () => html("x"), { url: "https://example.org/today", method: "GET", mode: "navigate" }),
  await run("the API of sessions is left to the network", async () => new Response("[]"), { url: `${ORIGIN}/api/sessions`, method: "GET", mode: "cors" }),
  await run("a versioned static file comes from the cache first", offline, { url: `${ORIGIN}${KEEP.shell[0]}`, method: "GET", mode: "no-cors" }, async (caches) => (await caches.open(KEEP.cache)).addAll([KEEP.shell[0]])),
  await run("Today's message also keeps the offline pages not kept yet", async (url) => html(url.pathname), { keep: ["/play?slot=morning"] }),
];
console.log(JSON.stringify(results));
