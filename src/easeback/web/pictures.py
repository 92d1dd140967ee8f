"""The stretch pictures on the web: each at its own address, or inlined in a page.

``/pictures/<stretch>/<name>.svg`` answers a picture drawn from its poses. Addresses
made by ``picture_url`` carry the version of all the pictures (``?v=``), so the
browser keeps them for a year and a new release is never served stale; an address
without it, or with an older one, is checked again on every use (ETag).

Inlined (``picture_inline``), a picture takes the page's light or dark colours from
app.css; through ``<img>`` it keeps its own, dark on a light panel.
"""

from __future__ import annotations

import hashlib
from functools import cache

from fastapi import APIRouter, Header, HTTPException
from fastapi.responses import Response
from markupsafe import Markup

from easeback.pictures.catalogue import catalogue, rendered
from easeback.web.static_files import ALWAYS_ASK, YEAR, still_current

router = APIRouter()
MEDIA = "image/svg+xml"


@cache
def pictures_version() -> str:
    """A short hash of every picture as drawn: any change to a pose makes a new one."""
    digest = hashlib.sha256()
    for name in catalogue():
        digest.update(name.encode() + b"\0" + rendered(name).encode() + b"\0")
    return digest.hexdigest()[:12]


def picture_url(name: str) -> str:
    """The address of a picture by name, e.g. ``knee-press/left-hold``."""
    return f"/pictures/{name}.svg?v={pictures_version()}"


def picture_inline(name: str, ident: str | None = None) -> Markup:
    """A picture's SVG to place in a page; ``ident`` keeps its ids unique there."""
    return Markup(catalogue()[name].svg(ident=ident))  # noqa: S704 (drawn by us, escaped)


@router.get("/pictures/{stretch}/{picture}.svg", include_in_schema=False)
def picture(
    stretch: str,
    picture: str,
    v: str | None = None,
    if_none_match: str | None = Header(default=None),
) -> Response:
    name = f"{stretch}/{picture}"
    if name not in catalogue():
        raise HTTPException(404, f"no picture {name}")
    body = rendered(name).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
    headers = {
        "Cache-Control": YEAR if v == pictures_version() else ALWAYS_ASK,
        "ETag": etag,
    }
    if still_current(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA, headers=headers)
