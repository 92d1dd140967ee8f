// The player page: asks the pain question, opens the session on the server, plays
// the timeline the server made with player.js on a clock (performance.now(), or the
// audio track's own time when the session plays by ear), and sends every event
// through the outbox. No timing rule lives here.

import { Player } from "./player.js";
import { Outbox } from "./outbox.js";
import { Cues } from "./cues.js";
import { FigureView } from "./figure.js";
import { Track, showOnLockScreen, lockScreenControls } from "./track.js"; // audio part

const root = document.getElementById("player");
const $ = (id) => document.getElementById(id);
const token = document.querySelector('meta[name="csrf-token"]').content;
// --- audio part: the clock. The page's own (performance.now) or, with "Play as one
// audio track", the track's: currentTime, so a locked phone does not stop or shift the
// session. `pageShift` keeps the page's clock going on from the track's if the track
// has to be left.
const track = new Track($("track-audio"));
let pageShift = 0;
const TRACK_WAKE_MS = 200;
const clock = () => (track.timing ? track.now() : performance.now() / 1000 + pageShift);
// --- end of the clock

// The words for saving that is delayed, by its cause, and for catching up again.
const causes = JSON.parse(root.dataset.causes);
const because = (problem) => causes[problem] || causes.other;
const syncNote = $("sync");
let delayed = false;
const outbox = new Outbox(token, (count, problem) => {
  if (problem) {
    delayed = true;
    const records = `${count} ${count === 1 ? "record" : "records"}`;
    syncNote.textContent = root.dataset.savingDelayed.replace("{cause}", because(problem)).replace("{count}", records);
  } else if (count === 0 && delayed) {
    delayed = false;
    syncNote.textContent = root.dataset.savedAgain;
  }
});
const cues = new Cues($("flash"));
// The figure (pictures, issue 15): moved by the session's clock, where in its phase.
const figureView = new FigureView($("figure-art"), () => {
  const player = state.player;
  if (!player || player.ended) return null;
  return { elapsed: player.positionMs(clock()) - player.phase.start_ms, duration: player.phase.duration_ms, playing: player.state === "playing" };
});
// `wallStart`: performance.now() at Begin. Events' offset_ms count from it, pauses and
// a track's loading included, whatever clock the session follows.
const state = { player: null, session: null, labels: [], seq: 0, timer: null, scheduler: null, wakeLock: null, wallStart: 0 };
window.easeback = { timing: [], state, outbox };
window.easeback.cues = cues; // audio part: tests listen to what the page sounds

outbox.flush(); // anything left from an earlier page goes first

function pickedPain(name) {
  const checked = document.querySelector(`input[name="${name}"]:checked`);
  return checked ? Number(checked.value) : null;
}

// What the page needs to begin with no network (the timeline, its words, and whether
// the safety rules allowed a session when easeback was last reached): the service
// worker fetched and kept it when this page was opened (install.js asks it to), and
// answers with that copy when there is no network.
function keptPlan() {
  const address = `/api/play?${new URLSearchParams(root.dataset.slot ? { slot: root.dataset.slot } : root.dataset.routine ? { routine: root.dataset.routine } : {})}`;
  return fetch(address, { credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : null))
    .catch(() => null);
}

// Whether a pain stop waits on this device, not yet seen by the safety rules.
async function painStopWaiting() {
  const items = await outbox.all();
  return items.some((item) => item.body && Array.isArray(item.body.events) && item.body.events.some((e) => e.kind === "pain_stop"));
}

