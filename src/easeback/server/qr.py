"""The QR code of an invitation, drawn here as inline SVG (nothing fetched)."""

from __future__ import annotations

from markupsafe import Markup


def qr_svg(text: str, title: str) -> Markup:
    """``text`` as a QR code in SVG, sized by its container, with ``title`` for screen
    readers."""
    import segno

    code = segno.make(text, error="m")
    svg = code.svg_inline(
        scale=1, border=4, dark="#000", light="#fff", title=title, svgclass="qr", omitsize=True
    )
    return Markup(svg)  # noqa: S704 - made by segno from our own text, which it escapes
