"""A timeline as one track: the mix of cues, words and ticks, its chapters, and a small
cache of finished tracks keyed by what made them.

The mix follows the timeline and nothing else: a beep at every phase's start (its
pitch by the phase's kind, the same as the page's), the phase's words right after
it when espeak-ng is installed, and a soft tick at each of a hold's last three
seconds. The track is exactly the timeline's length; the 'done' phase starts where
the track ends, so its words are the page's (or nobody's, in a music player).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from easeback.audio.encode import FORMATS, SAMPLE_RATE, Chapter, encode
from easeback.audio.sounds import cue_sounds, tick_starts_ms
from easeback.audio.speech import SpeechError, Voice
from easeback.content.models import Library
from easeback.core.timeline import Timeline
from easeback.wording import messages

Samples = npt.NDArray[np.float32]
BEEP_PEAK = 0.3  # the page's beep gain
TICK_PEAK = 0.15
SPEECH_PEAK = 0.6
WORDS_AFTER_MS = 20  # between the beep's end and the first word
QUIET_BEFORE_MS = 150  # silence kept before the next cue, so it stands out
SPEAKERS = 4  # espeak-ng processes at once
TRACK_CACHE = 6  # finished tracks kept in memory (a 5-minute track is about 2 MB)


def ms(value: float) -> int:
    """Milliseconds as a sample count at the track's rate."""
    return round(value * SAMPLE_RATE / 1000)


