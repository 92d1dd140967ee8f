"""The route serving an open session's audio track, for the player's "screen can be
off" mode: the whole session as one recording the browser plays, so a locked phone
keeps the session going on the audio clock.

The track is made from the session's stored timeline (easeback/audio), cached by a
hash of what made it, which is also its ETag. Byte ranges are answered, since a
browser's <audio> seeks (a skip) by asking for a range. Reading needs no CSRF token,
like every GET.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from easeback.web.api import SessionId, _session, answers
from easeback.web.errors import error_json
from easeback.web.static_files import still_current
from easeback.wording import messages

router = APIRouter(prefix="/api", tags=["api"])

RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


AUDIO = {
    "audio/ogg": {"schema": {"type": "string", "format": "binary"}},
    "audio/mpeg": {"schema": {"type": "string", "format": "binary"}},
}


@router.get(
    "/sessions/{session_id}/track.{fmt}",
    response_class=Response,
    responses={
        200: {
            "description": "The session as one audio track (Ogg Opus or MP3), a chapter "
            "per stretch. Its ETag names what made it: send it back in If-None-Match for "
            "a 304. A Range header (bytes=FIRST-LAST) gets that part (206).",
            "content": AUDIO,
        },
        206: {"description": "The byte range asked for.", "content": AUDIO},
        304: {"description": "Unchanged since the ETag sent in If-None-Match."},
        **answers(404, 409, 416, 422, 503),
    },
)
def session_track(
    request: Request,
    session_id: SessionId,
    fmt: Literal["opus", "mp3"],
    words: Annotated[
        bool,
        Query(description="false (0) for the tones alone, without the spoken words"),
    ] = True,
) -> Response:
    """The track of a session (open or ended: a page reloaded after the end may still
    ask) at normal speed (409 for a rehearsal at another
    speed: the track plays at one speed only); ``words=0`` leaves the words out, for
    a person who turned them off before Begin."""
    from easeback.audio.track import make_track
    from easeback.content.library import load_library

    found = _session(request, session_id)
    if found.speed != 1:
        raise HTTPException(409, messages.WEB_TRACK_REHEARSAL)
    track = make_track(found.timeline, load_library(), fmt, voice=words)
    etag = f'"{track.key}"'
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, max-age=86400",
    }
    if still_current(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    size = len(track.data)
    wanted = RANGE.match(request.headers.get("range", "").strip()[:100])
    if wanted and (wanted.group(1) or wanted.group(2)):
        first_text, last_text = wanted.groups()
        if first_text:
            first = int(first_text)
            last = min(int(last_text), size - 1) if last_text else size - 1
        else:  # the last N bytes
            first, last = max(0, size - int(last_text)), size - 1
        if first >= size or last < first:
            return error_json(
                416,
                f"the range asked for is outside the track's {size} bytes",
                headers={**headers, "Content-Range": f"bytes */{size}"},
            )
        return Response(
            track.data[first : last + 1],
            status_code=206,
            media_type=track.media_type,
            headers={**headers, "Content-Range": f"bytes {first}-{last}/{size}"},
        )
    return Response(track.data, media_type=track.media_type, headers=headers)
