"""The server's own pages: log in, join with an invitation, log out, the account
page (with who has seen a patient's records) and the admin's list of clinicians."""

from __future__ import annotations

import unicodedata
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from easeback.clinician.status import patient_zone
from easeback.server import accounts, audit, devices
from easeback.server.accounts import Account, AccountProblem, Login, Throttled
from easeback.server.guard import (
    HOMES,
    LOGIN_COOKIE,
    account_of,
    address_of,
    clinic_of,
    login_of,
    note,
    secret_of,
    set_login_cookie,
)
from easeback.server.qr import qr_svg
from easeback.server.schema import accounts as accounts_table
from easeback.usecases import clock
from easeback.web.responses import checked_form, render

router = APIRouter(include_in_schema=False)


def printable(text: str) -> str:
    """``text`` without control characters (tabs and line breaks stay): nobody types
    them in a name, an address or a code, PostgreSQL refuses NUL outright, and an
    escape sequence kept in a name would be replayed on every page that shows it."""
    return "".join(c for c in text if c in "\t\n\r" or unicodedata.category(c) != "Cc")


def field(form: Any, name: str, limit: int = 300) -> str:
    value = form.get(name)
    return printable(value[:limit]) if isinstance(value, str) else ""


def safe_next(target: str | None, role: str) -> str:
    """Where to go after logging in: a path on this site only (never another host)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return HOMES[role]


def invite_link(request: Request, code: str) -> str:
    return f"{request.app.state.config.public_url}/join?{urlencode({'code': code})}"


def invite_context(request: Request, code: str, name: str, days: int) -> dict[str, Any]:
    """What an invitation page shows once: the code, its link and its QR code."""
    link = invite_link(request, code)
    return {
        "invite": {
            "code": code,
            "link": link,
            "name": name,
            "qr": qr_svg(link, f"QR code of the invitation link for {name}"),
            "expires": clock.wall_now() + timedelta(days=days),
        }
    }


# --- logging in and out -------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    if (login := login_of(request)) is not None:
        return RedirectResponse(safe_next(next, login.account.role), status_code=303)
    return render(request, "login.html", title="Log in", values={"next": next or ""}, errors={})


@router.post("/login", response_class=HTMLResponse)
async def log_in(request: Request) -> Response:
    form = await checked_form(request)
    email, password = field(form, "email"), field(form, "password", 400)
    values = {"email": email, "next": field(form, "next")}
    now = clock.wall_now()

    def attempt() -> tuple[Account, str, Login] | None:
        with clinic_of(request).begin() as connection:
            who = accounts.check_password(
                connection,
                secret_of(request),
                email=email,
                password=password,
                address=address_of(request),
                now=now,
            )
            if who is None:
                return None
            token, login = accounts.start_login(connection, secret_of(request), who, now)
            return who, token, login

    try:
        # argon2id is slow on purpose: in a thread, so the worker's other requests
        # (phones uploading sessions) are not held up by each login.
        found = await run_in_threadpool(attempt)
    except Throttled as exc:
        note(request, "log in", "429")
        minutes = max(1, round(exc.retry_after / 60))
        response = render(
            request,
            "login.html",
            status=429,
            title="Log in",
            values=values,
            errors={
                "form": f"Too many wrong passwords for this account or from this network. "
                f"Wait {minutes} minute{'s' if minutes != 1 else ''} and try again, or ask "
                "your clinic to reset your password."
            },
        )
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if found is None:
        note(request, "log in", "400")
        return render(
            request,
            "login.html",
            status=400,
            title="Log in",
            values=values,
            errors={
                "form": "The email address or the password is wrong. Check both and try again."
            },
        )
    who, token, login = found
    note(request, "log in", "ok", actor=who)
    redirect = RedirectResponse(safe_next(values["next"], who.role), status_code=303)
    set_login_cookie(redirect, token, login, secure=request.app.state.config.secure)
    return redirect


@router.post("/logout")
async def log_out(request: Request) -> Response:
    await checked_form(request)
    token = request.cookies.get(LOGIN_COOKIE, "")
    if token:
        with clinic_of(request).begin() as connection:
            accounts.end_login(connection, secret_of(request), token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    # The pages this device kept for offline use belong to whoever logged out.
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


# --- joining with an invitation -----------------------------------------------------


@router.get("/join", response_class=HTMLResponse)
def join_page(request: Request, code: str = "") -> Response:
    return render(
        request, "join.html", title="Join your clinic", values={"code": code[:40]}, errors={}
    )


@router.post("/join", response_class=HTMLResponse)
async def join(request: Request) -> Response:
    form = await checked_form(request)
    values = {"code": field(form, "code", 40), "email": field(form, "email")}
    password = field(form, "password", 400)
    if password != field(form, "again", 400):
        errors = {"again": "The two passwords differ; type the same one twice."}
        return render(
            request, "join.html", status=400, title="Join your clinic", values=values, errors=errors
        )
    now = clock.wall_now()
    try:
        who = await run_in_threadpool(  # hashes the password: see log_in
            accounts.redeem_invite,
            clinic_of(request),
            secret_of(request),
            code=values["code"],
            email=values["email"],
            password=password,
            now=now,
        )
    except AccountProblem as exc:
        note(request, "join", "400")
        errors = {exc.field or "form": str(exc)}
        return render(
            request, "join.html", status=400, title="Join your clinic", values=values, errors=errors
        )
    with clinic_of(request).begin() as connection:
        token, login = accounts.start_login(connection, secret_of(request), who, now)
    note(request, "join", "ok", actor=who)
    response = RedirectResponse(HOMES[who.role], status_code=303)
    set_login_cookie(response, token, login, secure=request.app.state.config.secure)
    return response


# --- the account page ---------------------------------------------------------------


def devices_context(request: Request, patient: Account) -> dict[str, Any]:
    """What a page listing ``patient``'s linked devices shows, in the patient's zone."""
    with clinic_of(request).connect() as connection:
        linked = devices.devices_of(connection, patient.id)
    return {"devices": linked, "zone": patient_zone(clinic_of(request), patient.id) or "UTC"}


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, unlinked: bool = False) -> Response:
    """The patient's account: who else has opened their records, the devices they
    linked, and logging out."""
    who = account_of(request)
    with clinic_of(request).connect() as connection:
        seen = audit.seen_by_others(connection, who.id)
        clinician = accounts.account(connection, who.clinician_id) if who.clinician_id else None
    linked = devices_context(request, who) if who.role == "patient" else {}
    return render(
        request,
        "account.html",
        title="Your account",
        seen=seen,
        clinician=clinician,
        unlinked=unlinked,
        **linked,
    )


# --- the admin's page ---------------------------------------------------------------


def clinicians(request: Request) -> list[dict[str, Any]]:
    with clinic_of(request).connect() as connection:
        rows = connection.execute(
            select(accounts_table.c.id, accounts_table.c.name, accounts_table.c.email)
            .where(accounts_table.c.role == "clinician")
            .order_by(accounts_table.c.name)
        ).all()
        counts: dict[str, int] = dict(
            connection.execute(
                select(accounts_table.c.clinician_id, func.count())
                .where(accounts_table.c.role == "patient")
                .group_by(accounts_table.c.clinician_id)
            ).all()
        )
    return [{"name": r.name, "email": r.email, "patients": counts.get(r.id, 0)} for r in rows]


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request) -> Response:
    return render(request, "admin.html", title="Clinicians", clinicians=clinicians(request))


@router.post("/admin/invite", response_class=HTMLResponse)
async def invite_clinician(request: Request) -> Response:
    form = await checked_form(request)
    name = field(form, "name", 200)
    admin: Account = account_of(request)
    try:
        with clinic_of(request).begin() as connection:
            code = accounts.make_invite(
                connection, secret_of(request), maker=admin, name=name, now=clock.wall_now()
            )
    except AccountProblem as exc:
        return render(
            request,
            "admin.html",
            status=400,
            title="Clinicians",
            clinicians=clinicians(request),
            values={"name": name},
            errors={"name": str(exc)},
        )
    note(request, "invite a clinician", "ok")
    return render(
        request,
        "admin.html",
        title="Clinicians",
        clinicians=clinicians(request),
        **invite_context(request, code, " ".join(name.split()), accounts.INVITE_LIFETIME.days),
    )
