"""Building a clinic for the server's tests: an app on a throwaway database, and
accounts of every role made through the same code the pages use."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from easeback.server.accounts import Account, create_account, make_invite
from easeback.server.app import create_server_app
from easeback.server.config import ServerConfig
from easeback.server.tenancy import open_clinic
from easeback.usecases.clock import wall_now

PUBLIC_URL = "https://clinic.test"
SECRET = "s" * 48
PASSWORD = "correct horse battery"


def config_for(database: str) -> ServerConfig:
    return ServerConfig(database=database, secret=SECRET, public_url=PUBLIC_URL)


@dataclass
class Clinic:
    """An app and the accounts made in it, by name."""

    app: object
    people: dict[str, Account]

    def client(self, who: str | None = None) -> TestClient:
        """A browser, logged in as ``who`` (None: nobody)."""
        client = TestClient(self.app, base_url=PUBLIC_URL)  # type: ignore[arg-type]
        if who is not None:
            log_in(client, self.people[who].email)
        return client


def csrf_of(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text) or re.search(
        r'name="csrf-token" content="([^"]+)"', page.text
    )
    assert found, page.text[:500]
    return found.group(1)


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"csrf": token, "email": email, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]


def clinic_accounts(engine: Engine) -> dict[str, Account]:
    """An admin, two clinicians (``dr_a``, ``dr_b``) and a patient of the first
    (``pat_a``) and of the second (``pat_b``), made in the clinic's database."""
    now = wall_now()
    people: dict[str, Account] = {}
    with engine.begin() as connection:
        people["admin"] = create_account(
            connection,
            role="admin",
            email="admin@clinic.test",
            name="Ada Admin",
            password=PASSWORD,
            now=now,
        )
        for key, name in (("dr_a", "Dr Okafor"), ("dr_b", "Dr Berg")):
            people[key] = create_account(
                connection,
                role="clinician",
                email=f"{key}@clinic.test",
                name=name,
                password=PASSWORD,
                now=now,
            )
        for key, doctor, name in (("pat_a", "dr_a", "Sam Patel"), ("pat_b", "dr_b", "Kim Lee")):
            people[key] = create_account(
                connection,
                role="patient",
                email=f"{key}@clinic.test",
                name=name,
                password=PASSWORD,
                now=now,
                clinician_id=people[doctor].id,
            )
    return people


@contextmanager
def clinic(database: str) -> Iterator[Clinic]:
    """A clinic's app on ``database`` (a fresh, empty database) with the accounts of
    ``clinic_accounts``: the database is replaced by a copy of one built once per
    run, since hashing five passwords and migrating two patients' schemas for every
    test would cost the suite minutes."""
    people = from_template(database)
    app = create_server_app(config_for(database), pool_size=2)
    try:
        yield Clinic(app, people)
    finally:
        app.state.clinic.dispose()


# The template of each throwaway server (by its maintenance URL): its name and people.
_templates: dict[str, tuple[str, dict[str, Account]]] = {}


def from_template(database: str) -> dict[str, Account]:
    """Replace the empty ``database`` by a copy of the clinic template; its people."""
    base, name = database.rsplit("/", 1)
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    try:
        if base not in _templates:
            template = f"clinic_template_{uuid.uuid4().hex[:8]}"
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{template}"'))
            engine = open_clinic(f"{base}/{template}", pool_size=1)
            try:
                _templates[base] = (template, clinic_accounts(engine))
            finally:
                engine.dispose()
        template, people = _templates[base]
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            connection.execute(
                text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
            )
    finally:
        admin.dispose()
    return people


def invite(clinic_: Clinic, maker: str, name: str) -> str:
    with clinic_.app.state.clinic.begin() as connection:  # type: ignore[attr-defined]
        return make_invite(
            connection, SECRET, maker=clinic_.people[maker], name=name, now=wall_now()
        )
