// The player's picture (issue 15): the step's moving picture, inlined so it takes the
// page's colours, held still by its own clock and set to the point the player's
// clock has reached. So it moves with the session: paused when the session pauses,
// at the right place after a skip, and under a test's fake clock. With reduced
// motion asked for, it shows where the step starts or its hold, without moving.

const pictures = new Map(); // address -> Promise of the picture's SVG element (or null)

// A picture that could not be fetched is forgotten, so a later phase asks again.
function load(src) {
  if (!pictures.has(src)) {
    const parsed = fetch(src)
      .then((response) => (response.ok ? response.text() : ""))
      .then((text) => {
        const doc = new DOMParser().parseFromString(text, "image/svg+xml");
        const svg = doc.documentElement;
        return svg && svg.localName === "svg" ? svg : null;
      })
      .catch(() => null)
      .then((svg) => {
        if (!svg) pictures.delete(src);
        return svg;
      });
    pictures.set(src, parsed);
  }
  return pictures.get(src);
}

const clamp = (x) => Math.min(1, Math.max(0, x));
const HOLD_MOVE_MS = 3000; // a hold's picture reaches the held position within 3 s

// How far from the start (0) to the hold (1) the picture is, at ``elapsed`` ms of a
// phase lasting ``duration`` ms. Linear here: the picture's own move is eased.
export function progress(motion, elapsed, duration, still) {
  const t = duration > 0 ? clamp(elapsed / duration) : 1;
  if (motion === "hold") return still ? 1 : clamp(elapsed / Math.min(HOLD_MOVE_MS, duration / 2));
  if (still) return 0;
  if (motion === "show") return t < 0.5 ? t / 0.5 : t < 0.7 ? 1 : 1 - (t - 0.7) / 0.3;
  if (motion === "release") return 1 - t;
  return 0;
}

export class FigureView {
  // ``box`` holds the picture; ``timing()`` gives {elapsed, duration, playing} of the
  // phase now playing, or null when nothing plays.
  constructor(box, timing) {
    this.box = box;
    this.timing = timing;
    this.figure = null;
    this.svg = null;
    this.frame = 0;
    this.shown = null; // the point of the move last set
    this.phase = null; // the phase the picture was last asked for
    this.reduced = window.matchMedia("(prefers-reduced-motion: reduce)");
  }

  // Every address the session will show, fetched now, so no step waits for one.
  preload(labels) {
    for (const words of labels) if (words.figure) load(words.figure.src);
  }

  // ``phase``: the phase it is shown for; a picture that failed is asked for again
  // when the phase changes.
  show(figure, phase) {
    const newPhase = phase !== this.phase;
    this.phase = phase;
    if (!figure) {
      this.figure = null;
      this.svg = null;
      this.box.replaceChildren();
      return;
    }
    const changed = !this.figure || this.figure.src !== figure.src || (!this.svg && newPhase);
    this.figure = figure;
    if (changed) {
      this.svg = null;
      const src = figure.src;
      load(src).then((svg) => {
        if (!svg || !this.figure || this.figure.src !== src || this.svg) return;
        const copy = document.importNode(svg, true);
        // In the document first: a browser may ignore pausing an SVG that is not (Gecko
        // does), and the picture would then run on its own, reduced motion or not.
        this.box.replaceChildren(copy);
        copy.pauseAnimations();
        this.svg = copy;
        this.shown = null;
        this.update();
      });
    }
    this.update();
  }

  // Sets the picture to where the clock is, and again each frame while it can move
  // (only when that point changes). A settled picture (a hold reached, a still one,
  // reduced motion) or a paused session asks for no more frames; the player's next
  // render (a phase, a resume) starts again.
  update() {
    cancelAnimationFrame(this.frame);
    const timing = this.timing();
    if (!this.figure || !timing) return;
    const motion = this.figure.motion;
    const p = progress(motion, timing.elapsed, timing.duration, this.reduced.matches);
    if (this.svg && p !== this.shown) {
      this.svg.setCurrentTime(Math.min(p, 0.999));
      this.shown = p;
    }
    const settled = !timing.playing || this.reduced.matches || motion === "still" || (motion === "hold" && p >= 1);
    if (!settled) this.frame = requestAnimationFrame(() => this.update());
  }

  stop() {
    cancelAnimationFrame(this.frame);
  }
}
