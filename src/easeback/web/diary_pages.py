"""The diary pages: log pain or a note, the PSFS, progress with charts, and the
downloads for a clinician (report, routine sheet, exports)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException

from easeback.core.errors import StoreError
from easeback.usecases.diary_input import (
    NAME_LIMIT,
    NOTE_LIMIT,
    PSFS_MAX,
    PSFS_MIN,
    SCORE_MAX,
    activities_problem,
    clean_note,
    parse_score,
)
from easeback.usecases.today import person_zone
from easeback.web.bodies import UUID_PATTERN
from easeback.web.responses import checked_form, form_answer, not_saved, render, store_of
from easeback.wording import messages

router = APIRouter(include_in_schema=False)

PSFS_SLOTS = PSFS_MAX
# What each field may hold, from the rules the server applies: rendered as the
# fields' maxlength, so the page never takes more (or less) than is kept.
LIMITS = {"note": NOTE_LIMIT, "activity": NAME_LIMIT, "rating": len(str(SCORE_MAX))}
PSFS_WORDS = {
    "count": f"Name {PSFS_MIN} to {PSFS_MAX} activities your back makes hard.",
    "twice": "Each activity once, please.",
}


def diary_form(
    request: Request,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    saved: str | None = None,
    fault: StoreError | None = None,
) -> HTMLResponse:
    from easeback.store.diary import entries, psfs_view
    from easeback.usecases.clock import wall_now

    engine = store_of(request)
    view = psfs_view(engine, wall_now())
    activities = [a["name"] for a in view["activities"]]
    return form_answer(
        request,
        "diary.html",
        errors=errors or {},
        fault=fault,
        title="Diary",
        values=values or {},
        saved=saved,
        recent=list(reversed(entries(engine)))[:20],
        psfs=view,
        limits=LIMITS,
        activity_names=activities + [""] * (PSFS_SLOTS - len(activities)),
    )


@router.get("/diary", response_class=HTMLResponse)
def diary(request: Request, saved: str | None = None) -> HTMLResponse:
    return diary_form(request, saved=saved)


@router.post("/diary", response_class=HTMLResponse)
async def log_entry(request: Request) -> Response:
    from easeback.store.diary import add_entry
    from easeback.usecases.clock import wall_now

    form = await checked_form(request)
    pain_text = str(form.get("pain", "")).strip()
    note = clean_note(str(form.get("note", "")))
    share = form.get("share") is not None
    # Made by the page (diary.js), so a form sent twice (a reload after posting) stores
    # one entry; a page without scripts sends none.
    client_id = str(form.get("client_id", "")).strip().lower()
    values = {"pain": pain_text, "note": note, "share": share}
    errors: dict[str, str] = {}
    pain: int | None = None
    if pain_text:
        pain = parse_score(pain_text)
        if pain is None:
            errors["pain"] = "Choose a number from 0 (no pain) to 10 (worst)."
    if len(note) > NOTE_LIMIT:
        errors["note"] = f"The note has {len(note)} characters; please keep it to {NOTE_LIMIT}."
    if pain is None and not note and not errors:
        errors["pain"] = "Choose how much it hurts, or write a note (or both)."
    if errors:
        return diary_form(request, values=values, errors=errors)
    try:
        add_entry(
            store_of(request),
            at=wall_now(),
            zone=person_zone(store_of(request)),
            pain=pain,
            note=note or None,
            share=share,
            client_id=client_id if re.fullmatch(UUID_PATTERN, client_id) else None,
        )
    except (StoreError, SQLAlchemyError) as exc:
        return diary_form(request, values=values, fault=not_saved(request, exc))
    return RedirectResponse("/diary?saved=entry", status_code=303)


@router.post("/diary/psfs", response_class=HTMLResponse)
async def save_psfs(request: Request) -> Response:
    from easeback.store.diary import current_activities, rate_activities, set_activities
    from easeback.usecases.clock import wall_now

    form = await checked_form(request)
    names = [str(form.get(f"activity-{i}", "")).strip() for i in range(PSFS_SLOTS)]
    ratings = [str(form.get(f"rating-{i}", "")).strip() for i in range(PSFS_SLOTS)]
    errors: dict[str, str] = {}
    for index, (name, rating) in enumerate(zip(names, ratings, strict=True)):
        if rating and not name:
            errors[f"activity-{index}"] = "Name the activity this rating is for."
        if name and parse_score(rating) is None:
            errors[f"rating-{index}"] = f"Rate “{name[:40]}” from 0 (unable) to 10 (as before)."
    problem = activities_problem([n for n in names if n])
    if problem:
        kind, _ = problem
        if kind == "long":
            index = next(i for i, n in enumerate(names) if len(n) > NAME_LIMIT)
            errors.setdefault(f"activity-{index}", f"Keep the name to {NAME_LIMIT} characters.")
        else:
            errors.setdefault("activity-0", PSFS_WORDS[kind])
    if errors:
        return diary_form(
            request,
            values={"names": names, "ratings": ratings},
            errors=errors,
        )
    engine = store_of(request)
    chosen = [n for n in names if n]
    try:
        if [a.name for a in current_activities(engine)] != chosen:
            set_activities(engine, chosen, at=wall_now())
        current = current_activities(engine)
        by_name = {n: parse_score(r) or 0 for n, r in zip(names, ratings, strict=True) if n}
        rate_activities(
            engine,
            {a.id: by_name[a.name] for a in current},
            at=wall_now(),
            zone=person_zone(engine),
        )
    except (StoreError, SQLAlchemyError) as exc:
        values = {"names": names, "ratings": ratings}
        return diary_form(request, values=values, fault=not_saved(request, exc))
    return RedirectResponse("/diary?saved=psfs", status_code=303)


def asked_period(
    request: Request, start: str | None, end: str | None
) -> tuple[date, date] | dict[str, str]:
    """The period a From/To pair asks for, or what is wrong with each field."""
    from easeback.core.plan import local_day
    from easeback.usecases.clock import wall_now
    from easeback.usecases.overview import BadPeriod, period

    days: dict[str, date | None] = {}
    errors: dict[str, str] = {}
    for name, value in (("start", start), ("end", end)):
        try:
            days[name] = date.fromisoformat(value) if value else None
        except ValueError:
            errors[name] = messages.WEB_NOT_A_DATE.format(value=value)
    if errors:
        return errors
    try:
        return period(days["start"], days["end"], local_day(wall_now(), _zone(request)))
    except BadPeriod as exc:
        return {exc.field: f"{str(exc).capitalize()}."}


def _period(request: Request, start: str | None, end: str | None) -> tuple[date, date]:
    asked = asked_period(request, start, end)
    if isinstance(asked, dict):
        raise HTTPException(400, " ".join(asked.values()))
    return asked


def _zone(request: Request) -> str:
    return person_zone(store_of(request))


@router.get("/progress", response_class=HTMLResponse)
def progress(request: Request, start: str | None = None, end: str | None = None) -> HTMLResponse:
    from easeback.usecases.overview import EmptyPeriod, build_overview

    asked = asked_period(request, start, end)
    if isinstance(asked, dict):  # shown beside its field, with what was given kept
        given = {"start": start or "", "end": end or ""}
        return render(
            request, "progress.html", 400, title="Progress", errors=asked, given=given, view=None
        )
    first, last = asked
    given = {"start": first.isoformat(), "end": last.isoformat()}
    try:
        view = build_overview(store_of(request), first, last, zone=_zone(request))
    except EmptyPeriod:
        return render(
            request,
            "progress.html",
            title="Progress",
            errors={},
            given=given,
            view=None,
            first=first,
            last=last,
        )
    return render(
        request,
        "progress.html",
        title="Progress",
        errors={},
        given=given,
        view=view,
        first=first,
        last=last,
        charts=charts_of(view),
        verdict=messages.VERDICT_WORDS,
    )


def charts_of(view: Any) -> list[Any]:
    """The progress page's charts of an overview (a clinician's page of one patient
    draws the same)."""
    from easeback.reports.charts import adherence_chart, pain_chart, psfs_chart

    return [
        adherence_chart(view.weeks),
        pain_chart(view.pain, view.pain_stops, view.first, view.last),
        psfs_chart(view.psfs, view.first, view.last),
    ]


def _attachment(name: str) -> dict[str, str]:
    """A file to save, never kept in a cache: it holds health data."""
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


def _download(data: bytes, media: str, name: str) -> Response:
    return Response(
        data,
        media_type=media,
        headers=_attachment(name),
    )


@router.get("/report.pdf")
def report_pdf(request: Request, start: str | None = None, end: str | None = None) -> Response:
    from easeback.reports.pdf import render_pdf, report_html
    from easeback.store.profile import latest_profile
    from easeback.usecases.clock import wall_now
    from easeback.usecases.overview import EmptyPeriod, build_overview
    from easeback.usecases.today import export_plan

    first, last = _period(request, start, end)
    engine = store_of(request)
    try:
        view = build_overview(engine, first, last, zone=_zone(request))
    except EmptyPeriod as exc:
        raise HTTPException(404, f"{str(exc).capitalize()}; choose another period.") from None
    plan = export_plan(engine)
    html = report_html(
        view,
        plan.stretches,
        generated=wall_now().astimezone(),
        routine="daily plan",
        person=latest_profile(engine),
        source=plan.source,
    )
    data, _pages = render_pdf(html)
    return _download(data, "application/pdf", f"easeback-report-{first}-{last}.pdf")


@router.get("/sheet.pdf")
def sheet_pdf(request: Request) -> Response:
    from easeback.reports.pdf import render_pdf, sheet_html
    from easeback.store.profile import latest_profile
    from easeback.usecases.clock import wall_now
    from easeback.usecases.today import export_plan

    engine = store_of(request)
    plan = export_plan(engine)
    html = sheet_html(
        plan.stretches, generated=wall_now(), person=latest_profile(engine), source=plan.source
    )
    data, _pages = render_pdf(html)
    return _download(data, "application/pdf", "easeback-routine.pdf")


@router.get("/export/{kind}")
def export(request: Request, kind: str, excel: bool = False) -> Response:
    import tempfile

    from fastapi.responses import StreamingResponse

    from easeback.reports.exports import write_export
    from easeback.usecases.clock import wall_now

    names = {
        "json": ("application/json", "easeback-export.json"),
        "csv": ("application/zip", "easeback-export.zip"),
        "fhir": ("application/fhir+json", "easeback-fhir.json"),
    }
    if kind not in names:
        raise HTTPException(404, f"There is no export called {kind!r}: json, csv or fhir.")
    if excel and kind != "csv":
        raise HTTPException(400, "Only the CSV tables come in a version for Excel.")
    media, name = names[kind]
    if excel:
        name = "easeback-export-excel.zip"
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - closed by the response
    write_export(store_of(request), kind, wall_now(), spool, excel=excel)
    spool.seek(0)
    return StreamingResponse(
        _chunks(spool),
        media_type=media,
        headers=_attachment(name),
    )


def _chunks(spool: Any) -> Any:
    with spool:
        while chunk := spool.read(256 * 1024):
            yield chunk
