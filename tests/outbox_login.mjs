// A phone's outbox while its login has ended on a clinic's server: the server answers
// 401 until the person logs in again. Prints, as JSON, what the server received, what
// was left waiting and the problem the page was told, after the 401s and after the
// login.
const store = {};
globalThis.localStorage = {
  getItem: (k) => store[k] ?? null,
  setItem: (k, v) => { store[k] = v; },
};
globalThis.window = { addEventListener() {} };
globalThis.document = { dispatchEvent() {} };
globalThis.CustomEvent = class { constructor(type, init) { this.type = type; this.detail = init; } };
globalThis.setTimeout = () => 0; // retries are driven by hand below (no waiting)
globalThis.clearTimeout = () => {};

let loggedIn = false;
const received = [];
globalThis.fetch = async (url, options) => {
  if (!loggedIn) {
    return { status: 401, headers: { get: () => null }, json: async () => ({ detail: "Log in first.", cause: null }) };
  }
  received.push(JSON.parse(options.body).events[0].kind);
  return { status: 200, headers: { get: () => null }, json: async () => ({ messages: [] }) };
};

const { Outbox } = await import(process.argv[2]);
let told = null;
const outbox = new Outbox("t", (count, problem) => { told = problem; });
// Each push starts a round of sending; wait until every round has ended.
const settled = async () => { await outbox.flush(); while (outbox.sending) await outbox.sending; };
for (const kind of ["phase", "pain_stop"]) outbox.push("/api/sessions/s/events", { events: [{ kind }] });
await settled();
const expired = { received: [...received], left: outbox.items().length, problem: told };
loggedIn = true;
await settled();
console.log(JSON.stringify({ expired, again: { received, left: outbox.items().length, problem: told } }));
