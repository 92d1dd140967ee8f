"""PDF documents for the clinician, made on this machine from HTML templates with
WeasyPrint: the one-page report and the printable routine sheet.

Both are tagged PDF/UA-1 with the document's language, so a screen reader reads them
in order. Charts come from reports/charts.py, the same code the web page uses. The
person's own words pass through ``printable`` (reports/glyphs.py), so nothing is
drawn with a glyph the font lacks. The stretch pictures are drawn from their poses
(easeback.pictures) and placed as data addresses; WeasyPrint may load nothing else,
so making a PDF never reaches the network or reads a file.
"""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from easeback.core.profile import Profile
from easeback.reports.glyphs import printable
from easeback.wording import messages

if TYPE_CHECKING:
    from easeback.usecases.overview import Overview

HERE = Path(__file__).parent
PDF_VARIANT = "pdf/ua-1"  # tagged, with a structure tree and the language
PICTURE_PREFIX = "data:image/svg+xml;base64,"


def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(messages=messages)
    env.filters["printable"] = printable
    env.filters["note_lines"] = note_lines
    env.globals["picture"] = picture_data
    return env


NOTE_LINES = 5  # a note keeps its line breaks, and the report its one page


def note_lines(text: str) -> str:
    """A note's lines without the empty ones, its last lines run together past
    ``NOTE_LINES``: the line breaks a person wrote, in bounded space."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "\n".join([*lines[: NOTE_LINES - 1], " ".join(lines[NOTE_LINES - 1 :])]).strip()


def picture_data(name: str) -> str:
    """A stretch picture (``knee-press/start``...) as a data address for ``<img>``."""
    from easeback.pictures.catalogue import rendered

    return PICTURE_PREFIX + base64.b64encode(rendered(name).encode()).decode()


def _fetcher() -> Any:
    """WeasyPrint's fetcher, limited to the pictures placed in the page itself."""
    from weasyprint.urls import URLFetcher

    class OwnPictures(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith(PICTURE_PREFIX):
                raise ValueError(f"easeback PDFs load nothing from {url[:80]}")
            return super().fetch(url, headers)

    return OwnPictures(allowed_protocols=["data"])


def render_pdf(html: str) -> tuple[bytes, int]:
    """The PDF's bytes and its page count."""
    from weasyprint import HTML

    document = HTML(string=html, url_fetcher=_fetcher()).render()
    data: bytes = document.write_pdf(pdf_variant=PDF_VARIANT)
    return data, len(document.pages)


# The plan's source when none is given: the article's (``usecases.following.plan_words``).
ARTICLE = {"source": "article"}
# The report gives this much of the clinician's note (their own words, and the report
# keeps to one page); the routine sheet gives it whole.
REPORT_NOTE_LIMIT = 300


def report_html(
    view: Overview,
    plan: list[dict[str, Any]],
    *,
    generated: datetime,
    routine: str,
    person: Profile | None = None,
    source: dict[str, Any] | None = None,
) -> str:
    """The report's HTML. ``plan`` and ``source`` are ``usecases.today.export_plan``'s:
    with a prescription followed, its plan section says who prescribed it and when,
    with the clinician's note; when one has ended, it says so."""
    from easeback.reports.charts import adherence_chart, pain_chart, psfs_chart
    from easeback.reports.sparks import percent

    return str(
        _environment()
        .get_template("report.html")
        .render(
            view=view,
            plan=plan,
            source=source or ARTICLE,
            note_limit=REPORT_NOTE_LIMIT,
            generated=generated,
            routine=routine,
            person=person or Profile(),
            charts={
                "adherence": adherence_chart(view.weeks),
                "pain": pain_chart(view.pain, view.pain_stops, view.first, view.last),
                "psfs": psfs_chart(view.psfs, view.first, view.last),
            },
            verdict=messages.VERDICT_WORDS,
            question_text=messages.QUESTION_TEXT,
            percent=percent,
            day_format="%d %b %Y" if view.first.year != view.last.year else "%d %b",
        )
    )


def sheet_html(
    plan: list[dict[str, Any]],
    *,
    generated: datetime,
    person: Profile | None = None,
    source: dict[str, Any] | None = None,
) -> str:
    """The routine sheet's HTML; ``plan`` and ``source`` as for ``report_html``."""
    from easeback.content.library import load_library
    from easeback.pictures.catalogue import sheet_pictures

    library = load_library()
    return str(
        _environment()
        .get_template("sheet.html")
        .render(
            plan=plan,
            source=source or ARTICLE,
            note_limit=None,
            stretches={s.id: s for s in library.stretches},
            sheet_pictures=sheet_pictures,
            generated=generated,
            person=person or Profile(),
        )
    )
