"""Accounts, invitations and logins: the clinic's rules for who may come in.

Three roles: an admin creates clinicians (by invitation), a clinician invites
patients, a patient sees only their own records. An invitation is a one-time code
that expires; redeeming it makes the account (and, for a patient, their store) in
one transaction. Logins are kept in the database, so any of the clinic's app
servers answers any request, and repeated wrong passwords are slowed per account
and per address.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from easeback.server.passwords import hash_password, password_problem, verify
from easeback.server.schema import accounts, invites, login_failures, logins
from easeback.server.tenancy import create_patient_store
from easeback.server.tokens import keyed_hash, new_code, new_token, normal_code
from easeback.store.schema import to_utc

ROLES = ("admin", "clinician", "patient")
INVITE_LIFETIME = timedelta(days=7)
# A phone on the mat must keep working offline for weeks; a clinician's browser on a
# shared desk should not stay logged in overnight.
LOGIN_LIFETIME = {"patient": timedelta(days=30), "clinician": timedelta(hours=12)}
ADMIN_LOGIN_LIFETIME = timedelta(hours=2)
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 30
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class AccountProblem(Exception):
    """Something a person typed cannot be used; ``field`` names the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Throttled(Exception):
    """Too many wrong passwords lately; ``retry_after`` seconds until the next try."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Account:
    id: str
    role: str
    email: str
    name: str
    clinician_id: str | None


@dataclass(frozen=True)
class Login:
    account: Account
    csrf: str
    expires: datetime


def _account(row: object) -> Account:
    m = row._mapping  # type: ignore[attr-defined]
    return Account(m["id"], m["role"], m["email"], m["name"], m["clinician_id"])


def clean_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.fullmatch(email) or len(email) > 254:
        raise AccountProblem(
            f"{email or 'An empty address'} is not an email address; write it like "
            "name@example.org.",
            "email",
        )
    return email


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise AccountProblem("Give a name, as the person would like to be called.", "name")
    if len(name) > 120:
        raise AccountProblem("The name is longer than 120 characters; shorten it.", "name")
    return name


def create_account(
    connection: Connection,
    *,
    role: str,
    email: str,
    name: str,
    password: str,
    now: datetime,
    clinician_id: str | None = None,
) -> Account:
    """A new account (a patient's records schema with it, in the same transaction)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    email, name = clean_email(email), clean_name(name)
    if (problem := password_problem(password, email)) is not None:
        raise AccountProblem(problem, "password")
    taken = connection.execute(select(accounts.c.id).where(accounts.c.email == email)).first()
    if taken is not None:
        raise AccountProblem(
            f"{email} already has an account here; log in with it, or use another address.",
            "email",
        )
    account_id = uuid.uuid4().hex
    connection.execute(
        insert(accounts).values(
            id=account_id,
            role=role,
            email=email,
            name=name,
            password_hash=hash_password(password),
            clinician_id=clinician_id,
            created_utc=to_utc(now),
        )
    )
    if role == "patient":
        create_patient_store(connection, account_id)
    return Account(account_id, role, email, name, clinician_id)


def account(connection: Connection, account_id: str) -> Account | None:
    row = connection.execute(
        select(accounts).where(accounts.c.id == account_id, accounts.c.disabled_utc.is_(None))
    ).first()
    return _account(row) if row is not None else None


def has_admin(connection: Connection) -> bool:
    query = select(func.count()).select_from(accounts).where(accounts.c.role == "admin")
    return bool(connection.execute(query).scalar())


def make_invite(
    connection: Connection,
    secret: str,
    *,
    maker: Account,
    name: str,
    now: datetime,
    lifetime: timedelta = INVITE_LIFETIME,
) -> str:
    """A one-time code for a new account: a clinician's patient, or an admin's
    clinician. Returns the code; only its keyed hash is kept."""
    role = {"admin": "clinician", "clinician": "patient"}.get(maker.role)
    if role is None:
        raise AccountProblem("Only clinicians invite patients, and admins clinicians.")
    code = new_code()
    connection.execute(
        insert(invites).values(
            code_hash=keyed_hash(secret, code),
            role=role,
            name=clean_name(name),
            made_by=maker.id,
            created_utc=to_utc(now),
            expires_utc=to_utc(now + lifetime),
        )
    )
    return code


def redeem_invite(
    engine: Engine, secret: str, *, code: str, email: str, password: str, now: datetime
) -> Account:
    """The account made from the invitation ``code``, which is then used up.

    Refused with the same words whether the code never existed, has expired or was
    used, so that guessing learns nothing; the code stays usable when only the email
    or password was wrong."""
    normal = normal_code(code)
    wrong = AccountProblem(
        "This invitation code is not valid: it may be mistyped, used already or expired "
        "(codes last 7 days). Ask your clinician for a new one.",
        "code",
    )
    if normal is None:
        raise wrong
    try:
        with engine.begin() as connection:
            row = connection.execute(
                select(invites)
                .where(invites.c.code_hash == keyed_hash(secret, normal))
                .with_for_update()
            ).first()
            if row is None or row.used_utc is not None or row.expires_utc <= to_utc(now):
                raise wrong
            made = create_account(
                connection,
                role=row.role,
                email=email,
                name=row.name,
                password=password,
                now=now,
                clinician_id=row.made_by if row.role == "patient" else None,
            )
            connection.execute(
                update(invites)
                .where(invites.c.code_hash == row.code_hash)
                .values(used_utc=to_utc(now), account_id=made.id)
            )
            return made
    except IntegrityError as exc:  # the same email, registered at the same moment
        raise AccountProblem(
            "That email address was registered just now; log in with it.", "email"
        ) from exc


def check_password(
    connection: Connection, secret: str, *, email: str, password: str, address: str, now: datetime
) -> Account | None:
    """The account whose email and password these are, or None.

    More than ``MAX_FAILURES_PER_ACCOUNT`` wrong tries at one account, or
    ``MAX_FAILURES_PER_ADDRESS`` from one address, within ``THROTTLE_WINDOW`` raise
    ``Throttled`` before the password is even checked. Keys are hashed: the table of
    failures names no one.

    Guesses sent at once wait for each other here (a lock per key, held to the end of
    ``connection``'s transaction): counted one after another, they cannot all pass the
    count before any of them is written."""
    keys = [
        "account:" + keyed_hash(secret, email.strip().lower()),
        "address:" + keyed_hash(secret, throttled_network(address)),
    ]
    for key in sorted(keys):
        connection.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))
    since = to_utc(now - THROTTLE_WINDOW)
    for key, limit in zip(keys, (MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS), strict=True):
        recent = connection.execute(
            select(func.count(), func.min(login_failures.c.at_utc)).where(
                login_failures.c.key == key, login_failures.c.at_utc > since
            )
        ).first()
        if recent is not None and recent[0] >= limit:
            wait = recent[1] + THROTTLE_WINDOW - to_utc(now)
            raise Throttled(max(1, int(wait.total_seconds()) + 1))
    row = connection.execute(
        select(accounts).where(
            accounts.c.email == email.strip().lower(), accounts.c.disabled_utc.is_(None)
        )
    ).first()
    if verify(row.password_hash if row is not None else None, password) and row is not None:
        return _account(row)
    connection.execute(insert(login_failures), [{"key": k, "at_utc": to_utc(now)} for k in keys])
    return None


