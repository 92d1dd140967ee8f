"""The PDFs for a clinician as a reader gets them: tagged PDF/UA with a language, the
person's notes with their line breaks, and no character drawn with a glyph the font
lacks (such a character is printed as U+FFFD)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import BooleanObject
from sqlalchemy import Engine

from easeback.reports.glyphs import STAND_IN, covered, font_files, printable
from easeback.store.diary import add_entry

NOW = datetime.now(UTC).replace(microsecond=0)


def reader(path: Path) -> PdfReader:
    return PdfReader(io.BytesIO(path.read_bytes()))


def text_of(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in reader(path).pages)


def drawn(path: Path) -> dict[str, set[str]]:
    """Per font in the PDF, every character one of its glyphs was drawn for (from the
    font's ToUnicode map, which WeasyPrint writes for each glyph it uses)."""
    out: dict[str, set[str]] = {}
    for page in reader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            cmap = font["/ToUnicode"].get_object().get_data().decode()
            chars = out.setdefault(str(font["/BaseFont"]).split("+", 1)[-1], set())
            for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
                for target in re.findall(r"<\w+> <(\w+)>", block):
                    chars |= set(bytes.fromhex(target).decode("utf-16-be"))
    return out


@pytest.fixture
def report(cli: Any, engine: Engine, tmp_path: Path) -> Any:
    """Make the report with shared notes, and return its path."""

    def make(*notes: str) -> Path:
        for index, note in enumerate(notes):
            add_entry(
                engine,
                at=NOW - timedelta(days=1, minutes=index),
                zone="UTC",
                pain=None,
                note=note,
                share=True,
            )
        target = tmp_path / "report.pdf"
        result = cli("report", "--pdf", str(target))
        assert result.exit_code == 0, result.output
        return target

    return make


@pytest.fixture(autouse=True)
def machine_on_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")


@pytest.mark.parametrize("document", ["report", "sheet"])
def test_each_pdf_is_tagged_pdf_ua_in_english(
    cli: Any, report: Any, tmp_path: Path, document: str
) -> None:
    if document == "report":
        target = report("a note")
    else:
        target = tmp_path / "sheet.pdf"
        assert cli("sheet", "--pdf", str(target)).exit_code == 0

    pdf = reader(target)
    catalog = pdf.trailer["/Root"]

    assert catalog["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)
    assert b'pdfuaid:part="1"' in catalog["/Metadata"].get_object().get_data()
    assert pdf.metadata is not None and pdf.metadata.title.startswith("easeback")


def test_a_notes_line_breaks_are_kept(report: Any) -> None:
    target = report("Monday: stiff\nTuesday: better\n\nWednesday: fine")

    lines = text_of(target).splitlines()

    at = next(i for i, line in enumerate(lines) if line.endswith("Monday: stiff"))
    assert lines[at + 1 : at + 3] == ["Tuesday: better", "Wednesday: fine"]


def test_a_note_of_many_short_lines_keeps_the_report_on_one_page(report: Any) -> None:
    target = report("\n".join(f"line {n}" for n in range(1, 41)))

    lines = text_of(target).splitlines()

    assert len(reader(target).pages) == 1
    at = next(i for i, line in enumerate(lines) if line.endswith("line 1"))
    assert lines[at + 1 : at + 4] == ["line 2", "line 3", "line 4"]
    assert lines[at + 4].startswith("line 5 line 6 line 7")


def test_no_character_of_a_note_is_drawn_with_a_glyph_the_font_lacks(report: Any) -> None:
    target = report("Back 🙂 better, 腰 less stiff, café, 👩‍💻 at the desk")

    text = " ".join(text_of(target).split())
    fonts = drawn(target)

    assert f"Back {STAND_IN} better, {STAND_IN} less stiff, café, {STAND_IN}" in text
    for font, chars in fonts.items():
        assert {c for c in chars if ord(c) not in covered()} == set(), font
    assert not {"🙂", "腰", "💻"} & set().union(*fonts.values())


def test_the_font_found_is_the_one_the_templates_name() -> None:
    names = [path.name for path in font_files()]

    assert names == ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]
    assert {ord("é"), ord("\u2013"), ord("·"), ord(STAND_IN)} <= covered()  # the dash for "none"


@pytest.mark.parametrize(
    ("given", "printed"),
    [
        ("Sam Doe", "Sam Doe"),
        ("Zoë Ørsted-Łukasz", "Zoë Ørsted-Łukasz"),  # Latin, with marks: the font has them
        ("Σοφία, Юлия", "Σοφία, Юлия"),  # Greek and Cyrillic too
        ("line one\nline two\tend", "line one\nline two\tend"),
        ("a 🙂 b", f"a {STAND_IN} b"),  # no emoji in the font
        ("腰痛", STAND_IN * 2),  # nor CJK
        ("👍🏽", STAND_IN * 2),  # the skin-tone modifier is a character of its own
        ("👩\u200d💻", f"{STAND_IN}\u200d{STAND_IN}"),  # the font has the (invisible) joiner
        ("\U000e0041", ""),  # an invisible tag character it lacks is left out
    ],
)
def test_printable_keeps_what_the_font_draws_and_marks_the_rest(given: str, printed: str) -> None:
    assert printable(given) == printed
