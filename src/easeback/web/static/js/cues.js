// What a person hears, feels and sees at each phase change, so the routine can be
// followed without looking: a beep scheduled ahead on the Web Audio clock, the
// phase's words spoken by the browser, a short vibration, and a visible flash; and
// soft ticks in a hold's last seconds. The pitches are the audio track's too: the
// server puts cue-sounds.json (read by easeback/audio/sounds.py) in the player's
// data-sounds, so both modes sound alike. (Read from the page rather than imported as
// JSON: import attributes are a syntax error in browsers older than 2024.)

const SOUNDS = JSON.parse(document.getElementById("player").dataset.sounds);
const LOOKAHEAD_S = 0.1;
const PITCH = SOUNDS.pitch_hz;

export class Cues {
  constructor(flashElement) {
    this.flashElement = flashElement;
    this.audio = null;
    this.speak = true;
    this.scheduled = new Map(); // phase index (or a tick's key) -> oscillator
  }

  // Called from the click or key that starts a session: browsers allow sound only then.
  unlock() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (Context && !this.audio) {
      try { this.audio = new Context(); } catch { this.audio = null; }
    }
    if (this.audio && this.audio.state === "suspended") this.audio.resume();
  }

  // Schedule the beep of phase `index`, due at `dueS` on the performance clock
  // (seconds), when it falls within the lookahead; played by the audio clock, so a
  // busy page cannot make it late.
  plan(index, kind, dueS, nowS) {
    if (!this.audio || this.scheduled.has(index) || dueS - nowS > LOOKAHEAD_S) return;
    const when = this.audio.currentTime + Math.max(0, dueS - nowS);
    this.scheduled.set(index, this.beep(kind, when));
  }

  cancelPlanned() {
    for (const oscillator of this.scheduled.values()) {
      if (oscillator) { try { oscillator.stop(); } catch { /* already stopped */ } }
    }
    this.scheduled.clear();
  }

  // A tick of a hold's last seconds (`key` names it once), due at `dueS` on the
  // performance clock, scheduled like a beep when it falls within the lookahead.
  planTick(key, dueS, nowS) {
    if (!this.audio || this.scheduled.has(key) || dueS - nowS > LOOKAHEAD_S || dueS < nowS) return;
    const when = this.audio.currentTime + (dueS - nowS);
    this.scheduled.set(key, this.tone(SOUNDS.tick_hz, when, 0.15, SOUNDS.tick_s));
  }

  beep(kind, when) {
    return this.tone(PITCH[kind] || 660, when, 0.3, SOUNDS.beep_s);
  }

  tone(hz, when, peak, seconds) {
    if (!this.audio) return null;
    const oscillator = this.audio.createOscillator();
    const gain = this.audio.createGain();
    oscillator.frequency.value = hz;
    gain.gain.setValueAtTime(0.0001, when);
    gain.gain.exponentialRampToValueAtTime(peak, when + 0.005);
    gain.gain.exponentialRampToValueAtTime(0.0001, when + Math.max(seconds * 0.8, seconds - 0.05));
    oscillator.connect(gain).connect(this.audio.destination);
    oscillator.start(when);
    oscillator.stop(when + seconds);
    return oscillator;
  }

  // A phase has begun: beep now unless it was scheduled, then words, buzz and flash.
  phase(index, phase) {
    if (!this.scheduled.has(index) && this.audio) this.beep(phase.kind, this.audio.currentTime);
    this.scheduled.delete(index);
    this.say(phase.say);
    if (navigator.vibrate) navigator.vibrate(phase.kind === "hold" ? [120] : [60]);
    this.flash();
  }

  say(text) {
    if (!this.speak || !text || !window.speechSynthesis) return;
    window.speechSynthesis.cancel();
    const utterance = new SpeechSynthesisUtterance(text);
    // Only a voice on this device: a network voice would send the words elsewhere.
    const local = window.speechSynthesis.getVoices().filter((v) => v.localService);
    if (local.length) utterance.voice = local.find((v) => v.default) || local[0];
    else if (window.speechSynthesis.getVoices().length) return; // none local: beeps only
    window.speechSynthesis.speak(utterance);
  }

  silence() {
    if (window.speechSynthesis) window.speechSynthesis.cancel();
  }

  flash() {
    const element = this.flashElement;
    if (!element) return;
    element.classList.remove("on");
    void element.offsetWidth; // restart the flash
    element.classList.add("on");
    setTimeout(() => element.classList.remove("on"), 400);
  }
}
