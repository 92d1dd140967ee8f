// Two easeback tabs sharing one outbox (the same localStorage), with the server
// refusing some sends (503, as when another program holds the store). Prints, as
// JSON, for each trial which kinds the server received and how many items were left.
const store = {};
globalThis.localStorage = {
  getItem: (k) => store[k] ?? null,
  setItem: (k, v) => { store[k] = v; },
};
globalThis.window = { addEventListener() {} };
globalThis.document = { dispatchEvent() {} };
globalThis.CustomEvent = class { constructor(type, init) { this.type = type; this.detail = init; } };

let call = 0;
const received = [];
globalThis.fetch = async (url, options) => {
  call += 1;
  await new Promise((resolve) => setTimeout(resolve, 1 + (call % 4)));
  if (call % 3 === 0) {  // every third answer: the store is held
    return { status: 503, headers: { get: () => "0" }, json: async () => ({ cause: "locked" }) };
  }
  received.push(JSON.parse(options.body).events[0].kind);
  return { status: 200, headers: { get: () => null }, json: async () => ({ messages: [] }) };
};

const { Outbox } = await import(process.argv[2]);
const trials = [];
for (let trial = 0; trial < 12; trial += 1) {
  received.length = 0;
  call = trial;  // a different interleaving each time
  const player = new Outbox("t");
  for (const kind of ["phase", "paused", "resumed", "pain_stop"]) {
    player.items();  // as a page reads before it writes
    localStorage.setItem("easeback-outbox", JSON.stringify([
      ...player.items(),
      { id: `${trial}-${kind}`, url: "/api/sessions/s/events", body: { events: [{ kind }] } },
    ]));
  }
  const other = new Outbox("t");  // another page opens and flushes too
  await Promise.all([player.flush(), other.flush()]);
  for (let round = 0; round < 50 && player.items().length; round += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    await Promise.all([player.flush(), other.flush()]);
  }
  trials.push({ received: [...new Set(received)], left: player.items().length });
}
console.log(JSON.stringify(trials));
