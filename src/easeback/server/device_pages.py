"""The routes of linked devices (issue 14, sync): a device links itself and unlinks
itself in the sync protocol's JSON; the patient unlinks one from their account page;
an admin finds a patient, unlinks their devices, and erases their records on request.

The guard (guard.py) has already judged who may call each: ``/api/devices`` is
public and carries no cookie, ``/api/sync/device`` is opened by the device's own
token, ``/account/...`` by the patient's login, ``/admin/...`` by an admin's.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from easeback.server import accounts, devices
from easeback.server.accounts import Account, Throttled
from easeback.server.devices import Linked, LinkRefused
from easeback.server.guard import (
    account_of,
    address_of,
    clinic_of,
    note,
    problem,
    secret_of,
)
from easeback.server.limits import read_at_most
from easeback.server.pages import devices_context, field
from easeback.server.tenancy import ACCOUNT_ID
from easeback.usecases import clock
from easeback.web.responses import checked_form, render

router = APIRouter(include_in_schema=False)

BODY_LIMIT = 16 * 1024
STATUS = {"code": 400, "login": 401, "role": 403, "input": 422}


def clinic_card(request: Request) -> dict[str, str]:
    """The clinic as a device keeps it: the name it is reached by, and the key its
    prescriptions are signed with (clinician/editor.py), to trust them by."""
    from easeback.clinician.editor import clinic_key
    from easeback.prescribing.signature import fingerprint

    key = clinic_key(secret_of(request))
    return {
        "fingerprint": fingerprint(key),
        "public_key": json.dumps(key.as_dict(private=False), sort_keys=True),
        "name": request.app.state.config.host,
    }


def link_request(raw: bytes) -> dict[str, Any]:
    """The link's body, checked: each field of the protocol with its type."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise LinkRefused("input", 'Send a JSON object: {"code", "email", "password", "device"}.')
    for name in ("email", "password", "device"):
        if not isinstance(body.get(name), str):
            raise LinkRefused("input", f"The field {name!r} is missing or is not text.")
    if body.get("code") is not None and not isinstance(body["code"], str):
        raise LinkRefused("input", "The field 'code' is neither text nor null.")
    return body


async def capped_body(request: Request) -> bytes:
    """The body, read no further than ``BODY_LIMIT`` (a link is a few hundred bytes:
    a larger one is refused before it is all in memory)."""
    too_big = LinkRefused("input", f"The request is larger than {BODY_LIMIT // 1024} KB.")
    body = await read_at_most(request, BODY_LIMIT)
    if body is None:
        raise too_big
    return body


