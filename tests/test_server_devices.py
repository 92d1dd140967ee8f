"""Linking a patient's own easeback to the clinic (issue 14, the server's side): a
device links with an invitation code or a login, syncs with its token and nothing
else, is unlinked by the patient, an admin or itself, and is told when the patient's
records were erased on request. Against a real PostgreSQL."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from easeback.cli import app as cli_app
from easeback.clinician.editor import clinic_key
from easeback.prescribing.signature import fingerprint
from easeback.server.accounts import MAX_FAILURES_PER_ACCOUNT
from easeback.server.schema import accounts, audit, devices, erasures, invites, patient_status
from easeback.server.tenancy import open_clinic, scoped
from easeback.store.diary import add_entry, entries
from easeback.usecases import clock
from postgres import fresh_database
from server_helpers import PASSWORD, PUBLIC_URL, SECRET, Clinic, clinic, csrf_of, invite
from test_store_postgres import schema

SYNC = {"Easeback-Sync": "1"}
NOTE_A = "Stiff after the long drive"
NOTE_B = "Better after the walk"


def link(client: TestClient, **body: Any) -> Any:
    sent = {"code": None, "email": "pat_a@clinic.test", "password": PASSWORD}
    return client.post(
        "/api/devices", json={**sent, "device": "Kitchen laptop", **body}, headers=SYNC
    )


def bearer(token: str) -> dict[str, str]:
    return {**SYNC, "Authorization": f"Bearer {token}"}


def engine_of(c: Clinic) -> Engine:
    engine: Engine = c.app.state.clinic  # type: ignore[attr-defined]
    return engine


def with_records_route(c: Clinic) -> None:
    """A sync route of the test's own: what the guard hands a route (the account, the
    device, and the store it may read), until the lead's pull route is merged."""

    def records(request: Request) -> dict[str, Any]:
        notes = [e.note for e in entries(request.state.engine)]
        return {
            "account": request.state.account.id,
            "device": request.state.device_id,
            "notes": notes,
        }

    c.app.router.add_api_route("/api/sync/test-records", records)  # type: ignore[attr-defined]


def linked(c: Clinic, who: str = "pat_a", device: str = "Kitchen laptop") -> dict[str, Any]:
    answer = link(c.client(), email=c.people[who].email, device=device)
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


# --- linking ----------------------------------------------------------------------------


