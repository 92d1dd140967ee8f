// Read .ics files the way two JavaScript calendar libraries do, for tests/test_calendar_clients.py.
//
// ical.js computes local times from the file's own VTIMEZONE (it knows no zone names);
// node-ical reads the TZID as an IANA name. Input on stdin, as JSON:
//   {"files": [path, ...], "from": unix seconds, "to": unix seconds,
//    "walls": {"Europe/London": [[year, month, day, hour, minute], ...], ...}}
// Output on stdout, as JSON, for each file:
//   {"icaljs": {"events": {uid: {"status", "sequence", "starts": [unix seconds]}},
//               "walls": {tzid: [unix seconds of each wall-clock time, in that zone]}},
//    "nodeical": {"events": {uid: {"status", "sequence", "starts": [unix seconds]}}}}
// Only the occurrences that start in [from, to] are listed.

import { readFileSync } from "node:fs";
import ICAL from "ical.js";
import nodeIcal from "node-ical";

const request = JSON.parse(readFileSync(0, "utf8"));

function icaljs(text) {
  const root = new ICAL.Component(ICAL.parse(text));
  ICAL.TimezoneService.reset();
  for (const zone of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(zone);
  }
  const events = {};
  for (const component of root.getAllSubcomponents("vevent")) {
    const event = new ICAL.Event(component);
    const starts = [];
    const iterator = event.iterator();
    for (let next = iterator.next(); next; next = iterator.next()) {
      const at = next.toUnixTime();
      if (at > request.to) break;
      if (at >= request.from) starts.push(at);
    }
    events[event.uid] = {
      status: component.getFirstPropertyValue("status"),
      sequence: event.sequence,
      starts,
    };
  }
  const walls = {};
  for (const [tzid, times] of Object.entries(request.walls ?? {})) {
    const zone = ICAL.TimezoneService.get(tzid);
    if (!zone) continue;
    walls[tzid] = times.map(([year, month, day, hour, minute]) =>
      new ICAL.Time({ year, month, day, hour, minute, second: 0 }, zone).toUnixTime(),
    );
  }
  return { events, walls };
}

function nodeical(text) {
  const events = {};
  for (const entry of Object.values(nodeIcal.sync.parseICS(text))) {
    if (entry.type !== "VEVENT") continue;
    const instances = nodeIcal.expandRecurringEvent(entry, {
      from: new Date(request.from * 1000),
      to: new Date(request.to * 1000),
    });
    events[entry.uid] = {
      status: entry.status ?? null,
      sequence: entry.sequence === undefined ? null : Number(entry.sequence),
      starts: instances.map((instance) => instance.start.getTime() / 1000),
    };
  }
  return { events };
}

const out = {};
for (const path of request.files) {
  const text = readFileSync(path, "utf8");
  out[path] = { icaljs: icaljs(text), nodeical: nodeical(text) };
}
process.stdout.write(JSON.stringify(out));