async function begin(event) {
  event.preventDefault();
  cues.unlock();
  // audio part: iOS lets an <audio> element play later only if it was touched in the
  // tap itself, and the track starts after two awaits: load it now (nothing to play yet).
  if (trackChosen() && Number(root.dataset.speed) === 1) track.prime();
  const button = $("begin");
  button.disabled = true;
  $("begin-error").textContent = "";
  // Records left from an earlier session (a pain stop among them, perhaps) reach
  // the server first, so its safety rules see them before this session opens. With
  // no network they wait, and this session waits behind them.
  await outbox.flush();
  const offline = outbox.problem === "down";
  if (outbox.pending() > 0 && !offline) {
    notStarted(root.dataset.beginDelayed.replace("{cause}", because(outbox.problem)));
    return;
  }
  if (offline && (await painStopWaiting())) {
    notStarted(root.dataset.painWaiting);
    return;
  }
  // The page makes the session itself (its id, when and where it began), so the same
  // request can be sent now or, with no network, later from the outbox.
  const body = {
    id: crypto.randomUUID(),
    started: new Date().toISOString(),
    zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    speed: Number(root.dataset.speed),
    pain_before: pickedPain("pain_before"),
  };
  if (root.dataset.routine) body.routine = root.dataset.routine;
  if (root.dataset.slot) body.slot = root.dataset.slot;
  let reply = null;
  if (!offline) {
    let response = null;
    try {
      response = await fetch("/api/sessions", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
      reply = await response.json();
    } catch {
      response = null; // no answer: begin from what this device kept
    }
    if (response && !response.ok) {
      // A store that cannot save just now is named by its cause, as the outbox does;
      // any other refusal (the safety questions are due...) says its own reason.
      notStarted(response.status === 503 ? root.dataset.beginDelayed.replace("{cause}", because(reply.cause)) : reply.detail);
      return;
    }
    if (!response) reply = null;
  }
  if (!reply) {
    reply = await beginOffline(body);
    if (!reply) return;
  }
  state.session = reply;
  state.labels = reply.labels;
  figureView.preload(reply.labels);
  state.player = new Player(reply.timeline, reply.speed);
  if (trackChosen() && reply.speed === 1) startTrack(reply); // audio part
  $("progress").max = reply.timeline.total_ms;
  $("since").replaceChildren(...reply.since_last_time.map((line) => Object.assign(document.createElement("li"), { textContent: line })));
  $("before").hidden = true;
  $("stage").hidden = false;
  document.body.classList.add("playing");
  // Focus goes to the stretch's name, not the pain button, so a second Enter on
  // Begin cannot stop the session by mistake.
  $("stretch-name").focus({ preventScroll: true });
  window.scrollTo(0, 0); // the page is now the player alone, from the top
  keepAwake();
  state.wallStart = performance.now();
  handle(state.player.start(clock()));
  state.scheduler = setInterval(planBeeps, 25);
  frame();
}

// No network: play the timeline this device kept, as the safety rules allowed when
// easeback was last reached, and leave the session's opening in the outbox, ahead of
// its events. Null (and Begin given back) when there is nothing kept, or it was refused.
async function beginOffline(body) {
  const plan = await keptPlan();
  if (!plan) {
    // Nothing kept: with no network at all, say so; else easeback itself is not
    // answering (the single-user app stopped, say), as before.
    notStarted(navigator.onLine ? root.dataset.beginDelayed.replace("{cause}", because("down")) : root.dataset.notSavedOffline);
    return null;
  }
  if (!plan.allowed) {
    notStarted(plan.refusal);
    return null;
  }
  outbox.push("/api/sessions", body);
  syncNote.textContent = root.dataset.beginOffline;
  return { id: body.id, speed: body.speed, title: plan.title, since_last_time: [], timeline: plan.timeline, labels: plan.labels };
}

// The session did not open: say why, and give Begin back (focused, so Enter tries again).
function notStarted(text) {
  $("begin-error").textContent = text;
  const button = $("begin");
  button.disabled = false;
  button.focus();
}

function planBeeps() {
  const player = state.player;
  if (!player || player.state !== "playing" || player.nextPhase === null) return;
  if (track.on) return; // audio part: the track has every sound
  const index = player.index + 1;
  cues.plan(index, player.phases[index].kind, player.deadline(index), clock());
  planTicks(player); // audio part
}

// --- audio part: the soft ticks of a hold's last seconds, where the server says they
// fall (ticks_ms, ms of the timeline: the track's own rule, easeback/audio/sounds.py).
function planTicks(player) {
  const ticks = state.labels[player.index].ticks_ms || [];
  for (const at of ticks) {
    cues.planTick(`tick-${player.index}-${at}`, player.origin + at / 1000 / player.speed, clock());
  }
}

function handle(events) {
  if (!events.length) return;
  const player = state.player;
  // An event's offset: the wall time since Begin, less how far the session's clock has
  // gone past it (an event found late, on catching up, happened that much earlier).
  const wall = performance.now() - state.wallStart;
  const now = clock();
  const batch = events.map((e) => ({
    id: crypto.randomUUID(),
    seq: state.seq++,
    kind: e.kind,
    phase: e.phase,
    position_ms: e.position_ms,
    offset_ms: Math.max(0, Math.round(wall - (now - e.at) * 1000)),
    at: new Date().toISOString(),
  }));
  outbox.push(`/api/sessions/${state.session.id}/events`, { events: batch });
  for (const e of events) {
    if (e.kind === "phase") window.easeback.timing.push({ phase: e.phase, late_ms: (e.at - e.due) * 1000 });
  }
  const phaseEvents = events.filter((e) => e.kind === "phase");
  if (phaseEvents.length) {
    const last = phaseEvents[phaseEvents.length - 1];
    announce(last.phase);
    const byTrack = track.on && player.phases[last.phase].kind !== "done"; // audio part: the track sounds it
    if (!byTrack && (player.state !== "ended" || player.outcome === "completed")) cues.phase(last.phase, player.phases[last.phase]);
    if (track.on) lockScreen(last.phase); // audio part
  }
  for (const e of events) {
    if (e.kind === "resumed") frame(); // the bar moves again (it rests while paused)
    if (e.kind === "paused" || e.kind === "resumed") showPause();
    if (e.kind === "paused") releaseWake();
    if (e.kind === "resumed") keepAwake();
    if (e.kind === "skipped" || e.kind === "paused") cues.cancelPlanned();
  }
  followedByTrack(events); // audio part
  render();
  if (player.ended) finish();
  else schedule();
}

function schedule() {
  clearTimeout(state.timer);
  const wake = state.player.nextWake(clock());
  if (wake === null) return;
  const wait = Math.max(0, (wake - clock()) * 1000);
  // audio part: the track's clock and the page's timers drift apart (the sound card's
  // clock is not the system's), so on the track the page wakes at least every
  // TRACK_WAKE_MS and looks again, rather than sleeping a whole phase on the wrong clock.
  state.timer = setTimeout(loop, track.timing ? Math.min(wait, TRACK_WAKE_MS) : wait);
}

function loop() {
  if (!state.player || state.player.ended) return;
  handle(state.player.tick(clock()));
  render();
  schedule();
}

function render() {
  const player = state.player;
  const now = clock();
  const words = state.labels[player.index];
  $("countdown").textContent = String(player.countdown(now));
  $("stretch-name").textContent = words.stretch;
  showPhase(words, now);
  const progress = $("progress");
  progress.value = player.positionMs(now);
  progress.setAttribute("aria-valuetext", `${Math.round((100 * player.positionMs(now)) / player.total)}% of the routine`);
  const figure = $("figure");
  if (words.figure) delete figure.dataset.empty;
  else figure.dataset.empty = ""; // keeps its space, so nothing below it jumps
  figureView.show(words.figure, player.index);
}

// --- The player's face (issue 15) ------------------------------------------------------
// The kind of phase in words, a shape and a border (data-kind), the side, the countdown,
// a bar that empties through the phase, and where the whole routine stands. Every
// number is read from the player on the same clock as the countdown.
function showPhase(words, now) {
  const player = state.player;
  const stage = $("stage");
  if (stage.dataset.kind !== words.kind) {
    stage.dataset.kind = words.kind;
    $("phase-icon").firstElementChild.setAttribute("href", `#icon-${words.kind}`);
  }
  // A narrow screen breaks the line after the dot, never before it: "GET READY ·" over "LEFT".
  $("phase-label").textContent = words.headline.replaceAll(" · ", "\u00a0· ");
  $("phase-detail").textContent = words.detail;
  $("next").textContent = words.next;
  $("position").textContent = words.position;
  const left = player.total - player.positionMs(now);
  $("left").textContent = words.position ? `· ${clockText(left)} left` : "";
  drawBar(now);
}

// The bar shows what is left of the phase. Without reduced motion it is redrawn on
// every frame while the session plays (from the player, so a pause holds it still);
// with reduced motion only when the countdown changes.
const stillMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

function drawBar(now) {
  const player = state.player;
  const phase = player.phase;
  const share = phase.duration_ms > 0 ? player.remainingMs(now) / phase.duration_ms : 0;
  $("phase-bar-fill").style.transform = `scaleX(${Math.min(1, Math.max(0, share)).toFixed(4)})`;
}

// While paused no frame is asked for (the bar stands still; a resume starts again).
let framing = 0;
function frame() {
  cancelAnimationFrame(framing);
  const player = state.player;
  if (!player || player.ended || player.state !== "playing") return;
  if (!stillMotion.matches) drawBar(clock());
  framing = requestAnimationFrame(frame);
}

function announce(index) {
  const words = state.labels[index];
  const phase = state.player.phases[index];
  const seconds = Math.round(phase.duration_ms / 1000);
  $("live").textContent = [words.stretch, words.label, seconds ? `${seconds} seconds` : ""].filter(Boolean).join(". ");
}

function showPause() {
  const paused = state.player.state === "paused";
  const button = $("pause");
  button.textContent = paused ? "Carry on" : "Pause";
  button.setAttribute("aria-pressed", paused ? "true" : "false");
  $("paused-note").hidden = !paused;
  $("next").hidden = paused; // the note takes the line of what comes next
  if (paused) cues.silence();
}

function act(action) {
  const player = state.player;
  if (!player || player.ended) return;
  const now = clock();
  const events = { pause: () => player.togglePause(now), skip: () => player.skip(now), pain: () => player.painStop(now), quit: () => player.quit(now) }[action]();
  handle(events);
}

// Leaving mid-session asks first: End, and any link to another page, open a small
// dialog (not modal, so the pain button and keys keep working, and the session
// keeps playing meanwhile); reloading or closing the page gets the browser's own
// question. Whoever leaves anyway has the session recorded as ended early.
const leave = { opener: null, href: null };

function playing() {
  return Boolean(state.player && !state.player.ended);
}

function askToLeave(opener, href) {
  leave.opener = opener;
  leave.href = href;
  $("leave").show();
  $("leave-no").focus();
}

function stay() {
  $("leave").close();
  if (leave.opener) leave.opener.focus();
}

function endAndLeave() {
  const href = leave.href;
  $("leave").close();
  act("quit");
  if (href) window.location.assign(href);
}

document.addEventListener("click", (event) => {
  const link = event.target instanceof Element && event.target.closest("a[href]");
  if (!link || !playing() || event.defaultPrevented) return;
  const to = new URL(link.href, window.location.href);
  if (to.origin === window.location.origin && to.pathname === window.location.pathname && to.hash) return; // "skip to the content"
  event.preventDefault();
  askToLeave(link, link.href);
});
window.addEventListener("beforeunload", (event) => {
  if (!playing()) return;
  event.preventDefault();
  event.returnValue = ""; // older browsers need a value to ask
});
window.addEventListener("pagehide", () => {
  if (playing()) act("quit"); // the page goes anyway: the outbox keeps the ending
});

function finish() {
  track.stop(); // audio part: nothing more plays
  if ($("leave").open) $("leave").close();
  clearTimeout(state.timer);
  clearInterval(state.scheduler);
  figureView.stop();
  cues.cancelPlanned();
  releaseWake();
  const outcome = state.player.outcome;
  if (outcome === "pain_stop") cues.say(root.dataset.painSpoken);
  document.body.classList.remove("playing");
  $("stage").hidden = true;
  $("after").hidden = false;
  const elapsed = clockText(state.player.positionMs(clock()));
  const text = { completed: root.dataset.completed, quit: root.dataset.quit, pain_stop: root.dataset.painStop }[outcome];
  const box = $("outcome");
  box.replaceChildren(...text.replace("{elapsed}", elapsed).split("\n").map((line) => Object.assign(document.createElement("p"), { textContent: line })));
  box.classList.toggle("advice-pain", outcome === "pain_stop");
  $("after-title").focus();
}

function clockText(ms) {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

function saveAfter(event) {
  event.preventDefault();
  const skipped = event.submitter && event.submitter.value === "skip";
  const value = skipped ? null : pickedPain("pain_after");
  if (!skipped && value === null) {
    $("after-error").textContent = "Pick a number from 0 to 10, or choose Skip.";
    return;
  }
  outbox.push(`/api/sessions/${state.session.id}/pain`, { moment: "after", value });
  $("after-form").hidden = true;
  $("after-saved").hidden = false;
  $("after-saved").focus();
}

// The screen is kept awake while the session plays (Screen Wake Lock): asked for at
// Begin and on carrying on, again when the page is seen again (a hidden page loses
// it), and let go on a pause and at the end. Where the browser has no such thing, or
// says no, the session plays on and nothing is said.
let wantAwake = false;
async function keepAwake() {
  wantAwake = true;
  if (!navigator.wakeLock || state.wakeLock || document.visibilityState !== "visible") return;
  let lock = null;
  try { lock = await navigator.wakeLock.request("screen"); } catch { return; }
  if (!wantAwake || state.wakeLock) { lock.release().catch(() => {}); return; } // let go meanwhile
  state.wakeLock = lock;
  lock.addEventListener("release", () => { if (state.wakeLock === lock) state.wakeLock = null; });
}

function releaseWake() {
  wantAwake = false;
  const lock = state.wakeLock;
  state.wakeLock = null;
  if (lock) lock.release().catch(() => {});
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState !== "visible" || !state.player || state.player.ended) return;
  loop(); // catch up to where the clock says the session is
  if (state.player.state === "playing") keepAwake();
});

