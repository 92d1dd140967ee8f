"""The session as one audio track: decoded again and listened to by frequency and
energy, its beeps must fall on the timeline's phase starts (within 20 ms), its ticks
in each hold's last three seconds, its words between the beeps (only with espeak-ng),
its length the timeline's to the sample, and its chapters one per stretch."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest

from easeback.audio import track as track_module
from easeback.audio.encode import SAMPLE_RATE
from easeback.audio.sounds import cue_sounds
from easeback.audio.speech import Voice
from easeback.audio.track import make_track
from easeback.content.library import load_library, load_routine
from easeback.core.timeline import Phase, Timeline, build_timeline

Samples = npt.NDArray[np.float64]
FORMATS = ["opus", "mp3"]
ONSET_TOLERANCE_MS = 20
needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"
)


def phase(kind: str, stretch: str | None, side: str | None, start: int, seconds: int, say: str):  # type: ignore[no-untyped-def]
    return Phase(kind, stretch, side, None, 1, 1, start, seconds * 1000, say)  # type: ignore[arg-type]


def short_timeline() -> Timeline:
    """Two stretches in 33 seconds: every kind of phase, holds of 5 and 6 seconds."""
    plan = [
        ("prepare", "knee-press", "left", 3, "Lie on your back."),
        ("hold", "knee-press", "left", 5, "Hug the left knee."),
        ("switch", "knee-press", "right", 3, "Let go. Next: the right side."),
        ("hold", "knee-press", "right", 5, "Hug the right knee."),
        ("release", "knee-press", "right", 2, "Let go."),
        ("rest", None, None, 3, "Rest and breathe."),
        ("prepare", "chair-twist", "left", 3, "Sit tall."),
        ("hold", "chair-twist", "left", 6, "Turn to the left."),
        ("release", "chair-twist", "left", 3, "Come back to the middle."),
        ("done", None, None, 0, "Well done."),
    ]
    phases, start = [], 0
    for kind, stretch, side, seconds, say in plan:
        phases.append(phase(kind, stretch, side, start, seconds, say))
        start += seconds * 1000
    return Timeline("short", tuple(phases))


def decode(data: bytes) -> Samples:
    with av.open(io.BytesIO(data)) as container:
        frames = [f.to_ndarray().reshape(-1) for f in container.decode(audio=0)]
        assert container.streams.audio[0].codec_context.sample_rate == SAMPLE_RATE
    return np.concatenate(frames).astype(np.float64)


def level_at(samples: Samples, hz: float, window_ms: float = 30) -> Samples:
    """The amplitude of the ``hz`` component over time: the signal shifted down by ``hz``
    and averaged over a centred triangular window (two running means; a band-pass
    narrow enough to tell 440 Hz from 523 Hz), doubled to a peak value."""
    t = np.arange(len(samples)) / SAMPLE_RATE
    shifted = samples * np.exp(-2j * np.pi * hz * t)
    half = int(SAMPLE_RATE * window_ms / 2000)
    return 2 * np.abs(running_mean(running_mean(shifted, half), half))


def running_mean(values: npt.NDArray[np.complex128], width: int) -> npt.NDArray[np.complex128]:
    """The mean of ``width`` values around each one (zeros beyond the ends)."""
    padded = np.concatenate([np.zeros(width), values, np.zeros(width)])
    sums = np.concatenate([[0], np.cumsum(padded)])
    start = width - width // 2
    means = (
        sums[start + width : start + width + len(values)] - sums[start : start + len(values)]
    ) / width
    return means.astype(np.complex128)


def onsets(samples: Samples, hz: float, threshold: float, window_ms: float = 80) -> list[float]:
    """Where sounds of pitch ``hz`` start (ms): found by the level of that pitch (a rise
    through ``threshold``, once per sound: again only after 100 ms below it), then
    placed where the sound's energy rises within 60 ms of that."""
    level = level_at(samples, hz, window_ms)
    above = np.concatenate([[False], level > threshold])  # silence before the track
    rises: list[int] = []
    quiet_since = -(10**9)
    for index in np.flatnonzero(above[1:] != above[:-1]) + 1:
        if above[index]:
            if index - quiet_since > SAMPLE_RATE // 10 or not rises:
                rises.append(index - 1)
        else:
            quiet_since = index
    return [energy_onset(samples, at) for at in rises]


