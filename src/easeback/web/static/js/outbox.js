// Requests that must reach the server, kept in this browser until they do.
// Each item is a POST whose body carries client-made ids, so sending it twice is
// harmless: the server stores each event once. Items go in order, one at a time;
// when the server does not answer they wait (in localStorage, so a reload or a
// closed tab keeps them) and are retried.

const KEY = "easeback-outbox";
const RETRY_MS = [500, 1000, 2000, 4000];

export class Outbox {
  constructor(token, onChange = () => {}) {
    this.token = token;
    this.onChange = onChange;
    this.sending = false;
    this.failures = 0;
    this.timer = null;
    window.addEventListener("online", () => this.flush());
  }

  items() {
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch { return []; }
  }

  save(items) {
    localStorage.setItem(KEY, JSON.stringify(items));
    this.onChange(items.length, this.failures > 0);
  }

  push(url, body) {
    const items = this.items();
    items.push({ url, body });
    this.save(items);
    this.flush();
  }

  pending() { return this.items().length; }

  async flush() {
    if (this.sending) return;
    this.sending = true;
    clearTimeout(this.timer);
    try {
      for (;;) {
        const items = this.items();
        if (items.length === 0) { this.failures = 0; this.onChange(0, false); return; }
        const item = items[0];
        let status = 0;
        let reply = null;
        try {
          const response = await fetch(item.url, {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-CSRF-Token": this.token },
            body: JSON.stringify(item.body),
            credentials: "same-origin",
          });
          status = response.status;
          reply = await response.json().catch(() => null);
        } catch { status = 0; }
        if (status === 0 || status >= 500 || status === 403 || status === 429) {
          this.failures += 1;
          this.onChange(items.length, true);
          const wait = RETRY_MS[Math.min(this.failures - 1, RETRY_MS.length - 1)];
          this.timer = setTimeout(() => this.flush(), wait);
          return;
        }
        this.failures = 0;
        const rest = this.items().slice(1);
        this.save(rest);
        if (reply && Array.isArray(reply.messages) && reply.messages.length) {
          document.dispatchEvent(new CustomEvent("easeback:said", { detail: reply.messages }));
        }
        if (status >= 400) {
          document.dispatchEvent(new CustomEvent("easeback:refused", { detail: { status, reply } }));
        }
      }
    } finally {
      this.sending = false;
    }
  }
}
