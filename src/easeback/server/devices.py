"""Devices a patient linked to sync with the clinic, and erasing a patient's records.

A device (the patient's own easeback on a laptop) links once, with an invitation code
(which makes the account, exactly as the join page does) or with the patient's email
and password (throttled like the login page), and is given a token: only its keyed
hash is kept, under a prefix of its own, so a device token never opens a page as a
login cookie would, nor a cookie the sync routes. The token stays good until the
patient, an admin or the device itself revokes it.

Erasing a patient's records (on their request) empties their store and records when:
their devices linked before that moment are then told "erased" at each sync (410)
instead of pushing the records back. Nothing is revoked, so the device can say why.

Functions here take a Connection (or, for the two links, the clinic's Engine, since
redeeming an invitation is a transaction of its own) and hash passwords in the
caller's thread: routes call them off the event loop.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from easeback.server import audit
from easeback.server.accounts import (
    Account,
    AccountProblem,
    _account,
    check_password,
    redeem_invite,
)
from easeback.server.schema import accounts, devices, erasures, invites, patient_status
from easeback.server.tenancy import erase_patient_store
from easeback.server.tokens import keyed_hash, new_token, normal_code
from easeback.store.schema import to_utc

NAME_LIMIT = 80
# A sync every few seconds must not write a row each time: "last sync" is told to
# the minute.
SEEN_EVERY = timedelta(minutes=1)


class LinkRefused(Exception):
    """A device could not be linked; ``problem`` is the protocol's kind of refusal
    (code, login, role, input), ``message`` says what to do."""

    def __init__(self, problem: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.message = message


@dataclass(frozen=True)
class Device:
    id: str
    account_id: str
    name: str
    created: datetime
    last_seen: datetime | None
    revoked: datetime | None
    revoked_by: str | None


@dataclass(frozen=True)
class Linked:
    """A device just linked: its token is shown once, to the device."""

    device: Device
    token: str
    account: Account


@dataclass(frozen=True)
class Holder:
    """Who holds a device token: the device, its patient (None when the account was
    closed) and when their records were erased after the device was linked."""

    device: Device
    account: Account | None
    erased: datetime | None


def _utc(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None else None


def _device(row: object) -> Device:
    m = row._mapping  # type: ignore[attr-defined]
    return Device(
        m["id"],
        m["account_id"],
        m["name"],
        m["created_utc"].replace(tzinfo=UTC),
        _utc(m["last_seen_utc"]),
        _utc(m["revoked_utc"]),
        m["revoked_by"],
    )


def token_hash(secret: str, token: str) -> str:
    return keyed_hash(secret, f"device:{token}")


def clean_device_name(name: str) -> str:
    """The device's name as shown on the account page: one line, no control characters."""
    kept = "".join(c for c in name if unicodedata.category(c) != "Cc" or c in "\t\n")
    kept = " ".join(kept.split())
    if not kept:
        raise LinkRefused(
            "input", "Name this device (for example 'Kitchen laptop'), so you can tell it apart."
        )
    if len(kept) > NAME_LIMIT:
        raise LinkRefused(
            "input", f"The device's name is longer than {NAME_LIMIT} characters; shorten it."
        )
    return kept


def add_device(
    connection: Connection, secret: str, who: Account, name: str, now: datetime
) -> Linked:
    token = new_token()
    device = Device(uuid.uuid4().hex, who.id, name, now.astimezone(UTC), None, None, None)
    connection.execute(
        insert(devices).values(
            id=device.id,
            account_id=who.id,
            name=name,
            token_hash=token_hash(secret, token),
            created_utc=to_utc(now),
        )
    )
    return Linked(device, token, who)


def invited_role(connection: Connection, secret: str, code: str) -> str | None:
    """The role an invitation code is for (None when there is no such code)."""
    normal = normal_code(code)
    if normal is None:
        return None
    found = connection.execute(
        select(invites.c.role).where(invites.c.code_hash == keyed_hash(secret, normal))
    ).scalar()
    return str(found) if found is not None else None


def link_with_code(
    engine: Engine,
    secret: str,
    *,
    code: str,
    email: str,
    password: str,
    device: str,
    now: datetime,
) -> Linked:
    """Join with a patient's invitation (the account is made as on the join page),
    then link the device."""
    name = clean_device_name(device)
    with engine.connect() as connection:
        role = invited_role(connection, secret, code)
    if role is not None and role != "patient":
        raise LinkRefused(
            "role",
            "This invitation is for a clinician's account, and only patients link a device. "
            "Join on the clinic's web page instead.",
        )
    try:
        who = redeem_invite(engine, secret, code=code, email=email, password=password, now=now)
    except AccountProblem as exc:
        raise LinkRefused("code" if exc.field == "code" else "input", str(exc)) from exc
    with engine.begin() as connection:
        return add_device(connection, secret, who, name, now)