def energy_onset(samples: Samples, near: int) -> float:
    """The first sample within 60 ms of ``near`` whose 1 ms energy reaches half the
    sound's peak there (ms)."""
    reach = SAMPLE_RATE * 60 // 1000
    low = max(0, near - reach)
    part = np.sqrt(running_mean(samples[low : near + reach] ** 2, SAMPLE_RATE // 1000).real)
    return float((low + np.flatnonzero(part >= 0.5 * part.max())[0]) * 1000 / SAMPLE_RATE)


def rms(samples: Samples, start_ms: float, end_ms: float) -> float:
    part = samples[int(start_ms * SAMPLE_RATE / 1000) : int(end_ms * SAMPLE_RATE / 1000)]
    return float(np.sqrt(np.mean(part**2))) if len(part) else 0.0


def cue_onsets(samples: Samples, timeline: Timeline) -> dict[int, float]:
    """For each sounding phase, where a beep of its kind's pitch starts, looked for
    within 200 ms of where the timeline says it is."""
    sounds = cue_sounds()
    heard = {kind: onsets(samples, hz, 0.08) for kind, hz in sounds.pitch_hz.items()}
    found: dict[int, float] = {}
    for index, p in enumerate(timeline.phases):
        near = [at for at in heard[p.kind] if abs(at - p.start_ms) <= 200]
        if p.start_ms < timeline.total_ms and near:
            found[index] = near[0]
    return found


@pytest.fixture(autouse=True)
def no_cached_tracks() -> None:
    track_module._cache.clear()


@pytest.fixture
def no_espeak(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A PATH without espeak-ng on it."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_track_is_exactly_as_long_as_the_timeline(fmt: str, no_espeak: None) -> None:
    timeline = short_timeline()
    samples = decode(make_track(timeline, load_library(), fmt).data)
    # To the sample: the encoder's delay and padding are written in the file and
    # removed on decoding (Opus pre-skip and end trim; the LAME header for MP3).
    assert len(samples) == timeline.total_ms * SAMPLE_RATE // 1000


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_beep_of_the_phases_kind_starts_within_20_ms_of_every_phase(
    fmt: str, no_espeak: None
) -> None:
    timeline = build_timeline(load_routine("office"), load_library())
    samples = decode(make_track(timeline, load_library(), fmt).data)

    found = cue_onsets(samples, timeline)

    sounding = [i for i, p in enumerate(timeline.phases) if p.start_ms < timeline.total_ms]
    assert sorted(found) == sounding
    late = {i: round(found[i] - timeline.phases[i].start_ms, 1) for i in sounding}
    assert all(abs(ms) <= ONSET_TOLERANCE_MS for ms in late.values()), late


@pytest.mark.parametrize("fmt", FORMATS)
def test_tones_only_has_one_beep_per_phase_and_three_ticks_per_hold(
    fmt: str, no_espeak: None
) -> None:
    timeline = short_timeline()
    made = make_track(timeline, load_library(), fmt)
    samples = decode(made.data)
    sounds = cue_sounds()

    for kind in ("prepare", "hold", "switch", "release", "rest"):
        starts = [p.start_ms for p in timeline.phases if p.kind == kind]
        heard = onsets(samples, sounds.pitch(kind), 0.08)
        assert len(heard) == len(starts), kind  # nothing extra, nothing missing
        assert all(abs(h - s) <= ONSET_TOLERANCE_MS for h, s in zip(heard, starts, strict=True))
    ticks = onsets(samples, sounds.tick_hz, 0.03, window_ms=20)
    expected = [p.end_ms - k * 1000 for p in timeline.phases if p.kind == "hold" for k in (3, 2, 1)]
    assert len(ticks) == len(expected)
    assert all(abs(h - s) <= ONSET_TOLERANCE_MS for h, s in zip(ticks, expected, strict=True))
    assert not made.spoken
    assert made.tones_only_why is not None and "apt-get install espeak-ng" in made.tones_only_why


@needs_espeak
@pytest.mark.parametrize("fmt", FORMATS)
def test_words_sound_between_the_beeps_and_never_over_the_next_one(fmt: str) -> None:
    timeline = short_timeline()
    spoken = decode(make_track(timeline, load_library(), fmt).data)
    tones = decode(make_track(timeline, load_library(), fmt, voice=False).data)

    for p in timeline.phases[:-1]:
        words = (p.start_ms + 350, p.start_ms + 900)  # after the beep
        assert rms(spoken, *words) > 0.02, p
        assert rms(tones, *words) < 0.003, p
        assert rms(spoken, p.end_ms - 140, p.end_ms - 5) < 0.003, p  # quiet before the next cue
    assert sorted(cue_onsets(spoken, timeline)) == list(range(len(timeline.phases) - 1))


@needs_espeak
def test_long_words_are_said_faster_to_fit_their_phase() -> None:
    voice = Voice.find()
    assert voice is not None
    text = "Lie on your back with both knees bent and your feet flat on the floor."
    calm = voice.fit(text, 10 * SAMPLE_RATE, SAMPLE_RATE)
    room = int(len(calm) * 0.8)
    fitted = voice.fit(text, room, SAMPLE_RATE)
    assert 0 < len(fitted) <= room


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_stretch_is_a_chapter_named_for_it(fmt: str, no_espeak: None) -> None:
    timeline = short_timeline()
    data = make_track(timeline, load_library(), fmt).data
    with av.open(io.BytesIO(data)) as container:
        chapters = [
            (c["metadata"]["title"], round(c["start"] * c["time_base"] * 1000))
            for c in container.chapters()
        ]
    assert chapters == [("Knee press", 0), ("Chair twist", 21_000)]  # its get ready


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_timeline_makes_the_same_bytes(fmt: str, no_espeak: None) -> None:
    timeline = short_timeline()
    first = make_track(timeline, load_library(), fmt)
    track_module._cache.clear()
    again = make_track(timeline, load_library(), fmt)
    assert first.data == again.data
    assert first.key == again.key
    other = make_track(build_timeline(load_routine("office"), load_library()), load_library(), fmt)
    assert other.key != first.key


# --- easeback audio --------------------------------------------------------------------


def test_audio_writes_the_routine_and_says_what_it_wrote(
    cli, tmp_path: Path, no_espeak: None
) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "office.mp3"
    result = cli("audio", "office", "--output", str(target))

    assert result.exit_code == 0, result.stderr
    timeline = build_timeline(load_routine("office"), load_library())
    samples = decode(target.read_bytes())
    assert len(samples) == timeline.total_ms * SAMPLE_RATE // 1000
    assert f"Wrote {target}: 0:57 of sound, 1 chapter (Chair twist)" in result.stdout
    assert "espeak-ng is not installed: tones only; install it with apt-get install espeak-ng" in (
        result.stdout
    )
    assert os.stat(target).st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["office.mp3"]


@needs_espeak
def test_audio_without_a_routine_is_the_default_routine_with_words(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "routine.ogg"
    result = cli("audio", "--output", str(target))

    assert result.exit_code == 0, result.stderr
    default = build_timeline(load_routine(None), load_library())
    with av.open(str(target)) as container:
        assert container.format.name == "ogg"
        assert len(container.chapters()) == 4
    assert len(decode(target.read_bytes())) == default.total_ms * SAMPLE_RATE // 1000
    assert "Spoken words by espeak-ng" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--output", "{tmp}/x.opus"], "nope: no such routine file"),
        (["office", "--output", "{tmp}/x.wav"], "ends in '.wav', which easeback cannot write"),
        (["office", "--output", "{tmp}/x.opus", "--format", "flac"], "'flac' is not a format"),
        (["office", "--output", "{tmp}/x.opus", "--format", "mp3"], "but --format is mp3"),
        (["office", "--output", "{tmp}/missing/x.opus"], "the folder {tmp}/missing does not"),
        (["office", "--output", "{tmp}"], "is a folder; give a file name"),
        (["office"], "--output: give the file to write"),
        (["office", "--output", "-"], "a sound track cannot go to the terminal"),
    ],
)
def test_audio_refuses_bad_input_with_one_message_and_writes_nothing(
    cli, tmp_path: Path, args: list[str], message: str
) -> None:  # type: ignore[no-untyped-def]
    result = cli("audio", *[a.format(tmp=tmp_path) for a in args])

    assert result.exit_code == 2
    assert message.format(tmp=tmp_path) in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_format_may_be_written_in_capitals_and_tones_only_says_so(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "office.mp3"
    result = cli("audio", "office", "--output", str(target), "--format", "MP3", "--tones-only")

    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "Tones only, as asked."
    with av.open(str(target)) as container:
        assert container.format.name == "mp3"


def test_audio_into_a_folder_it_cannot_write_says_so(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import tempfile

    def refused(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refused)  # as a folder we may not write in
    result = cli("audio", "office", "--output", str(tmp_path / "x.opus"))

    assert result.exit_code == 2
    assert f"--output: cannot write in {tmp_path}" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


# --- the route the browser player plays ------------------------------------------------


@pytest.fixture
def ready(client, app):  # type: ignore[no-untyped-def]
    from helpers import screened_store

    screened_store(app.state.engine)
    return client


def opened(client, **body: object) -> str:  # type: ignore[no-untyped-def]
    response = client.post("/api/sessions", json={"routine": "office", **body})
    assert response.status_code == 201, response.text
    session: str = response.json()["id"]
    return session


@pytest.mark.parametrize(("fmt", "media"), [("opus", "audio/ogg"), ("mp3", "audio/mpeg")])
def test_an_open_sessions_track_is_served_cached_and_in_ranges(
    ready, fmt: str, media: str, no_espeak: None
) -> None:  # type: ignore[no-untyped-def]
    session = opened(ready)
    whole = ready.get(f"/api/sessions/{session}/track.{fmt}")

    assert whole.status_code == 200
    assert whole.headers["content-type"].startswith(media)
    assert whole.headers["accept-ranges"] == "bytes"
    timeline = build_timeline(load_routine("office"), load_library())
    assert len(decode(whole.content)) == timeline.total_ms * SAMPLE_RATE // 1000

    etag = whole.headers["etag"]
    again = ready.get(f"/api/sessions/{session}/track.{fmt}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    part = ready.get(f"/api/sessions/{session}/track.{fmt}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == whole.content[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole.content)}"
    beyond = ready.get(f"/api/sessions/{session}/track.{fmt}", headers={"Range": f"bytes={10**9}-"})
    assert beyond.status_code == 416


def test_no_track_for_a_session_that_does_not_exist_a_rehearsal_or_another_format(
    ready,
) -> None:  # type: ignore[no-untyped-def]
    missing = ready.get("/api/sessions/00000000-0000-4000-8000-000000000000/track.opus")
    assert missing.status_code == 404
    rehearsal = opened(ready, speed=10)
    refused = ready.get(f"/api/sessions/{rehearsal}/track.opus")
    assert refused.status_code == 409
    assert "normal speed only" in refused.json()["detail"]
    other = ready.get(f"/api/sessions/{opened(ready)}/track.wav")
    assert other.status_code == 422


def test_the_sessions_reply_gives_each_holds_ticks_where_the_track_sounds_them(
    ready, no_espeak: None
) -> None:  # type: ignore[no-untyped-def]
    reply = ready.post("/api/sessions", json={"routine": "office"}).json()
    given = [at for words in reply["labels"] for at in words["ticks_ms"]]
    holds = [p for p in reply["timeline"]["phases"] if p["kind"] == "hold"]
    assert len(given) == 3 * len(holds)  # the page is told them; it works out none itself

    samples = decode(ready.get(f"/api/sessions/{reply['id']}/track.opus").content)
    heard = onsets(samples, cue_sounds().tick_hz, 0.03, window_ms=20)
    assert len(heard) == len(given)
    assert all(abs(h - s) <= ONSET_TOLERANCE_MS for h, s in zip(heard, given, strict=True))


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_words_0_asks_for_the_sessions_track_without_the_words(
    ready,
) -> None:  # type: ignore[no-untyped-def]
    session = opened(ready)
    spoken = ready.get(f"/api/sessions/{session}/track.opus")
    tones = ready.get(f"/api/sessions/{session}/track.opus?words=0")

    assert spoken.status_code == tones.status_code == 200
    assert spoken.headers["etag"] != tones.headers["etag"]  # cached apart
    timeline = build_timeline(load_routine("office"), load_library())
    tones_only = make_track(timeline, load_library(), "opus", voice=False)
    assert tones.headers["etag"] == f'"{tones_only.key}"'
    assert len(tones.content) < len(spoken.content)  # tones alone: far less to encode
