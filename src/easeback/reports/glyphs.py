"""The characters the PDFs' font can draw, and a visible stand-in for the others.

The report and the routine sheet are set in DejaVu Sans (Debian's fonts-dejavu-core),
regular and bold. A person's own words (notes, activity names, their name) can hold
any character: one the font lacks would be drawn as an empty box or as nothing at
all, so it is printed as U+FFFD (the replacement character, which the font has)
instead. The font files are the ones fontconfig matches for the family, as
WeasyPrint's own fontconfig does; their coverage is read with fontTools.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

FAMILY = "DejaVu Sans"  # the templates' font-family
STYLES = ("Book", "Bold")  # the weights they use
STAND_IN = "\ufffd"
# When no font file can be found: what every sans-serif font draws.
BASIC = frozenset([*range(0x20, 0x7F), *range(0xA0, 0x100)])
LAYOUT = frozenset("\n\t")


def printable(text: str) -> str:
    """``text`` with every character the font lacks shown as U+FFFD; invisible format
    characters it lacks (joiners, variation selectors) are left out."""
    drawn = covered()
    out = []
    for char in text:
        if ord(char) in drawn or char in LAYOUT:
            out.append(char)
        elif unicodedata.category(char) != "Cf":
            out.append(STAND_IN)
    return "".join(out)


@cache
def covered() -> frozenset[int]:
    """Code points every style of the family draws (read once per process)."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    files = font_files()
    if not files:
        return BASIC
    maps = []
    for path in files:
        with TTFont(path, lazy=True) as font:
            maps.append(frozenset(font.getBestCmap()))
    return frozenset.intersection(*maps)


def font_files() -> list[Path]:
    """The files fontconfig picks for the family in each style (none found: [])."""
    try:
        from weasyprint.text.ffi import ffi, fontconfig
    except (ImportError, OSError):
        return []
    config = fontconfig.FcInitLoadConfigAndFonts()
    try:
        found = [_match(ffi, fontconfig, config, style) for style in STYLES]
    finally:
        fontconfig.FcConfigDestroy(config)
    return [path for path in found if path is not None and path.is_file()]


def _match(ffi: Any, fontconfig: Any, config: Any, style: str) -> Path | None:
    pattern = fontconfig.FcPatternCreate()
    try:
        fontconfig.FcPatternAddString(pattern, b"family", FAMILY.encode())
        fontconfig.FcPatternAddString(pattern, b"style", style.encode())
        fontconfig.FcConfigSubstitute(config, pattern, fontconfig.FcMatchPattern)
        fontconfig.FcDefaultSubstitute(pattern)
        result = ffi.new("FcResult *")
        match = fontconfig.FcFontMatch(config, pattern, result)
        if match == ffi.NULL:
            return None
        try:
            name = ffi.new("FcChar8 **")
            if fontconfig.FcPatternGetString(match, b"file", 0, name) != 0:
                return None
            return Path(ffi.string(name[0]).decode())
        finally:
            fontconfig.FcPatternDestroy(match)
    finally:
        fontconfig.FcPatternDestroy(pattern)
