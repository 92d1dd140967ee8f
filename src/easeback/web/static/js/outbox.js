// Requests that must reach the server, kept in this browser until they do.
// Each item is a POST whose body carries client-made ids, so sending it twice is
// harmless: the server stores each event once. Items go in order, one at a time;
// when the server does not answer, or cannot save just now (503: another program
// holds its file, the disk is full...), they wait (in localStorage, so a reload or
// a closed tab keeps them) and are retried, no sooner than the server asks.
// Nothing here ever blocks the page: pushing is a write to localStorage, sending
// happens in the background. Every tab of easeback shares the list: each item has
// an id of its own and is removed by that id once it has landed, and one tab at a
// time sends (a Web Lock), so one tab can never drop what another has not sent.

const KEY = "easeback-outbox";
const RETRY_MS = [500, 1000, 2000, 4000];

// An id for an item (crypto.randomUUID where the page is a secure context).
function newId() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
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
    window.addEventListener("online", () => this.flush());
  }

  items() {
    let items;
    try { items = JSON.parse(localStorage.getItem(KEY) || "[]"); } catch { return []; }
    // Items kept by an older page have no id: their content names them alike in every tab.
    return items.map((item) => (item.id ? item : { ...item, id: JSON.stringify(item) }));
  }

  save(items) {
    localStorage.setItem(KEY, JSON.stringify(items));
    this.onChange(items.length, this.problem);
  }

  push(url, body) {
    const items = this.items();
    items.push({ id: newId(), url, body });
    this.save(items);
    this.flush();
  }

  pending() { return this.items().length; }

  // Send what waits; resolves when this round ends (all sent, or a retry planned).
  flush() {
    if (!this.sending) {
      clearTimeout(this.timer);
      const locks = globalThis.navigator && navigator.locks;
      const round = locks ? locks.request(KEY, () => this.send()) : this.send();
      this.sending = round.finally(() => { this.sending = null; });
    }
    return this.sending;
  }

  async send() {
    for (;;) {
      const items = this.items();
      if (items.length === 0) { this.failures = 0; this.problem = null; this.onChange(0, null); return; }
      const item = items[0];
      let status = 0;
      let reply = null;
      let after = 0;
      try {
        const response = await fetch(item.url, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": this.token },
          body: JSON.stringify(item.body),
          credentials: "same-origin",
        });
        status = response.status;
        after = Number(response.headers.get("Retry-After")) || 0;
        reply = await response.json().catch(() => null);
      } catch { status = 0; }
      if (status === 0 || status >= 500 || status === 403 || status === 429) {
        this.failures += 1;
        this.problem = status === 0 ? "down" : (reply && reply.cause) || "other";
        this.onChange(items.length, this.problem);
        const wait = Math.max(RETRY_MS[Math.min(this.failures - 1, RETRY_MS.length - 1)], after * 1000);
        this.timer = setTimeout(() => this.flush(), wait);
        return;
      }
      this.failures = 0;
      this.problem = null;
      this.save(this.items().filter((other) => other.id !== item.id));
      if (reply && Array.isArray(reply.messages) && reply.messages.length) {
        document.dispatchEvent(new CustomEvent("easeback:said", { detail: reply.messages }));
      }
      if (status >= 400) {
        document.dispatchEvent(new CustomEvent("easeback:refused", { detail: { status, reply } }));
      }
    }
  }
}