@router.post("/api/devices")
async def link_device(request: Request) -> Response:
    """Link a patient's device: with an invitation code (which makes their account)
    or with their email and password. The token in the answer is shown only once."""
    now = clock.wall_now()
    try:
        body = link_request(await capped_body(request))
        common = {
            "email": body["email"],
            "password": body["password"],
            "device": body["device"],
            "now": now,
        }
        engine, secret = clinic_of(request), secret_of(request)
        linked: Linked
        if body.get("code"):
            linked = await run_in_threadpool(  # argon2 is slow on purpose: off the loop
                lambda: devices.link_with_code(engine, secret, code=body["code"], **common)
            )
        else:
            linked = await run_in_threadpool(
                lambda: devices.link_with_login(
                    engine, secret, address=address_of(request), **common
                )
            )
    except Throttled as exc:
        await run_in_threadpool(note, request, "link a device", "429")
        minutes = max(1, round(exc.retry_after / 60))
        answer = problem(
            429,
            "throttled",
            "Too many wrong passwords for this account or from this network. Wait "
            f"{minutes} minute{'s' if minutes != 1 else ''} and try again, or ask your "
            "clinic to reset your password.",
        )
        answer.headers["Retry-After"] = str(exc.retry_after)
        return answer
    except LinkRefused as exc:
        status = STATUS[exc.problem]
        await run_in_threadpool(note, request, "link a device", str(status))
        return problem(status, exc.problem, exc.message)
    who = linked.account
    await run_in_threadpool(note, request, "link a device", "ok", actor=who, patient_id=who.id)
    return Response(
        json.dumps(
            {
                "device": linked.device.id,
                "token": linked.token,
                "account": who.id,
                "server_time": now.isoformat(),
                "clinic": clinic_card(request),
            }
        ),
        status_code=201,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@router.delete("/api/sync/device", status_code=204)
def unlink_itself(request: Request) -> Response:
    """The device unlinks itself: its token opens nothing from now on."""
    device_id: str = request.state.device_id
    who: Account = request.state.account
    with clinic_of(request).begin() as connection:
        devices.revoke(connection, device_id, by=None, now=clock.wall_now())
    note(request, "unlink a device", "ok", actor=who, patient_id=who.id)
    return Response(status_code=204)


# --- the patient's account page -----------------------------------------------------


def own_device(request: Request, device_id: str, owner: str | None) -> devices.Device:
    """The device ``device_id`` if it belongs to ``owner`` (None: to any patient);
    404 otherwise, in the same words whether it exists or not."""
    found = None
    if ACCOUNT_ID.fullmatch(device_id):
        with clinic_of(request).connect() as connection:
            found = devices.device(connection, device_id)
    if found is None or (owner is not None and found.account_id != owner):
        raise HTTPException(404, "There is no device of yours at this address.")
    return found


@router.post("/account/devices/{device_id}/revoke")
async def unlink_mine(request: Request, device_id: str) -> Response:
    await checked_form(request)
    who = account_of(request)
    found = own_device(request, device_id, who.id)
    with clinic_of(request).begin() as connection:
        devices.revoke(connection, found.id, by=who, now=clock.wall_now())
    note(request, "unlink a device", "ok", patient_id=who.id)
    return RedirectResponse("/account?unlinked=true#devices", status_code=303)


# --- the admin's page of one patient ------------------------------------------------


def patient_page(
    request: Request,
    email: str,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    **shown: Any,
) -> HTMLResponse:
    """The admin's page of the patient with ``email`` (a search form alone without)."""
    found: Account | None = None
    context: dict[str, Any] = {}
    errors = dict(errors or {})
    if email:
        with clinic_of(request).connect() as connection:
            found = devices.patient_by_email(connection, email)
            doctor = found.clinician_id if found is not None else None
            context["clinician"] = accounts.account(connection, doctor) if doctor else None
        if found is None or found.role != "patient":
            errors.setdefault(
                "email",
                f"No patient has the email address {email}. Check it, or ask the patient's "
                "clinician which address they joined with.",
            )
            status = 404 if status == 200 else status
            found = None
        else:
            context |= devices_context(request, found)
    return render(
        request,
        "admin_patient.html",
        status=status,
        title="A patient's devices and records",
        patient=found,
        values={"email": email},
        errors=errors,
        **context,
        **shown,
    )


@router.get("/admin/patient", response_class=HTMLResponse)
def admin_patient(request: Request, email: str = "", unlinked: bool = False) -> Response:
    return patient_page(request, email[:254].strip(), unlinked=unlinked)


@router.post("/admin/devices/{device_id}/revoke")
async def unlink_as_admin(request: Request, device_id: str) -> Response:
    await checked_form(request)
    admin = account_of(request)
    found = own_device(request, device_id, None)
    with clinic_of(request).begin() as connection:
        devices.revoke(connection, found.id, by=admin, now=clock.wall_now())
        patient = accounts.account(connection, found.account_id)
    note(request, "unlink a device", "ok", patient_id=found.account_id)
    email = patient.email if patient is not None else ""
    query = urlencode({"email": email, "unlinked": "true"})
    return RedirectResponse(f"/admin/patient?{query}", status_code=303)


@router.post("/admin/patient/erase", response_class=HTMLResponse)
async def erase_as_admin(request: Request) -> Response:
    form = await checked_form(request)
    email, confirm = field(form, "email", 254).strip(), field(form, "confirm", 254).strip()
    admin = account_of(request)
    with clinic_of(request).connect() as connection:
        patient = devices.patient_by_email(connection, email) if email else None
    if patient is None or patient.role != "patient":
        return patient_page(request, email, status=400)
    if confirm.lower() != patient.email:
        return patient_page(
            request,
            email,
            status=400,
            errors={"confirm": f"Type {patient.email} exactly to confirm; nothing was erased."},
        )

    def erase() -> None:
        with clinic_of(request).begin() as connection:
            devices.erase(
                connection, patient, by=admin, address=address_of(request), now=clock.wall_now()
            )

    await run_in_threadpool(erase)
    return patient_page(request, email, erased=True)