document.addEventListener("keydown", (event) => {
  if (!state.player || state.player.ended || event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.repeat) return; // a held key is not a second press
  const key = event.key.toLowerCase();
  // Escape in the "End the session now?" question means "no, keep going", as in any
  // dialog: never a pain stop recorded by a person who only meant to close it.
  if (key === "escape" && $("leave").open && $("leave").contains(document.activeElement)) {
    event.preventDefault();
    stay();
    return;
  }
  // Escape inside the open "Sound and keys" panel closes it, back to its summary (as a
  // panel's Escape does); anywhere else Escape is the pain stop.
  const panel = $("settings");
  if (key === "escape" && panel.open && panel.contains(document.activeElement)) {
    event.preventDefault();
    panel.open = false;
    panel.querySelector("summary").focus();
    return;
  }
  // Space keeps its own meaning on a focused control (a button, the checkboxes, the
  // panel's summary that opens it).
  const onControl = event.target instanceof HTMLElement && event.target.closest("button, input, a, summary, select, textarea, label");
  if (key === " " && onControl) return;
  const letters = $("shortcuts").checked;
  const action = { " ": "pause", escape: "pain", ...(letters ? { n: "skip", p: "pain", m: "mute" } : {}) }[key];
  if (!action) return;
  event.preventDefault();
  if (action === "mute") {
    const box = $("speak");
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change"));
    if (track.on) $("live").textContent = $("speak-note").textContent; // the track keeps its words
    return;
  }
  act(action);
});