def link_with_login(
    engine: Engine,
    secret: str,
    *,
    email: str,
    password: str,
    device: str,
    address: str,
    now: datetime,
) -> Linked:
    """Log in as on the login page (the same throttle: ``Throttled`` is raised), then
    link the device."""
    name = clean_device_name(device)
    with engine.begin() as connection:  # a wrong password's failure is kept: no raise here
        who = check_password(
            connection, secret, email=email, password=password, address=address, now=now
        )
        linked = None
        if who is not None and who.role == "patient":
            linked = add_device(connection, secret, who, name, now)
    if who is None:
        raise LinkRefused(
            "login", "The email address or the password is wrong. Check both and try again."
        )
    if linked is None:
        raise LinkRefused(
            "role",
            f"This is {'an' if who.role == 'admin' else 'a'} {who.role}'s account, and only "
            "patients link a device to sync their "
            "records. Log in with the patient's own account.",
        )
    return linked


def device_of(connection: Connection, secret: str, token: str) -> Holder | None:
    """The device holding ``token``, its patient and the erasure it has not seen."""
    if not token or len(token) > 100:
        return None
    row = connection.execute(
        select(devices, erasures.c.at_utc.label("erased_utc"))
        .outerjoin(erasures, erasures.c.account_id == devices.c.account_id)
        .where(devices.c.token_hash == token_hash(secret, token))
    ).first()
    if row is None:
        return None
    device = _device(row)
    found = connection.execute(
        select(accounts).where(
            accounts.c.id == device.account_id, accounts.c.disabled_utc.is_(None)
        )
    ).first()
    erased = _utc(row.erased_utc)
    if erased is not None and erased < device.created:
        erased = None  # linked after the erasure: it starts from the empty store
    return Holder(device, _account(found) if found is not None else None, erased)


def touch(connection: Connection, device: Device, now: datetime) -> None:
    """Note the device's sync, at most once a minute (the account page says when)."""
    if device.last_seen is not None and now - device.last_seen < SEEN_EVERY:
        return
    connection.execute(
        update(devices).where(devices.c.id == device.id).values(last_seen_utc=to_utc(now))
    )


def device(connection: Connection, device_id: str) -> Device | None:
    row = connection.execute(select(devices).where(devices.c.id == device_id)).first()
    return _device(row) if row is not None else None


def devices_of(connection: Connection, account_id: str) -> list[Device]:
    """The patient's linked devices that still sync, the first linked first."""
    rows = connection.execute(
        select(devices)
        .where(devices.c.account_id == account_id, devices.c.revoked_utc.is_(None))
        .order_by(devices.c.created_utc, devices.c.id)
    )
    return [_device(row) for row in rows]


def revoke(connection: Connection, device_id: str, *, by: Account | None, now: datetime) -> bool:
    """Unlink a device: its token opens nothing any more. ``by``: the patient or an
    admin, None for the device itself. False when it was revoked already."""
    done = connection.execute(
        update(devices)
        .where(devices.c.id == device_id, devices.c.revoked_utc.is_(None))
        .values(revoked_utc=to_utc(now), revoked_by=by.id if by is not None else None)
    )
    return bool(done.rowcount)


def patient_by_email(connection: Connection, email: str) -> Account | None:
    """The account with this email address, whatever its role (None: no such account)."""
    row = connection.execute(
        select(accounts).where(accounts.c.email == email.strip().lower())
    ).first()
    return _account(row) if row is not None else None


def erase(
    connection: Connection,
    patient: Account,
    *,
    by: Account | None,
    address: str | None,
    now: datetime,
) -> None:
    """Erase every record of ``patient`` kept on the server (their store is left empty,
    and the clinician's summary of it goes), and note when, for their devices and the
    audit log. Their account, login and devices stay: a device is told at its next
    sync that the records were erased, rather than sending them back."""
    if patient.role != "patient":
        raise ValueError("only a patient's records are erased")
    erase_patient_store(connection, patient.id)
    connection.execute(delete(patient_status).where(patient_status.c.patient_id == patient.id))
    values = {"account_id": patient.id, "at_utc": to_utc(now), "by_account": by.id if by else None}
    statement = pg_insert(erasures).values(values)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[erasures.c.account_id],
            set_={"at_utc": statement.excluded.at_utc, "by_account": statement.excluded.by_account},
        )
    )
    audit.record(
        connection,
        actor_id=by.id if by is not None else None,
        patient_id=patient.id,
        action="erase the patient's records",
        outcome="ok",
        address=address,
        now=now,
    )