def throttled_network(address: str) -> str:
    """What counts as one address for the throttle: an IPv4 address, or an IPv6
    address's /64 (one household or one server is given a whole /64, so a guesser
    there could use a fresh address for every guess)."""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:  # ::ffff:203.0.113.9 is 203.0.113.9
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def start_login(
    connection: Connection, secret: str, who: Account, now: datetime
) -> tuple[str, Login]:
    """A new login for ``who``: the cookie's token (shown once) and the login."""
    token = new_token()
    lifetime = LOGIN_LIFETIME.get(who.role, ADMIN_LOGIN_LIFETIME)
    login = Login(who, new_token(), now + lifetime)
    connection.execute(
        delete(logins).where(logins.c.expires_utc <= to_utc(now))  # tidy as we go
    )
    connection.execute(
        insert(logins).values(
            token_hash=keyed_hash(secret, token),
            account_id=who.id,
            csrf=login.csrf,
            created_utc=to_utc(now),
            expires_utc=to_utc(login.expires),
        )
    )
    return token, login


def login_of(connection: Connection, secret: str, token: str, now: datetime) -> Login | None:
    """The live login whose cookie holds ``token``, or None."""
    if not token or len(token) > 100:
        return None
    row = connection.execute(
        select(accounts, logins.c.csrf, logins.c.expires_utc)
        .join(logins, logins.c.account_id == accounts.c.id)
        .where(
            logins.c.token_hash == keyed_hash(secret, token),
            logins.c.expires_utc > to_utc(now),
            accounts.c.disabled_utc.is_(None),
        )
    ).first()
    if row is None:
        return None
    return Login(_account(row), row.csrf, row.expires_utc)


def end_login(connection: Connection, secret: str, token: str) -> None:
    connection.execute(delete(logins).where(logins.c.token_hash == keyed_hash(secret, token)))


def patients_of(connection: Connection, clinician_id: str) -> list[Account]:
    rows = connection.execute(
        select(accounts)
        .where(accounts.c.clinician_id == clinician_id, accounts.c.disabled_utc.is_(None))
        .order_by(accounts.c.name)
    )
    return [_account(row) for row in rows]