document.addEventListener("easeback:said", (event) => {
  const list = $("said");
  for (const line of event.detail) list.append(Object.assign(document.createElement("p"), { textContent: line }));
  list.hidden = false;
});

$("begin-form").addEventListener("submit", begin);
$("after-form").addEventListener("submit", saveAfter);
$("pause").addEventListener("click", () => act("pause"));
$("skip").addEventListener("click", () => act("skip"));
$("quit").addEventListener("click", (event) => askToLeave(event.currentTarget, null));
$("pain").addEventListener("click", () => act("pain"));
$("leave-no").addEventListener("click", stay);
$("leave-yes").addEventListener("click", endAndLeave);
const shortcuts = $("shortcuts");
shortcuts.checked = localStorage.getItem("easeback-shortcuts") !== "off";
shortcuts.addEventListener("change", () => localStorage.setItem("easeback-shortcuts", shortcuts.checked ? "on" : "off"));
document.addEventListener("easeback:refused", (event) => {
  syncNote.textContent = root.dataset.refused.replace("{status}", event.detail.status);
});
const speak = $("speak");
speak.checked = localStorage.getItem("easeback-speak") !== "off";
cues.speak = speak.checked;
speak.addEventListener("change", () => {
  cues.speak = speak.checked;
  localStorage.setItem("easeback-speak", speak.checked ? "on" : "off");
  if (!speak.checked) cues.silence();
});
// --- audio part: "Play as one audio track (screen can be off)" -------------------
const trackBox = $("track");
const trackNote = $("track-note");
function trackChosen() {
  return Boolean(trackBox && trackBox.checked);
}
if (trackBox) {
  trackBox.checked = localStorage.getItem("easeback-track") === "on";
  trackBox.addEventListener("change", () => localStorage.setItem("easeback-track", trackBox.checked ? "on" : "off"));
}