def tone(hz: float, seconds: float, peak: float, decay_s: float) -> Samples:
    """A sine that rises in 5 ms and dies away: a beep (long decay) or a tick (short)."""
    t = np.arange(int(seconds * SAMPLE_RATE), dtype=np.float64) / SAMPLE_RATE
    rise = np.minimum(1.0, t / 0.005)
    envelope = peak * rise * np.exp(-np.maximum(0.0, t - 0.005) / decay_s)
    return (envelope * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def add(buffer: Samples, sound: Samples, at: int) -> None:
    end = min(len(buffer), at + len(sound))
    if at < end:
        buffer[at:end] += sound[: end - at]


def words_window_ms(kind: str, start_ms: int, end_ms: int) -> tuple[int, int]:
    """Where a phase's words may sound: after its beep, and quiet before the next cue
    (before the first tick of a hold, when that leaves room for a sentence)."""
    begin = start_ms + int(cue_sounds().beep_s * 1000) + WORDS_AFTER_MS
    limit = end_ms - QUIET_BEFORE_MS
    if kind == "hold":
        ticks = tick_starts_ms(start_ms, end_ms)
        if ticks and ticks[0] - QUIET_BEFORE_MS - begin >= 2500:
            limit = ticks[0] - QUIET_BEFORE_MS
    return begin, limit


def spoken_words(timeline: Timeline, voice: Voice | None) -> list[tuple[int, Samples] | None]:
    """Each phase's words as samples, with where they start (ms); None where nothing is
    said. espeak-ng runs for several phrases at once (each in its own process)."""

    def words(index: int) -> tuple[int, Samples] | None:
        phase = timeline.phases[index]
        if voice is None or not phase.say or phase.start_ms >= timeline.total_ms:
            return None
        begin, limit = words_window_ms(phase.kind, phase.start_ms, phase.end_ms)
        room = ms(limit) - ms(begin)
        return (begin, voice.fit(phase.say, room, SAMPLE_RATE)) if room > 0 else None

    with ThreadPoolExecutor(max_workers=SPEAKERS) as pool:
        return list(pool.map(words, range(len(timeline.phases))))


def mix(timeline: Timeline, voice: Voice | None) -> Samples:
    """The whole session as float samples at 48 kHz, exactly ``total_ms`` long."""
    sounds = cue_sounds()
    said = spoken_words(timeline, voice)
    buffer = np.zeros(ms(timeline.total_ms), dtype=np.float32)
    beeps = {kind: tone(hz, sounds.beep_s, BEEP_PEAK, 0.03) for kind, hz in sounds.pitch_hz.items()}
    tick = tone(sounds.tick_hz, sounds.tick_s, TICK_PEAK, 0.012)
    for phase, words in zip(timeline.phases, said, strict=True):
        if phase.start_ms >= timeline.total_ms:
            continue  # 'done' starts where the track ends
        if phase.kind not in beeps:
            beeps[phase.kind] = tone(sounds.pitch(phase.kind), sounds.beep_s, BEEP_PEAK, 0.03)
        add(buffer, beeps[phase.kind], ms(phase.start_ms))
        if phase.kind == "hold":
            for at in tick_starts_ms(phase.start_ms, phase.end_ms):
                add(buffer, tick, ms(at))
        if words is not None:
            begin, spoken = words
            peak = float(np.max(np.abs(spoken))) if len(spoken) else 0.0
            if peak > 0:
                add(buffer, spoken * np.float32(SPEECH_PEAK / peak), ms(begin))
    np.clip(buffer, -1.0, 1.0, out=buffer)
    return buffer


def chapters(timeline: Timeline, library: Library) -> list[Chapter]:
    """A chapter per stretch, named for it, from its first phase to the next one's."""
    starts: list[tuple[str, int]] = []
    for phase in timeline.phases:
        if phase.stretch is None or (starts and starts[-1][0] == phase.stretch):
            continue
        starts.append((phase.stretch, phase.start_ms))
    out = []
    for index, (stretch_id, start) in enumerate(starts):
        end = starts[index + 1][1] if index + 1 < len(starts) else timeline.total_ms
        found = library.get(stretch_id)
        out.append(Chapter(found.name if found else stretch_id, start, end))
    return out


@dataclass(frozen=True)
class Track:
    """A finished track and what a person is told about it."""

    data: bytes
    format: str
    media_type: str
    total_ms: int
    chapters: tuple[Chapter, ...]
    spoken: bool
    tones_only_why: str | None  # None when words are spoken
    key: str  # a hash of everything that made it: the ETag and the cache key


_cache: OrderedDict[str, Track] = OrderedDict()
_cache_lock = threading.Lock()


def track_key(timeline: Timeline, fmt: str, voice: Voice | None) -> str:
    made_of = {
        "timeline": timeline.to_json(),
        "format": fmt,
        "voice": voice.version if voice else None,
        "sounds": cue_sounds().__dict__,
        "version": 2,
    }
    return hashlib.sha256(json.dumps(made_of, sort_keys=True).encode()).hexdigest()[:32]


def make_track(
    timeline: Timeline, library: Library, fmt: str, *, voice: Voice | bool | None = True
) -> Track:
    """The track of ``timeline`` in ``fmt`` ('opus' or 'mp3'). ``voice``: True finds
    espeak-ng on PATH, False or None makes tones only. Cached by its key."""
    chosen = Voice.find() if voice is True else (voice or None)
    why = None if chosen else messages.AUDIO_NO_ESPEAK
    if voice is False:
        why = messages.AUDIO_TONES_ASKED
    key = track_key(timeline, fmt, chosen)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        samples = mix(timeline, chosen)
    except SpeechError as exc:
        chosen, why = None, messages.AUDIO_ESPEAK_FAILED.format(problem=exc)
        key = track_key(timeline, fmt, None)
        samples = mix(timeline, None)
    parts = chapters(timeline, library)
    kind = FORMATS[fmt]
    track = Track(
        data=encode(samples, kind, parts, timeline.routine),
        format=fmt,
        media_type=kind.media_type,
        total_ms=timeline.total_ms,
        chapters=tuple(parts),
        spoken=chosen is not None,
        tones_only_why=why,
        key=key,
    )
    with _cache_lock:
        _cache[key] = track
        while len(_cache) > TRACK_CACHE:
            _cache.popitem(last=False)
    return track
