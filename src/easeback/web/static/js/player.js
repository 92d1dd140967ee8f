// Plays a timeline on a clock the caller supplies: a line-for-line port of
// easeback/core/player.py, so the browser keeps the terminal's timing rules.
// Every method takes `now` (seconds) and returns the events it caused. One origin
// (the clock time of timeline offset 0) gives every deadline, so nothing drifts.
// A test plays the same inputs through both players and compares the events.

export class Player {
  constructor(timeline, speed = 1) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new Error("speed must be a positive number");
    this.timeline = timeline;
    this.phases = timeline.phases;
    this.total = timeline.total_ms;
    this.speed = speed;
    this.state = "ready";
    this.outcome = null;
    this.index = 0;
    this.startedAt = null;
    this.origin = 0;
    this.pausedAt = null;
    this.endedAt = 0;
  }

  get ended() { return this.state === "ended"; }
  get phase() { return this.phases[this.index]; }
  get nextPhase() { return this.index + 1 < this.phases.length ? this.phases[this.index + 1] : null; }

  deadline(index) { return this.origin + this.phases[index].start_ms / 1000 / this.speed; }

  positionMs(now) {
    if (this.state === "ready") return 0;
    let ref = this.pausedAt !== null ? this.pausedAt : now;
    if (this.state === "ended" && this.pausedAt === null) ref = Math.min(now, this.endedAt);
    const position = Math.floor((ref - this.origin) * this.speed * 1000 + 1e-3);
    return Math.min(this.total, Math.max(0, position));
  }

  remainingMs(now) { return Math.max(0, this.phase.start_ms + this.phase.duration_ms - this.positionMs(now)); }
  countdown(now) { return Math.ceil(this.remainingMs(now) / 1000); }

  nextWake(now) {
    if (this.state !== "playing") return null;
    if (this.nextPhase === null) return null;
    const shown = this.countdown(now);
    if (shown > 1) {
      const tickPos = this.phase.start_ms + this.phase.duration_ms - (shown - 1) * 1000;
      return Math.min(this.deadline(this.index + 1), this.origin + tickPos / 1000 / this.speed);
    }
    return this.deadline(this.index + 1);
  }

  start(now) {
    if (this.state !== "ready") return [];
    this.state = "playing";
    this.startedAt = now;
    this.origin = now;
    const events = [ev("started", 0, now, now, 0), ev("phase", 0, now, now, 0)];
    return events.concat(this.arrive(now));
  }

  tick(now) { return this.state === "playing" ? this.arrive(now) : []; }

  pause(now) {
    if (this.state !== "playing") return [];
    const events = this.arrive(now);
    if (this.state !== "playing") return events;
    this.state = "paused";
    this.pausedAt = now;
    return events.concat([this.event("paused", now)]);
  }

  resume(now) {
    if (this.state !== "paused" || this.pausedAt === null) return [];
    this.origin += now - this.pausedAt;
    this.pausedAt = null;
    this.state = "playing";
    return [this.event("resumed", now)];
  }

  togglePause(now) { return this.state === "paused" ? this.resume(now) : this.pause(now); }

  skip(now) {
    if (this.state !== "playing" && this.state !== "paused") return [];
    const events = this.state === "playing" ? this.arrive(now) : [];
    const nxt = this.nextPhase;
    if (this.ended || nxt === null) return events;
    events.push(this.event("skipped", now));
    const ref = this.pausedAt !== null ? this.pausedAt : now;
    this.origin = ref - nxt.start_ms / 1000 / this.speed;
    this.index += 1;
    events.push(ev("phase", this.index, now, now, nxt.start_ms));
    if (this.nextPhase === null) events.push(...this.finish(this.deadline(this.index), now));
    return events;
  }

  painStop(now) { return this.stop("pain_stop", now); }
  quit(now) { return this.stop("quit", now); }

  stop(kind, now) {
    if (this.state !== "playing" && this.state !== "paused") return [];
    const events = this.state === "playing" ? this.arrive(now, false) : [];
    events.push(this.event(kind, now));
    this.state = "ended";
    this.outcome = kind;
    this.endedAt = now;
    return events;
  }

  event(kind, now) { return ev(kind, this.index, now, now, this.positionMs(now)); }

  arrive(now, finish = true) {
    const events = [];
    const last = finish ? this.phases.length : this.phases.length - 1;
    while (this.index + 1 < last && this.deadline(this.index + 1) <= now) {
      this.index += 1;
      events.push(ev("phase", this.index, this.deadline(this.index), now, this.phases[this.index].start_ms));
    }
    if (this.index + 1 === this.phases.length && this.state === "playing") {
      events.push(...this.finish(this.deadline(this.index), now));
    }
    return events;
  }

  finish(due, now) {
    this.state = "ended";
    this.outcome = "completed";
    this.pausedAt = null;
    this.endedAt = due;
    return [ev("completed", this.index, due, now, this.total)];
  }
}

function ev(kind, phase, due, at, position_ms) {
  return { kind, phase, due, at, position_ms };
}
