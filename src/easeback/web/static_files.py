"""The static files (style, scripts, icon): sent compressed, and cached by the
browser for a year under an address that names their version, so a page loads fast
on a phone and a new release is never served stale.

The version is a hash of the whole folder, placed as a path segment
(``/static/v-1a2b3c4d5e6f/js/play.js``) rather than a query: the scripts import one
another by relative paths (``./player.js``), which then carry the same version.
The plain address (``/static/js/play.js``) still works, checked again on every use.

The folder is small (about 100 KiB), so every file is read and gzipped once, when
the app starts, and answered from memory: nothing is compressed per request, and a
request the browser drops half-way leaves no stream behind. (The stretch pictures
are drawn from poses and served by web/pictures.py, not from this folder.)
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from collections.abc import MutableMapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import Response

FOLDER = Path(__file__).parent / "static"
PREFIX = "/static"
MARK = "v-"
YEAR = "public, max-age=31536000, immutable"
ALWAYS_ASK = "no-cache"  # keep it, but ask (ETag) before each use

Scope = MutableMapping[str, Any]


def _files(folder: Path) -> list[tuple[str, bytes]]:
    return [
        (path.relative_to(folder).as_posix(), path.read_bytes())
        for path in sorted(p for p in folder.rglob("*") if p.is_file())
    ]


def folder_version(folder: Path) -> str:
    """A short hash of every file's path and content: any change makes a new one."""
    digest = hashlib.sha256()
    for name, data in _files(folder):
        digest.update(name.encode() + b"\0" + data + b"\0")
    return digest.hexdigest()[:12]


@cache
def version() -> str:
    return folder_version(FOLDER)


def static_url(path: str) -> str:
    """The versioned address of a file in the static folder, e.g. ``js/play.js``."""
    return f"{PREFIX}/{MARK}{version()}/{path.lstrip('/')}"


def still_current(if_none_match: str | None, etag: str) -> bool:
    """Whether the copy a browser holds is this one: its If-None-Match lists ``etag``
    (weak or strong, one of several, or "*"), so a 304 will do (RFC 9110, 13.1.2)."""
    if not if_none_match:
        return False
    listed = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in listed or etag.removeprefix("W/") in listed


@dataclass(frozen=True)
class Kept:
    """One static file as it is sent: plain, gzipped (when that is smaller), its type
    and its ETag."""

    plain: bytes
    packed: bytes | None
    media: str
    etag: str


def keep(data: bytes, name: str) -> Kept:
    packed = gzip.compress(data, compresslevel=9, mtime=0)
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Kept(
        plain=data,
        packed=packed if len(packed) < len(data) else None,
        media=media,
        etag=f'"{hashlib.sha256(data).hexdigest()[:16]}"',
    )


class VersionedStatic:
    """ASGI app for /static: strips the version segment, answers from memory, and
    says how long the file may be kept."""

    def __init__(self, folder: Path = FOLDER) -> None:
        self.files = {name: keep(data, name) for name, data in _files(folder)}
        self.current = folder_version(folder)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        route = scope["path"].removeprefix(scope.get("root_path", "")).lstrip("/")
        keep_for = ALWAYS_ASK
        first, _, rest = route.partition("/")
        if first.startswith(MARK) and rest:
            # An older version (a page left open over an update) gets today's file,
            # to be checked again next time, rather than a broken page.
            keep_for = YEAR if first == MARK + self.current else ALWAYS_ASK
            route = rest
        found = self.files.get(route)
        if found is None:
            raise HTTPException(404)
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(405, headers={"Allow": "GET, HEAD"})
        asked = Headers(scope=scope)
        headers = {"Cache-Control": keep_for, "ETag": found.etag, "Vary": "Accept-Encoding"}
        if still_current(asked.get("if-none-match"), found.etag):
            response = Response(status_code=304, headers=headers)
        elif found.packed is not None and "gzip" in asked.get("accept-encoding", ""):
            headers["Content-Encoding"] = "gzip"
            response = Response(found.packed, media_type=found.media, headers=headers)
        else:
            response = Response(found.plain, media_type=found.media, headers=headers)
        await response(scope, receive, send)