// The session opened: load its track and play it; the session's clock stands at 0
// until the sound starts, so the two begin together.
function startTrack(reply) {
  track.load(reply.id, speak.checked);
  $("speak-note").hidden = false; // the words are in the track: the checkbox is for next time
  lockScreenControls(track.audio);
  trackNote.textContent = trackNote.dataset.loading;
  track.play().catch(notPlayed);
}

// play() refused: not allowed, or nothing it can play. (A play cut short by a pause,
// an AbortError, is no failure: the session is simply paused.)
function notPlayed(error) {
  if (error && error.name === "AbortError") return;
  leaveTrack();
}

// The track cannot play (refused, or not loaded): carry on with the page's own clock
// from where the session is, and with its own sounds.
function leaveTrack() {
  if (!track.on) return;
  const at = track.abandon();
  pageShift = at - performance.now() / 1000;
  trackNote.textContent = trackNote.dataset.failed;
  $("speak-note").hidden = true; // the page speaks again, as the checkbox says
  if (state.player && !state.player.ended) loop();
}

// After the page's own actions: a skip moves the sound to the new phase's start, and
// a pause or carry-on pauses or plays the sound.
function followedByTrack(events) {
  if (!track.on || !state.player) return;
  const player = state.player;
  if (events.some((e) => e.kind === "skipped") && !player.ended) track.seek(player.positionMs(clock()) / 1000);
  if (player.ended) return; // finish() stops the sound
  if (player.state === "paused" && !track.audio.paused) track.audio.pause();
  if (player.state === "playing" && track.audio.paused && !track.audio.ended) track.play().catch(notPlayed);
  if (navigator.mediaSession) navigator.mediaSession.playbackState = player.state === "paused" ? "paused" : "playing";
}

