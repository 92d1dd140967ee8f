"""The clinician's pages, under ``/clinic``: the patient list (with the invitation
form), one patient's page, their report and FHIR export, and the prescription editor.

Every route about one patient reaches them through ``guard.patient_for`` and nothing
else: 404 for anyone who is not the clinician's own patient, and the read written to
the audit log that the patient sees on their account page. The report and the export
are the person's own routes, run on that patient's store.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection, func, select

from easeback.clinician import editor
from easeback.clinician.attention import DEFAULT_SORT, SORTS, ListRow, list_row, sort_rows
from easeback.clinician.status import refresh
from easeback.content.library import load_library
from easeback.core.plan import DaySettings, person_day
from easeback.server import accounts, audit
from easeback.server.accounts import AccountProblem
from easeback.server.guard import account_of, clinic_of, note, patient_for, secret_of
from easeback.server.pages import field, invite_context, printable
from easeback.server.schema import accounts as accounts_table
from easeback.server.schema import patient_status
from easeback.store.plan import latest_settings
from easeback.usecases import clock
from easeback.usecases.clock import local_zone
from easeback.usecases.overview import DEFAULT_DAYS, EmptyPeriod, build_overview
from easeback.web import diary_pages
from easeback.web.responses import checked_form, render
from easeback.wording import messages

router = APIRouter(include_in_schema=False)
SEARCH_LIMIT = 120
# Patients on one page of the list: all of them are sorted, one page is drawn.
PAGE_SIZE = 50


# --- the patient list -------------------------------------------------------------------


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def patient_rows(connection: Connection, clinician_id: str, q: str, now: datetime) -> list[ListRow]:
    """The clinician's patients (those whose names hold ``q``), each with their summary:
    one query, whatever the number of patients or of their records."""
    query = (
        select(
            accounts_table.c.id,
            accounts_table.c.name,
            accounts_table.c.created_utc,
            *[c for c in patient_status.c if c.name != "patient_id"],
        )
        .outerjoin(patient_status, patient_status.c.patient_id == accounts_table.c.id)
        .where(
            accounts_table.c.clinician_id == clinician_id,
            accounts_table.c.role == "patient",
            accounts_table.c.disabled_utc.is_(None),
        )
    )
    if q:
        query = query.where(func.lower(accounts_table.c.name).like(_like(q.lower()), escape="\\"))
    days: dict[str, date] = {}
    rows = []
    for row in connection.execute(query):
        kept = row._asdict() if row.refreshed_utc is not None else None
        rows.append(list_row(row.id, row.name, row.created_utc, kept, now, days))
    return rows


def list_page(
    request: Request,
    *,
    sort: str = DEFAULT_SORT,
    q: str = "",
    page: int = 1,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    clinician = account_of(request)
    q = " ".join(printable(q).split())[:SEARCH_LIMIT]
    if sort.removeprefix("-") not in SORTS:
        sort = DEFAULT_SORT
    now = clock.wall_now()
    with clinic_of(request).connect() as connection:
        rows = sort_rows(patient_rows(connection, clinician.id, q, now), sort)
        total = connection.execute(
            select(func.count())
            .select_from(accounts_table)
            .where(
                accounts_table.c.clinician_id == clinician.id,
                accounts_table.c.disabled_utc.is_(None),
            )
        ).scalar_one()
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    first = (page - 1) * PAGE_SIZE
    return render(
        request,
        "clinic.html",
        status=status,
        title="Your patients",
        rows=rows[first : first + PAGE_SIZE],
        found=len(rows),
        needing=sum(1 for row in rows if row.attention),
        first=first,
        page=page,
        pages=pages,
        total=total,
        sort=sort,
        q=q,
        **extra,
    )


@router.get("/clinic", response_class=HTMLResponse)
def patient_list(
    request: Request, sort: str = DEFAULT_SORT, q: str = "", page: str = "1"
) -> Response:
    return list_page(request, sort=sort, q=q, page=int(page) if page.isdigit() else 1)


@router.post("/clinic/invite", response_class=HTMLResponse)
async def invite_patient(request: Request) -> Response:
    form = await checked_form(request)
    name = field(form, "name", 200)
    clinician = account_of(request)
    try:
        with clinic_of(request).begin() as connection:
            code = accounts.make_invite(
                connection, secret_of(request), maker=clinician, name=name, now=clock.wall_now()
            )
    except AccountProblem as exc:
        return list_page(request, status=400, values={"name": name}, errors={"name": str(exc)})
    note(request, "invite a patient", "ok")
    shown = " ".join(name.split())
    return list_page(request, **invite_context(request, code, shown, accounts.INVITE_LIFETIME.days))


# --- one patient --------------------------------------------------------------------------


@router.get("/clinic/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(request: Request, patient_id: str) -> Response:
    patient, engine = patient_for(request, patient_id, "progress page")
    settings = latest_settings(engine) or DaySettings(zone=local_zone())
    now = clock.wall_now()
    last = person_day(now, settings)
    first = last - timedelta(days=DEFAULT_DAYS - 1)
    try:
        view = build_overview(engine, first, last, zone=settings.zone, now=now)
    except EmptyPeriod:
        view = None
    with clinic_of(request).connect() as connection:
        seen = audit.seen_by_others(connection, patient.id, limit=20)
        kept = (
            connection.execute(
                select(patient_status).where(patient_status.c.patient_id == patient.id)
            )
            .mappings()
            .first()
        )
        joined = connection.execute(
            select(accounts_table.c.created_utc).where(accounts_table.c.id == patient.id)
        ).scalar_one()
    row = list_row(patient.id, patient.name, joined, dict(kept) if kept else None, now)
    return render(
        request,
        "clinic_patient.html",
        title=patient.name,
        patient=patient,
        row=row,
        view=view,
        first=first,
        last=last,
        charts=diary_pages.charts_of(view) if view is not None else [],
        verdict=messages.VERDICT_WORDS,
        seen=seen,
    )


def as_patient(request: Request, patient_id: str, action: str) -> None:
    """Serve this request from the patient's store (the person's own routes read the
    store behind the request: web/responses.store_of)."""
    _patient, engine = patient_for(request, patient_id, action)
    request.state.engine = engine


@router.get("/clinic/patients/{patient_id}/report.pdf")
def patient_report(
    request: Request, patient_id: str, start: str | None = None, end: str | None = None
) -> Response:
    as_patient(request, patient_id, "PDF report")
    return diary_pages.report_pdf(request, start, end)


@router.get("/clinic/patients/{patient_id}/export/fhir")
def patient_fhir(request: Request, patient_id: str) -> Response:
    as_patient(request, patient_id, "FHIR export")
    return diary_pages.export(request, "fhir")


# --- the prescription editor ----------------------------------------------------------


def editor_page(
    request: Request,
    patient: accounts.Account,
    engine: Any,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    published: bool = False,
) -> HTMLResponse:
    from easeback.usecases.prescription import shown_prescription

    return render(
        request,
        "clinic_prescription.html",
        status=400 if errors else 200,
        title=f"Prescription for {patient.name}",
        patient=patient,
        library=load_library(),
        values=values,
        errors=errors or {},
        published=published,
        shown=shown_prescription(engine, now=clock.wall_now()),
        version=editor.next_version(engine),
    )


@router.get("/clinic/patients/{patient_id}/prescription", response_class=HTMLResponse)
def prescription_page(request: Request, patient_id: str, published: bool = False) -> Response:
    patient, engine = patient_for(request, patient_id, "prescription")
    settings = latest_settings(engine) or DaySettings(zone=local_zone())
    today = person_day(clock.wall_now(), settings)
    values = editor.current_values(engine, load_library(), today)
    return editor_page(request, patient, engine, values, published=published)


@router.post("/clinic/patients/{patient_id}/prescription", response_class=HTMLResponse)
async def publish_prescription(request: Request, patient_id: str) -> Response:
    form = await checked_form(request)
    patient, engine = patient_for(request, patient_id, "publish a prescription")
    library = load_library()
    values = editor.read_form(form, library)
    now = clock.wall_now()
    today = person_day(now, latest_settings(engine) or DaySettings(zone=local_zone()))
    version = editor.next_version(engine)
    prescription, errors = editor.to_prescription(values, library, version, today)
    if prescription is None:
        return editor_page(request, patient, engine, values, errors=errors)
    try:
        editor.publish(
            engine,
            prescription,
            clinician=account_of(request),
            patient=patient,
            organisation=request.app.state.config.host,
            secret=secret_of(request),
            now=now,
        )
    except editor.PrescriptionProblem as exc:  # the dates are checked above: not expected
        text = str(exc)
        errors = {"form": text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")}
        return editor_page(request, patient, engine, values, errors=errors)
    refresh(clinic_of(request), patient.id, now)
    return RedirectResponse(
        f"/clinic/patients/{patient.id}/prescription?published=true", status_code=303
    )
