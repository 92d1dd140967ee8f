// Requests that must reach the server, kept on this device until they do.
// Each item is a POST whose body carries client-made ids, so sending it twice is
// harmless: the server stores each session, event and diary entry once. Items go in
// order, one at a time; when the server does not answer (no network), or cannot save
// just now (503: another program holds its file, the disk is full...), or a clinic's
// server asks for a login again (401), they wait and are retried, no sooner than the
// server asks.
//
// Where they wait: IndexedDB (the "easeback" database, "outbox" store, in the order
// they were made), which a phone keeps while it is offline for days. Pushing is a
// synchronous write to localStorage first (so an item made as the page goes away,
// the ending of a session closed mid-way, is kept even if the page is gone before
// IndexedDB has answered); sending moves those items to IndexedDB, once each, by
// their ids. Items an older page left in localStorage are moved over the same way.
// Where IndexedDB cannot be opened (a browser's private mode, say) they stay in
// localStorage and are sent from there.
//
// Nothing here ever blocks the page. Every tab of easeback shares the list: each item
// has an id of its own and is removed by that id once it has landed, and one tab at a
// time sends (a Web Lock), so one tab can never drop what another has not sent.

const KEY = "easeback-outbox";
const DB_NAME = "easeback";
const STORE = "outbox";
const RETRY_MS = [500, 1000, 2000, 4000];

// An id for an item (crypto.randomUUID where the page is a secure context).
function newId() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

// An IndexedDB request or transaction as a promise.
function done(request) {
  return new Promise((resolve, reject) => {
    if ("onsuccess" in request && !("oncomplete" in request)) {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    } else {
      request.oncomplete = () => resolve();
      request.onerror = () => reject(request.error);
      request.onabort = () => reject(request.error);
    }
  });
}