function lockScreen(index) {
  const words = state.labels[index];
  const title = [words.stretch, words.label.toLowerCase()].filter(Boolean).join(" · ");
  showOnLockScreen(title, state.session.title);
}

// The sound's own events: paused or played from the lock screen (or by the system)
// pauses or carries on the session; every time update catches the page up.
function atTheEnd() {
  // The sound has ended: the session is at its end, even if decoding left it a few
  // milliseconds short.
  const end = state.player.deadline(state.player.phases.length - 1);
  if (clock() < end) track.shift += end - clock();
  loop();
}
track.audio.addEventListener("playing", () => { trackNote.textContent = ""; });
track.audio.addEventListener("pause", () => {
  if (!track.on || !state.player) return;
  if (track.audio.ended) { atTheEnd(); return; }
  if (state.player.state === "playing") act("pause");
});
track.audio.addEventListener("play", () => {
  if (track.on && state.player && state.player.state === "paused") act("pause");
});
track.audio.addEventListener("timeupdate", () => { if (track.on) loop(); });
track.audio.addEventListener("ended", () => { if (track.on && state.player) atTheEnd(); });
track.audio.addEventListener("error", () => leaveTrack());
// --- end of the audio part

$("begin").disabled = false; // ready: the form was in place, disabled, all along
