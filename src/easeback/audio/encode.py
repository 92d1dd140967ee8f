"""Samples to a file a music player opens: Ogg Opus or MP3, with a chapter per stretch.

Encoded with PyAV (FFmpeg's libopus and LAME) in bit-exact mode, so the same samples
always give the same bytes: a track can be cached and answered with an ETag.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 48_000
FRAME = 48_000  # samples handed to the encoder at a time (it re-cuts them itself)


@dataclass(frozen=True)
class Format:
    """One way to write a track: the container, its codec and what the browser is told."""

    name: str
    container: str
    codec: str
    bit_rate: int
    media_type: str
    suffix: str
    sample_format: str  # what the encoder takes as it is, so nothing is converted
    options: dict[str, str]


FORMATS = {
    # Opus at complexity 4: a quarter of the default's time for beeps and a voice,
    # which matters while a person waits after Begin for the track to be made.
    "opus": Format(
        "opus",
        "ogg",
        "libopus",
        48_000,
        "audio/ogg; codecs=opus",
        ".opus",
        "flt",
        {"compression_level": "4"},
    ),
    "mp3": Format("mp3", "mp3", "libmp3lame", 64_000, "audio/mpeg", ".mp3", "fltp", {}),
}
SUFFIXES = {".opus": "opus", ".ogg": "opus", ".mp3": "mp3"}


@dataclass(frozen=True)
class Chapter:
    """A stretch's part of the track, in milliseconds from its start."""

    title: str
    start_ms: int
    end_ms: int


def encode(
    samples: npt.NDArray[np.float32], fmt: Format, chapters: list[Chapter], title: str
) -> bytes:
    """Mono float samples at 48 kHz, encoded as ``fmt`` with ``chapters`` (Ogg: CHAPTERxxx
    comments; MP3: ID3v2 CHAP frames) and the routine's name as the album."""
    out = io.BytesIO()
    container = av.open(out, "w", format=fmt.container, options={"fflags": "+bitexact"})
    try:
        stream = container.add_stream(
            fmt.codec, rate=SAMPLE_RATE, layout="mono", options=dict(fmt.options)
        )
        if not isinstance(stream, av.audio.stream.AudioStream):  # pragma: no cover
            raise TypeError(f"{fmt.codec} is not an audio codec")
        stream.bit_rate = fmt.bit_rate
        stream.format = fmt.sample_format
        stream.codec_context.flags |= av.codec.context.Flags.bitexact
        tags = {"title": title, "album": title, "artist": "easeback"}
        container.metadata.update(tags)
        stream.metadata.update(tags)
        container.set_chapters(
            [
                {
                    "id": number,
                    "start": chapter.start_ms,
                    "end": chapter.end_ms,
                    "time_base": Fraction(1, 1000),
                    "metadata": {"title": chapter.title},
                }
                for number, chapter in enumerate(chapters, start=1)
            ]
        )
        for offset in range(0, len(samples), FRAME):
            block = np.ascontiguousarray(samples[offset : offset + FRAME]).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(block, format=fmt.sample_format, layout="mono")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = offset
            frame.time_base = Fraction(1, SAMPLE_RATE)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    finally:
        container.close()
    return out.getvalue()