let opening = null;
// The database, or null where there is none to be had.
function openDb() {
  if (!opening) {
    opening = new Promise((resolve) => {
      if (!globalThis.indexedDB) { resolve(null); return; }
      let request;
      try { request = indexedDB.open(DB_NAME, 1); } catch { resolve(null); return; }
      request.onupgradeneeded = () => {
        // Keys count up, so the store's order is the order items were made in.
        const store = request.result.createObjectStore(STORE, { keyPath: "n", autoIncrement: true });
        store.createIndex("id", "id", { unique: true });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
      request.onblocked = () => resolve(null);
    });
  }
  return opening;
}

export class Outbox {
  // onChange(count, problem): `count` items wait; `problem` is null while sending
  // works, else why it does not: the server's named cause ("locked", "full",
  // "read-only", "damaged", "io"), "down" when nothing answered, or "other".
  constructor(token, onChange = () => {}) {
    this.token = token;
    this.onChange = onChange;
    this.sending = null; // the round in progress, as a promise
    this.failures = 0;
    this.problem = null;
    this.timer = null;
    this.stored = 0; // items in IndexedDB when this tab last looked
    this.again = false; // asked to send while a round was under way
    window.addEventListener("online", () => this.flush());
  }

  // The items in localStorage: pushed and not yet moved, or left by an older page.
  items() {
    let items;
    try { items = JSON.parse(localStorage.getItem(KEY) || "[]"); } catch { return []; }
    // Items kept by an older page have no id: their content names them alike in every tab.
    return items.map((item) => (item.id ? item : { ...item, id: JSON.stringify(item) }));
  }

  save(items) {
    localStorage.setItem(KEY, JSON.stringify(items));
    this.onChange(this.pending(), this.problem);
  }

  // On a clinic's server each item names the account that made it (the page's
  // "easeback-account"), so it is never sent under another account's login: the
  // server answers 401 and it waits until its own account logs in again.
  push(url, body) {
    const items = this.items();
    const page = globalThis.document;
    const account = page && page.querySelector
      ? page.querySelector('meta[name="easeback-account"]') : null;
    items.push({ id: newId(), url, body, account: (account && account.content) || "" });
    this.save(items);
    this.flush();
  }

  // How many items wait (as this tab last saw IndexedDB, and localStorage now).
  pending() { return this.stored + this.items().length; }

  // Every item waiting, oldest first (for a page that must know what is kept).
  async all() {
    const db = await openDb();
    const kept = db ? await done(db.transaction(STORE).objectStore(STORE).getAll()) : [];
    const ids = new Set(kept.map((item) => item.id));
    return [...kept, ...this.items().filter((item) => !ids.has(item.id))];
  }

  // Send what waits; resolves when this round ends (all sent, or a retry planned).
  // An item pushed while a round is under way may come after that round last looked
  // (it waits on IndexedDB and on the lock): another round follows, so none is left.
  flush() {
    if (this.sending) {
      this.again = true;
      return this.sending;
    }
    this.again = false;
    clearTimeout(this.timer);
    const locks = globalThis.navigator && navigator.locks;
    const round = locks ? locks.request(KEY, () => this.send()) : this.send();
    this.sending = round.finally(() => {
      this.sending = null;
      if (this.again) this.flush();
    });
    return this.sending;
  }

  // Move the items in localStorage into IndexedDB, once each (an id already there
  // was moved by a try that stopped before clearing it), then clear them there.
  async moveOver(db) {
    const waiting = this.items();
    if (waiting.length === 0) return;
    const transaction = db.transaction(STORE, "readwrite");
    const store = transaction.objectStore(STORE);
    let added = 0;
    for (const item of waiting) {
      const known = await done(store.index("id").getKey(item.id));
      if (known === undefined) {
        store.add({ id: item.id, url: item.url, body: item.body, account: item.account || "" });
        added += 1;
      }
    }
    await done(transaction);
    this.stored += added; // so the count never dips while they change places
    const moved = new Set(waiting.map((item) => item.id));
    this.save(this.items().filter((item) => !moved.has(item.id)));
  }

  // The oldest item and how many wait, from IndexedDB (or localStorage without it).
  async head(db) {
    if (!db) {
      const items = this.items();
      return { item: items[0] || null, count: items.length };
    }
    await this.moveOver(db);
    const store = db.transaction(STORE).objectStore(STORE);
    const [count, cursor] = await Promise.all([done(store.count()), done(store.openCursor())]);
    this.stored = count;
    return { item: cursor ? cursor.value : null, count };
  }

  async remove(db, id) {
    if (!db) {
      this.save(this.items().filter((other) => other.id !== id));
      return;
    }
    const transaction = db.transaction(STORE, "readwrite");
    const store = transaction.objectStore(STORE);
    const key = await done(store.index("id").getKey(id));
    if (key !== undefined) store.delete(key);
    await done(transaction);
    this.stored = Math.max(0, this.stored - 1);
    this.onChange(this.pending(), this.problem);
  }

  async send() {
    const db = await openDb();
    for (;;) {
      const { item, count } = await this.head(db);
      if (!item) { this.failures = 0; this.problem = null; this.onChange(0, null); return; }
      let status = 0;
      let reply = null;
      let after = 0;
      try {
        const response = await fetch(item.url, {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            "X-CSRF-Token": this.token,
            ...(item.account ? { "X-Easeback-Account": item.account } : {}),
          },
          body: JSON.stringify(item.body),
          credentials: "same-origin",
        });
        status = response.status;
        after = Number(response.headers.get("Retry-After")) || 0;
        reply = await response.json().catch(() => null);
      } catch { status = 0; }
      // 401: on a clinic's server the login has ended (weeks offline, or logged out
      // in another tab); the records wait for the person to log in again.
      if (status === 0 || status >= 500 || status === 401 || status === 403 || status === 429) {
        this.failures += 1;
        this.problem = status === 0 ? "down" : status === 401 ? "login" : (reply && reply.cause) || "other";
        this.onChange(count, this.problem);
        const wait = Math.max(RETRY_MS[Math.min(this.failures - 1, RETRY_MS.length - 1)], after * 1000);
        this.timer = setTimeout(() => this.flush(), wait);
        return;
      }
      this.failures = 0;
      this.problem = null;
      await this.remove(db, item.id);
      document.dispatchEvent(new CustomEvent("easeback:landed", { detail: { url: item.url, body: item.body, status, reply } }));
      if (reply && Array.isArray(reply.messages) && reply.messages.length) {
        document.dispatchEvent(new CustomEvent("easeback:said", { detail: reply.messages }));
      }
      if (status >= 400) {
        document.dispatchEvent(new CustomEvent("easeback:refused", { detail: { status, reply } }));
      }
    }
  }
}
