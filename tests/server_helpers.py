"""Building a clinic for the server's tests: an app on a throwaway database, and
accounts of every role made through the same code the pages use."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from easeback.server.accounts import Account, create_account, make_invite
from easeback.server.app import create_server_app
from easeback.server.config import ServerConfig
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
    """A clinic's app on ``database`` with the accounts of ``clinic_accounts``."""
    app = create_server_app(config_for(database), pool_size=2)
    try:
        yield Clinic(app, clinic_accounts(app.state.clinic))
    finally:
        app.state.clinic.dispose()


def invite(clinic_: Clinic, maker: str, name: str) -> str:
    with clinic_.app.state.clinic.begin() as connection:  # type: ignore[attr-defined]
        return make_invite(
            connection, SECRET, maker=clinic_.people[maker], name=name, now=wall_now()
        )
