// "Play as one audio track (screen can be off)": the whole session as one recording
// the server made from its timeline (beeps, words, the last seconds' ticks), played
// by an <audio> element. The session's clock is then the element's currentTime, so
// a locked phone (whose timers the browser holds back) neither stops nor shifts the
// session: whenever the page runs again it catches up to where the sound is. The
// lock screen shows the stretch (Media Session API) and its pause pauses the session.

const ICON = new URL("../icon.svg", import.meta.url).href;

export class Track {
  constructor(audio) {
    this.audio = audio;
    this.on = false; // the track is sounding (from load to the session's end)
    this.timing = false; // the session's clock is the track's (from load, unless left)
    this.shift = 0; // session clock = currentTime + shift (a skip seeks, the clock goes on)
    this.frozen = null; // the clock's last value once the track is stopped
  }

  // The format this browser plays: Ogg Opus where it can, MP3 otherwise.
  get format() {
    return this.audio.canPlayType("audio/ogg; codecs=opus") ? "opus" : "mp3";
  }

  now() {
    return this.frozen !== null ? this.frozen : this.audio.currentTime + this.shift;
  }

  // Called in the tap on Begin, before anything is awaited: an element loaded in the
  // tap may play later (iOS Safari asks that); with nothing to load, nothing happens.
  prime() {
    try { this.audio.load(); } catch { /* nothing to prime */ }
  }

  // Load the session's track, with the spoken words or (`words` false) the tones
  // alone; the clock stands at 0 until the sound plays.
  load(sessionId, words = true) {
    this.on = true;
    this.timing = true;
    this.audio.src = `/api/sessions/${sessionId}/track.${this.format}${words ? "" : "?words=0"}`;
    this.audio.preload = "auto";
    this.audio.load();
  }

  play() {
    return this.audio.play();
  }

  // Jump the sound to `seconds` into the session (a skip) without moving the clock.
  seek(seconds) {
    const now = this.now();
    this.audio.currentTime = seconds;
    this.shift = now - seconds;
  }

  // The session is over: no more sound, and the clock keeps its last value.
  stop() {
    if (!this.on) return;
    this.frozen = this.now();
    this.on = false;
    this.audio.pause();
    this.audio.removeAttribute("src");
    this.audio.load();
    forgetLockScreen();
  }

  // Leave the track and go on with the page's own clock and sounds (the track
  // could not play): returns the clock's value at the switch.
  abandon() {
    const at = this.now();
    this.stop();
    this.timing = false;
    return at;
  }
}

// What the lock screen shows and offers while the track plays.
export function showOnLockScreen(title, album) {
  if (!("mediaSession" in navigator) || typeof MediaMetadata === "undefined") return;
  navigator.mediaSession.metadata = new MediaMetadata({
    title,
    artist: "easeback",
    album,
    artwork: [{ src: ICON, sizes: "any", type: "image/svg+xml" }],
  });
}

// Play and pause from the lock screen act on the sound, and through its events on
// the session; seeking is not offered (the session's time is the timeline's).
export function lockScreenControls(audio) {
  if (!("mediaSession" in navigator)) return;
  const set = (action, handler) => {
    try { navigator.mediaSession.setActionHandler(action, handler); } catch { /* not supported here */ }
  };
  set("play", () => audio.play().catch(() => {})); // a refusal shows as no sound, nothing more
  set("pause", () => audio.pause());
  set("stop", () => audio.pause());
  for (const action of ["seekto", "seekbackward", "seekforward", "previoustrack", "nexttrack"]) set(action, null);
}

// The session is over: the lock screen no longer shows it or offers its buttons.
function forgetLockScreen() {
  if (!("mediaSession" in navigator)) return;
  navigator.mediaSession.metadata = null;
  navigator.mediaSession.playbackState = "none";
  for (const action of ["play", "pause", "stop"]) {
    try { navigator.mediaSession.setActionHandler(action, null); } catch { /* not supported here */ }
  }
}