def test_a_device_links_with_an_invitation_code_which_makes_the_patients_account(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as c:
        code = invite(c, "dr_a", "Noor Haddad")
        answer = link(c.client(), code=code.lower(), email="noor@clinic.test", device="My laptop")

        assert answer.status_code == 201, answer.text
        body = answer.json()
        assert set(body) == {"device", "token", "account", "server_time", "clinic"}
        key = clinic_key(SECRET)
        assert body["clinic"]["fingerprint"] == fingerprint(key)
        assert body["clinic"]["name"] == "clinic.test"
        assert '"x"' in body["clinic"]["public_key"] and '"d"' not in body["clinic"]["public_key"]
        assert abs(datetime.fromisoformat(body["server_time"]) - datetime.now(UTC)) < timedelta(
            minutes=1
        )
        assert answer.headers["cache-control"] == "no-store"
        with engine_of(c).connect() as connection:
            made = connection.execute(
                select(accounts).where(accounts.c.id == body["account"])
            ).one()
            stored = connection.execute(select(devices)).one()
        assert (made.role, made.email, made.clinician_id) == (
            "patient",
            "noor@clinic.test",
            c.people["dr_a"].id,
        )
        assert (stored.id, stored.name, stored.account_id) == (body["device"], "My laptop", made.id)
        assert body["token"] not in stored.token_hash  # only its keyed hash is kept
        # The patient logs in on the web with the password they linked with.
        client = c.client()
        page = client.post(
            "/login",
            data={"csrf": csrf_of(client), "email": "noor@clinic.test", "password": PASSWORD},
            follow_redirects=False,
        )
        assert page.status_code == 303

        again = link(c.client(), code=code, email="other@clinic.test")
        assert again.status_code == 400
        assert again.json()["problem"] == "code"
        assert "not valid" in again.json()["message"]


def test_a_clinicians_invitation_links_no_device_and_stays_unused(postgres_url: str) -> None:
    with clinic(postgres_url) as c:
        code = invite(c, "admin", "Dr Newcomer")
        answer = link(c.client(), code=code, email="newcomer@clinic.test")

        assert answer.status_code == 403
        assert answer.json()["problem"] == "role"
        assert "only patients" in answer.json()["message"]
        with engine_of(c).connect() as connection:
            assert connection.execute(select(invites.c.used_utc)).scalar() is None
            assert connection.execute(select(func.count()).select_from(devices)).scalar() == 0


def test_a_device_links_with_the_patients_login_but_not_with_a_clinicians(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as c:
        body = linked(c)
        assert body["account"] == c.people["pat_a"].id

        doctor = link(c.client(), email="dr_a@clinic.test")
        assert doctor.status_code == 403
        assert doctor.json()["problem"] == "role"
        wrong = link(c.client(), password="not the password at all")
        assert wrong.status_code == 401
        assert wrong.json() == {
            "problem": "login",
            "message": "The email address or the password is wrong. Check both and try again.",
        }
        with engine_of(c).connect() as connection:
            assert connection.execute(select(func.count()).select_from(devices)).scalar() == 1


def test_wrong_passwords_when_linking_count_toward_the_login_pages_throttle(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as c:
        for _ in range(MAX_FAILURES_PER_ACCOUNT):
            assert link(c.client(), password="a wrong guess again").status_code == 401
        answer = link(c.client())  # the right password, too late

        assert answer.status_code == 429
        assert answer.json()["problem"] == "throttled"
        assert 0 < int(answer.headers["retry-after"]) <= 15 * 60
        assert "Wait 15 minutes" in answer.json()["message"]
        client = c.client()
        page = client.post(
            "/login",
            data={"csrf": csrf_of(client), "email": "pat_a@clinic.test", "password": PASSWORD},
        )
        assert page.status_code == 429  # one throttle for the page and the devices


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("[1, 2]", "Send a JSON object"),
        ("not json", "Send a JSON object"),
        ('{"code": null, "email": "pat_a@clinic.test", "device": "x"}', "'password'"),
        ('{"code": 7, "email": "a@b.c", "password": "p", "device": "x"}', "'code'"),
        ('{"code": null, "email": "a@b.c", "password": "p", "device": " \\u0007 "}', "Name this"),
        ('{"code": null, "email": "a@b.c", "password": "p", "device": "' + "x" * 81 + '"}', "80"),
        ('{"code": null, "email": "a@b.c", "password": "' + "p" * 20000 + '"}', "16 KB"),
    ],
)
def test_a_malformed_link_is_refused_with_what_to_send(
    postgres_url: str, body: str, said: str
) -> None:
    with clinic(postgres_url) as c:
        headers = {**SYNC, "Content-Type": "application/json"}
        answer = c.client().post("/api/devices", content=body, headers=headers)
        assert answer.status_code == 422, answer.text
        assert answer.json()["problem"] == "input"
        assert said in answer.json()["message"]


def test_linking_needs_the_protocols_version_and_no_cookie_or_csrf_token(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as c:
        old = c.client().post("/api/devices", json={"email": "pat_a@clinic.test"})
        assert old.status_code == 426
        assert old.json()["problem"] == "version"
        assert "Update easeback" in old.json()["message"]
        # A device has no page: no CSRF cookie, no Origin of this site; nor a cookie set.
        client = TestClient(c.app, base_url=PUBLIC_URL)  # type: ignore[arg-type]
        answer = client.post(
            "/api/devices",
            json={"code": None, "email": "pat_a@clinic.test", "password": PASSWORD, "device": "d"},
            headers={**SYNC, "Origin": "https://elsewhere.example"},
        )
        assert answer.status_code == 201, answer.text
        assert "set-cookie" not in answer.headers


# --- the token ----------------------------------------------------------------------------


def test_a_token_opens_its_own_patients_records_only_and_nothing_but_sync(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as c:
        with_records_route(c)
        for who, words in (("pat_a", NOTE_A), ("pat_b", NOTE_B)):
            store = scoped(engine_of(c), c.people[who].id)
            add_entry(store, at=datetime.now(UTC), zone="UTC", pain=4, note=words)
        a, b = linked(c, "pat_a"), linked(c, "pat_b")
        client = c.client()

        seen = client.get("/api/sync/test-records", headers=bearer(a["token"]))
        assert seen.status_code == 200
        assert seen.json() == {"account": a["account"], "device": a["device"], "notes": [NOTE_A]}
        assert client.get("/api/sync/test-records", headers=bearer(b["token"])).json()["notes"] == [
            NOTE_B
        ]
        hello = client.get("/api/sync/hello", headers=bearer(a["token"])).json()
        assert (hello["account"], hello["device"]) == (a["account"], a["device"])
        # A batch made for B, sent with A's token, is refused and stores nothing.
        batch = {"account": b["account"], "device": a["device"], "tables": [], "last": True}
        batch["clock"] = datetime.now(UTC).isoformat()
        pushed = client.post("/api/sync/push", json=batch, headers=bearer(a["token"]))
        assert pushed.status_code == 403 and pushed.json()["problem"] == "account"
        assert notes_of(c, "pat_b") == [NOTE_B]
        # The token is no login: the patient's own pages and API want the cookie.
        assert client.get("/api/today", headers=bearer(a["token"])).status_code == 401
        page = client.get("/account", headers=bearer(a["token"]), follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        # Nor the cookie a token: a logged-in patient's browser opens no sync route.
        browser = c.client("pat_a")
        refused = browser.get("/api/sync/test-records", headers=SYNC)
        assert refused.status_code == 401
        assert refused.json()["problem"] == "token"
        assert NOTE_A not in refused.text


@pytest.mark.parametrize(
    ("headers", "status", "kind"),
    [
        ({}, 426, "version"),
        ({"Easeback-Sync": "2"}, 426, "version"),
        (SYNC, 401, "token"),
        ({**SYNC, "Authorization": "Bearer not-a-token-of-ours"}, 401, "token"),
        ({**SYNC, "Authorization": "Basic cGF0OnB3"}, 401, "token"),
    ],
)
def test_a_sync_request_without_a_good_token_or_version_is_refused_and_audited(
    postgres_url: str, headers: dict[str, str], status: int, kind: str, caplog: Any
) -> None:
    with clinic(postgres_url) as c:
        with_records_route(c)
        with caplog.at_level(logging.WARNING, logger="easeback.server"):
            answer = c.client().get("/api/sync/test-records", headers=headers)
        assert answer.status_code == status
        assert answer.json()["problem"] == kind
        assert len(answer.json()["message"]) > 40
        with engine_of(c).connect() as connection:
            outcomes = connection.execute(select(audit.c.outcome, audit.c.action)).all()
        assert (str(status), outcomes[-1].action) == (outcomes[-1].outcome, outcomes[-1].action)
        assert outcomes[-1].action.startswith("sync")
        assert any(f"refused {status}" in r.getMessage() for r in caplog.records)
        assert not any("not-a-token" in r.getMessage() for r in caplog.records)


def test_the_account_page_says_when_each_device_last_synced_noted_once_a_minute(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with clinic(postgres_url) as c:
        with_records_route(c)
        body = linked(c)
        start = datetime.now(UTC)

        def seen_after(seconds: int) -> datetime:
            monkeypatch.setattr(clock, "wall_now", lambda: start + timedelta(seconds=seconds))
            answer = c.client().get("/api/sync/test-records", headers=bearer(body["token"]))
            assert answer.status_code == 200
            with engine_of(c).connect() as connection:
                seen = connection.execute(select(devices.c.last_seen_utc)).scalar_one()
            return seen.replace(tzinfo=UTC)

        first = seen_after(0)
        assert seen_after(30) == first  # not written again within the minute
        assert seen_after(90) == first + timedelta(seconds=90)
        monkeypatch.undo()
        page = c.client("pat_a").get("/account").text
        assert "Kitchen laptop" in page and "Not yet" not in page


# --- unlinking ------------------------------------------------------------------------------


def test_the_patient_unlinks_a_device_from_their_account_page(postgres_url: str) -> None:
    with clinic(postgres_url) as c:
        with_records_route(c)
        kept, lost = linked(c, device="Desk computer"), linked(c, device="Old laptop")
        page = c.client("pat_a")
        listed = page.get("/account").text
        assert "Desk computer" in listed and "Old laptop" in listed and "Not yet" in listed

        # Another patient cannot unlink it, nor learn that it exists.
        other = c.client("pat_b")
        refused = other.post(
            f"/account/devices/{lost['device']}/revoke", data={"csrf": csrf_of(other, "/account")}
        )
        assert refused.status_code == 404
        assert "Old laptop" not in refused.text
        answer = page.post(
            f"/account/devices/{lost['device']}/revoke",
            data={"csrf": csrf_of(page, "/account")},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        after = page.get(answer.headers["location"]).text
        assert "The device is unlinked" in after
        assert "Old laptop" not in after and "Desk computer" in after

        sync = c.client()
        gone = sync.get("/api/sync/test-records", headers=bearer(lost["token"]))
        assert gone.status_code == 401
        assert gone.json()["problem"] == "revoked"
        assert "by you" in gone.json()["message"] and "link it anew" in gone.json()["message"]
        assert sync.get("/api/sync/test-records", headers=bearer(kept["token"])).status_code == 200


def test_an_admin_finds_a_patient_and_unlinks_their_device(postgres_url: str) -> None:
    with clinic(postgres_url) as c:
        with_records_route(c)
        body = linked(c)
        admin = c.client("admin")
        assert "Find a patient" in admin.get("/admin").text
        page = admin.get("/admin/patient", params={"email": "PAT_A@clinic.test"})
        assert page.status_code == 200
        assert "Sam Patel" in page.text and "Kitchen laptop" in page.text
        assert "Dr Okafor" in page.text
        missing = admin.get("/admin/patient", params={"email": "dr_a@clinic.test"})
        assert missing.status_code == 404 and "No patient has the email address" in missing.text

        answer = admin.post(
            f"/admin/devices/{body['device']}/revoke",
            data={"csrf": csrf_of(admin, "/admin")},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        shown = admin.get(answer.headers["location"]).text
        assert "The device is unlinked" in shown and "No device is linked" in shown
        gone = c.client().get("/api/sync/test-records", headers=bearer(body["token"]))
        assert gone.json()["problem"] == "revoked"
        assert "by the clinic" in gone.json()["message"]
        with engine_of(c).connect() as connection:
            assert connection.execute(select(devices.c.revoked_by)).scalar() == c.people["admin"].id
        told = c.client("pat_a").get("/account").text  # who did it, on their account page
        assert "Ada Admin (admin)" in told and "unlink a device" in told
        assert body["device"] not in told


def test_a_device_unlinks_itself(postgres_url: str) -> None:
    with clinic(postgres_url) as c:
        with_records_route(c)
        body = linked(c)
        client = c.client()

        assert client.delete("/api/sync/device", headers=bearer(body["token"])).status_code == 204
        again = client.delete("/api/sync/device", headers=bearer(body["token"]))
        assert again.status_code == 401 and again.json()["problem"] == "revoked"
        assert "from the device itself" in again.json()["message"]
        assert "Kitchen laptop" not in c.client("pat_a").get("/account").text


# --- erasing a patient's records -------------------------------------------------------------


def notes_of(c: Clinic, who: str) -> list[str | None]:
    return [e.note for e in entries(scoped(engine_of(c), c.people[who].id))]


def test_an_admin_erases_a_patients_records_after_typing_their_email_and_devices_are_told(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as c:
        with_records_route(c)
        for who, words in (("pat_a", NOTE_A), ("pat_b", NOTE_B)):
            store = scoped(engine_of(c), c.people[who].id)
            add_entry(store, at=datetime.now(UTC), zone="UTC", pain=4, note=words)
        a_device, b_device = linked(c, "pat_a"), linked(c, "pat_b")
        c.client("pat_a").get("/today")  # keeps their summary for the clinician's list
        admin = c.client("admin")
        token = csrf_of(admin, "/admin")
        email = c.people["pat_a"].email

        typo = admin.post(
            "/admin/patient/erase", data={"csrf": token, "email": email, "confirm": "pat_a@"}
        )
        assert typo.status_code == 400
        assert f"Type {email} exactly to confirm; nothing was erased." in typo.text
        assert notes_of(c, "pat_a") == [NOTE_A]

        done = admin.post(
            "/admin/patient/erase", data={"csrf": token, "email": email, "confirm": email.upper()}
        )
        assert done.status_code == 200
        assert "are erased" in done.text
        assert notes_of(c, "pat_a") == [] and notes_of(c, "pat_b") == [NOTE_B]
        with engine_of(c).connect() as connection:
            erased = connection.execute(select(erasures)).one()
            kept_summary = connection.execute(
                select(func.count())
                .select_from(patient_status)
                .where(patient_status.c.patient_id == c.people["pat_a"].id)
            ).scalar()
            logged = connection.execute(
                select(audit.c.actor_id, audit.c.patient_id).where(
                    audit.c.action == "erase the patient's records"
                )
            ).one()
        assert (erased.account_id, erased.by_account) == (
            c.people["pat_a"].id,
            c.people["admin"].id,
        )
        assert kept_summary == 0
        assert tuple(logged) == (c.people["admin"].id, c.people["pat_a"].id)

        sync = c.client()
        told = sync.get("/api/sync/test-records", headers=bearer(a_device["token"]))
        assert told.status_code == 410
        assert told.json()["problem"] == "erased"
        assert datetime.fromisoformat(told.json()["at"]) == erased.at_utc.replace(tzinfo=UTC)
        assert "sends nothing back" in told.json()["message"]
        assert (
            sync.get("/api/sync/test-records", headers=bearer(b_device["token"])).status_code == 200
        )
        # Their account stays: they log in, and a device linked from now on starts afresh.
        assert c.client("pat_a").get("/today").status_code == 200
        fresh = linked(c, "pat_a", device="New laptop")
        answer = sync.get("/api/sync/test-records", headers=bearer(fresh["token"]))
        assert answer.status_code == 200 and answer.json()["notes"] == []


def test_easeback_server_erase_asks_to_confirm_and_names_a_wrong_address(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as c:
        store = scoped(engine_of(c), c.people["pat_a"].id)
        add_entry(store, at=datetime.now(UTC), zone="UTC", pain=4, note=NOTE_A)
        env = {"EASEBACK_SERVER_DB": postgres_url, "EASEBACK_SECRET": SECRET}
        runner = CliRunner()

        def erase(*args: str) -> Any:
            return runner.invoke(cli_app, ["server", "erase", *args], env=env)

        unknown = erase("nobody@clinic.test", "--yes")
        assert unknown.exit_code == 2
        assert "no account has the email address nobody@clinic.test" in unknown.output
        doctor = erase("dr_a@clinic.test", "--yes")
        assert doctor.exit_code == 2
        assert "a clinician's account, not a patient's" in doctor.output
        unasked = erase("pat_a@clinic.test")  # no terminal to confirm at
        assert unasked.exit_code == 2 and "--yes" in unasked.output
        assert notes_of(c, "pat_a") == [NOTE_A]
        assert "Traceback" not in unknown.output + doctor.output + unasked.output

        done = erase("pat_a@clinic.test", "--yes")
        assert done.exit_code == 0, done.output
        assert "The records of Sam Patel (pat_a@clinic.test) are erased" in done.output
        assert notes_of(c, "pat_a") == []
        with engine_of(c).connect() as connection:
            assert connection.execute(select(erasures.c.by_account)).one() == (None,)


# --- the clinic's tables ---------------------------------------------------------------------


def test_the_clinics_migrations_build_the_tables_the_code_describes(
    postgres_server: str, postgres_url: str
) -> None:
    from easeback.server.schema import SCHEMA, metadata

    migrated = open_clinic(postgres_url, pool_size=1)
    with fresh_database(postgres_server) as other:
        described = open_clinic(other, pool_size=1)
        try:
            with described.begin() as connection:
                connection.exec_driver_sql(f"DROP SCHEMA {SCHEMA} CASCADE")
                connection.exec_driver_sql(f"CREATE SCHEMA {SCHEMA}")
                metadata.create_all(connection)
            built, wanted = schema(migrated, SCHEMA), schema(described, SCHEMA)
        finally:
            described.dispose()
            migrated.dispose()
    built.pop("alembic_version")
    assert {"devices", "erasures"} <= set(built)
    assert built == wanted


# --- with the device's own client (usecases/syncing.py), through the real guard -----------


def test_a_linked_laptop_syncs_through_the_guard_and_hears_of_the_erasure(
    postgres_url: str, tmp_path: Any
) -> None:
    from easeback.store import open_store
    from easeback.store.schema import sessions
    from easeback.sync.wire import SyncFailure
    from easeback.usecases.syncing import link_device, sync_now, sync_status, unlink_device
    from sync_helpers import in_process, play

    with clinic(postgres_url) as c:
        to_server = in_process(c.app)  # type: ignore[arg-type]
        code = invite(c, "dr_a", "Noor Haddad")
        laptop = open_store(str(tmp_path / "laptop" / "easeback.db"))
        other = open_store(str(tmp_path / "other" / "easeback.db"))
        try:
            made = link_device(
                laptop,
                PUBLIC_URL,
                email="noor@clinic.test",
                password=PASSWORD,
                code=code,
                device_name="Noor's laptop",
                transport=to_server,
            )
            link_device(
                other,
                PUBLIC_URL,
                email="pat_b@clinic.test",
                password=PASSWORD,
                code=None,
                device_name="Kim's laptop",
                transport=to_server,
            )
            session_id = play(laptop, "completed", datetime.now(UTC) - timedelta(hours=1))
            assert sync_now(laptop, transport=to_server).sent > 0
            noor = scoped(engine_of(c), made.account)
            with noor.connect() as connection:
                assert connection.execute(select(sessions.c.id)).scalars().all() == [session_id]
            # Kim's laptop syncs its own (empty) records only: nothing of Noor's arrives.
            assert sync_now(other, transport=to_server).received == 0

            admin = c.client("admin")
            erased = admin.post(
                "/admin/patient/erase",
                data={
                    "csrf": csrf_of(admin, "/admin"),
                    "email": "noor@clinic.test",
                    "confirm": "noor@clinic.test",
                },
            )
            assert erased.status_code == 200
            with pytest.raises(SyncFailure) as failure:
                sync_now(laptop, transport=to_server)
            assert failure.value.kind == "erased" and failure.value.at is not None
            assert sync_status(laptop).erased_at == failure.value.at
            with noor.connect() as connection:  # nothing was sent back
                assert connection.execute(select(func.count()).select_from(sessions)).scalar() == 0

            assert unlink_device(other, transport=to_server) == "heard"
            with engine_of(c).connect() as connection:
                revoked = connection.execute(
                    select(devices.c.name).where(devices.c.revoked_utc.is_not(None))
                ).scalars()
                assert list(revoked) == ["Kim's laptop"]
        finally:
            laptop.dispose()
            other.dispose()
