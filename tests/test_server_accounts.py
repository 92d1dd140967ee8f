"""The clinic's server: each patient's records in a schema of their own, built by the
store's migrations; joining with a one-time invitation; logging in and out; the
admin's invitations; the guards on host and origin. Against a real PostgreSQL."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import ProgrammingError

from easeback.server import audit
from easeback.server.accounts import (
    AccountProblem,
    create_account,
    make_invite,
    redeem_invite,
)
from easeback.server.config import from_environment
from easeback.server.schema import accounts, logins
from easeback.server.tenancy import create_patient_store, open_clinic, patient_schema, scoped
from easeback.server.tokens import normal_code
from easeback.store import open_store
from easeback.store.diary import add_entry
from easeback.store.diary import entries as diary_entries
from server_helpers import PASSWORD, SECRET, clinic, csrf_of, invite, log_in
from test_store_postgres import schema

NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


# --- one schema per patient -----------------------------------------------------------


def test_each_patient_has_the_very_tables_of_a_single_user_sqlite_file(
    postgres_url: str, db_path: Path
) -> None:
    engine = open_clinic(postgres_url)
    lite = open_store(str(db_path))
    try:
        patient = uuid.uuid4().hex
        with engine.begin() as connection:
            create_patient_store(connection, patient)
        built = schema(engine, patient_schema(patient))
        assert len(built) > 15
        assert built == schema(lite)
    finally:
        engine.dispose()
        lite.dispose()


def test_a_patients_engine_sees_their_records_and_no_one_elses(postgres_url: str) -> None:
    engine = open_clinic(postgres_url)
    try:
        sam, kim = uuid.uuid4().hex, uuid.uuid4().hex
        with engine.begin() as connection:
            create_patient_store(connection, sam)
            create_patient_store(connection, kim)
        add_entry(scoped(engine, sam), at=NOW, zone="UTC", pain=6, note="stiff", share=False)
        assert [e.note for e in diary_entries(scoped(engine, sam))] == ["stiff"]
        assert diary_entries(scoped(engine, kim)) == []
        # Without a patient's scope, the patients' tables are not there at all.
        with pytest.raises(ProgrammingError), engine.connect() as connection:
            connection.execute(text("SELECT count(*) FROM diary_entries"))
    finally:
        engine.dispose()


def test_a_patient_account_comes_with_its_store_and_a_clinician_account_without(
    postgres_url: str,
) -> None:
    engine = open_clinic(postgres_url)
    try:
        with engine.begin() as connection:
            doctor = create_account(
                connection,
                role="clinician",
                email="Dr@Clinic.test",
                name=" Dr  Okafor ",
                password=PASSWORD,
                now=NOW,
            )
            sam = create_account(
                connection,
                role="patient",
                email="sam@clinic.test",
                name="Sam",
                password=PASSWORD,
                now=NOW,
                clinician_id=doctor.id,
            )
            names = {r[0] for r in connection.execute(text("SELECT nspname FROM pg_namespace"))}
        assert (doctor.email, doctor.name) == ("dr@clinic.test", "Dr Okafor")
        assert patient_schema(sam.id) in names
        assert patient_schema(doctor.id) not in names
        with engine.connect() as connection:
            stored = connection.execute(select(accounts.c.password_hash)).scalars().all()
        assert all(h.startswith("$argon2id$") for h in stored)
    finally:
        engine.dispose()


# --- invitations ------------------------------------------------------------------------


def test_an_invitation_code_works_once_and_forgives_case_dashes_and_look_alikes(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as c:
        code = invite(c, "dr_a", "New Person")
        typed = code.replace("-", " ").lower().replace("0", "o").replace("1", "l")
        assert normal_code(typed) == code
        made = redeem_invite(
            c.app.state.clinic,
            SECRET,
            code=typed,
            email="new@x.org",
            password="a long enough one",
            now=datetime.now(UTC),
        )
        assert (made.role, made.name, made.clinician_id) == (
            "patient",
            "New Person",
            c.people["dr_a"].id,
        )
        with pytest.raises(AccountProblem, match="not valid") as refused:
            redeem_invite(
                c.app.state.clinic,
                SECRET,
                code=code,
                email="other@x.org",
                password="a long enough one",
                now=datetime.now(UTC),
            )
        assert refused.value.field == "code"


def test_an_expired_invitation_is_refused_in_the_same_words_as_a_wrong_one(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as c:
        with c.app.state.clinic.begin() as connection:
            code = make_invite(
                connection,
                SECRET,
                maker=c.people["dr_a"],
                name="Late",
                now=NOW,
            )
        late = NOW + timedelta(days=7, seconds=1)
        refusals = []
        for tried in (code, "AAAAA-AAAAA", "not a code"):
            with pytest.raises(AccountProblem) as refused:
                redeem_invite(
                    c.app.state.clinic,
                    SECRET,
                    code=tried,
                    email="late@x.org",
                    password="a long enough one",
                    now=late,
                )
            refusals.append(str(refused.value))
        assert len(set(refusals)) == 1
        with c.app.state.clinic.connect() as connection:
            emails = connection.execute(select(accounts.c.email)).scalars().all()
        assert "late@x.org" not in emails


def test_joining_through_the_page_logs_the_new_patient_in_and_a_weak_password_is_explained(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as c:
        code = invite(c, "dr_a", "Robin")
        browser = c.client()
        token = csrf_of(browser, f"/join?code={code}")
        short = browser.post(
            "/join",
            data={
                "csrf": token,
                "code": code,
                "email": "robin@x.org",
                "password": "short",
                "again": "short",
            },
        )
        assert short.status_code == 400
        assert "at least 10" in short.text
        joined = browser.post(
            "/join",
            data={
                "csrf": token,
                "code": code,
                "email": "robin@x.org",
                "password": "robin's long password",
                "again": "robin's long password",
            },
            follow_redirects=False,
        )
        assert (joined.status_code, joined.headers["location"]) == (303, "/today")
        assert browser.get("/api/today").status_code == 200


def test_the_admin_invites_a_clinician_with_a_code_a_link_and_a_qr_code(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as c:
        admin = c.client("admin")
        shown = admin.post(
            "/admin/invite", data={"csrf": csrf_of(admin, "/admin"), "name": "Dr Ng"}
        )
        assert shown.status_code == 200
        assert "<svg" in shown.text and "https://clinic.test/join?code=" in shown.text
        assert shown.headers["cache-control"] == "no-store"
        empty = admin.post("/admin/invite", data={"csrf": csrf_of(admin, "/admin"), "name": "  "})
        assert empty.status_code == 400 and "Give a name" in empty.text


# --- logging in and out -------------------------------------------------------------


def test_the_login_cookie_is_secure_httponly_and_lax_and_logging_out_ends_it(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as c:
        browser = c.client()
        answer = browser.post(
            "/login",
            data={"csrf": csrf_of(browser), "email": "PAT_A@clinic.test", "password": PASSWORD},
            follow_redirects=False,
        )
        cookie = answer.headers["set-cookie"].lower()
        assert "easeback_login=" in cookie
        assert all(flag in cookie for flag in ("secure", "httponly", "samesite=lax"))
        assert answer.headers["location"] == "/today"
        stolen = browser.cookies.get("easeback_login")
        out = browser.post(
            "/logout", data={"csrf": csrf_of(browser, "/account")}, follow_redirects=False
        )
        assert out.headers["clear-site-data"] == '"cache", "storage"'
        with c.app.state.clinic.connect() as connection:
            assert connection.execute(select(func.count()).select_from(logins)).scalar() == 0
        replay = c.client()
        replay.cookies.set("easeback_login", stolen or "")
        assert replay.get("/api/today").status_code == 401


def test_a_wrong_password_says_the_same_as_an_unknown_address(postgres_url: str) -> None:
    with clinic(postgres_url) as c:
        texts = []
        for email, password in (
            ("pat_a@clinic.test", "wrong password!"),
            ("nobody@x.org", PASSWORD),
        ):
            browser = c.client()
            answer = browser.post(
                "/login", data={"csrf": csrf_of(browser), "email": email, "password": password}
            )
            assert answer.status_code == 400
            summary = answer.text.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
            texts.append(summary)
        assert texts[0] == texts[1]
        assert "email address or the password is wrong" in texts[0]


def test_after_logging_in_each_role_lands_on_its_own_pages(postgres_url: str) -> None:
    with clinic(postgres_url) as c:
        for who, home in (("admin", "/admin"), ("dr_a", "/clinic"), ("pat_a", "/today")):
            browser = c.client(who)
            assert browser.get("/", follow_redirects=False).headers["location"] == home
        nobody = c.client()
        target = nobody.get("/diary", follow_redirects=False).headers["location"]
        assert target == "/login?next=%2Fdiary"
        log_in(nobody, "pat_a@clinic.test")
        assert nobody.get("/login?next=/diary", follow_redirects=False).headers["location"] == (
            "/diary"
        )
        assert (
            nobody.get("/login?next=//evil.test/x", follow_redirects=False).headers["location"]
            == "/today"
        )


def test_the_patients_account_page_lists_who_else_opened_their_records(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as c:
        with c.app.state.clinic.begin() as connection:
            audit.record(
                connection,
                actor_id=c.people["dr_a"].id,
                patient_id=c.people["pat_a"].id,
                action="opened your progress",
                outcome="ok",
                address="10.0.0.1",
                now=NOW,
            )
        page = c.client("pat_a").get("/account").text
        assert "Dr Okafor" in page and "opened your progress" in page
        assert "Nobody else" in c.client("pat_b").get("/account").text


# --- host and origin ----------------------------------------------------------------


def test_a_foreign_host_or_origin_is_refused(postgres_url: str) -> None:
    with clinic(postgres_url) as c:
        browser = c.client("pat_a")
        assert browser.get("/today", headers={"host": "evil.test"}).status_code == 400
        posted = browser.post(
            "/logout",
            data={"csrf": csrf_of(browser, "/account")},
            headers={"origin": "https://evil.test"},
        )
        assert posted.status_code == 403
        assert browser.get("/api/today").status_code == 200  # still logged in
        assert "max-age" in browser.get("/login").headers["strict-transport-security"]


# --- configuration --------------------------------------------------------------------


def test_the_configuration_names_each_thing_missing_and_how_to_fix_it(tmp_path: Path) -> None:
    nothing = from_environment({})
    found = " ".join(nothing.problems())
    assert "EASEBACK_SERVER_DB" in found and "secret" in found.lower()
    lite = from_environment({"EASEBACK_SERVER_DB": "sqlite:///x.db", "EASEBACK_SECRET": "x" * 40})
    assert lite.problems() == [lite.problems()[0]] and "not PostgreSQL" in lite.problems()[0]
    short = from_environment(
        {"EASEBACK_SERVER_DB": "postgresql://a@b/c", "EASEBACK_SECRET": "tooshort"}
    )
    assert "8 characters long" in short.problems()[0]
    unreadable = from_environment(
        {"EASEBACK_SERVER_DB": "postgresql://a@b/c", "EASEBACK_SECRET_FILE": str(tmp_path / "no")}
    )
    assert "cannot be read" in unreadable.problems()[0]
    plain = from_environment(
        {
            "EASEBACK_SERVER_DB": "postgresql://a@b/c",
            "EASEBACK_SECRET": "x" * 40,
            "EASEBACK_PUBLIC_URL": "http://clinic.example.org",
        }
    )
    assert plain.problems() == [] and "plain HTTP" in plain.warnings()[0]


def test_a_patients_day_is_in_their_devices_time_zone_not_the_servers(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as c:
        phone = c.client("pat_a")
        phone.cookies.set("easeback_zone", "Pacific/Auckland")
        assert phone.get("/api/today").json()["zone"] == "Pacific/Auckland"
        phone.cookies.set("easeback_zone", "../../etc/passwd")
        assert phone.get("/api/today").json()["zone"] != "../../etc/passwd"


def test_wrong_passwords_sent_at_once_are_throttled_like_wrong_passwords_in_a_row(
    postgres_url: str,
) -> None:
    """An attacker does not wait for one guess's answer before sending the next: a
    dozen guesses at once must not all be checked before any of them is counted."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from easeback.server.accounts import MAX_FAILURES_PER_ACCOUNT, Throttled, check_password

    engine = open_clinic(postgres_url, pool_size=12)
    try:
        with engine.begin() as connection:
            create_account(
                connection,
                role="clinician",
                email="dr@clinic.test",
                name="Dr Okafor",
                password=PASSWORD,
                now=NOW,
            )
        guesses = 12
        start = Barrier(guesses)

        def guess(n: int) -> str:
            start.wait()
            try:
                with engine.begin() as connection:
                    found = check_password(
                        connection,
                        SECRET,
                        email="dr@clinic.test",
                        password=f"guess number {n}",
                        address=f"10.0.0.{n}",
                        now=NOW,
                    )
            except Throttled:
                return "throttled"
            return "checked" if found is None else "in"

        with ThreadPoolExecutor(guesses) as pool:
            outcomes = list(pool.map(guess, range(guesses)))
        assert outcomes.count("checked") == MAX_FAILURES_PER_ACCOUNT
        assert outcomes.count("throttled") == guesses - MAX_FAILURES_PER_ACCOUNT
    finally:
        engine.dispose()


def test_passwords_are_hashed_off_the_event_loop_so_a_login_holds_up_no_one_else(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """argon2id takes a tenth of a second and 64 MiB on purpose; on the event loop
    it would stall every phone's upload served by that worker, login after login."""
    import asyncio

    from easeback.server import accounts as accounts_module

    on_loop: list[str] = []

    def watched(name: str, real: object) -> object:
        def call(*args: object) -> object:
            try:
                asyncio.get_running_loop()
                on_loop.append(name)
            except RuntimeError:
                pass
            return real(*args)  # type: ignore[operator]

        return call

    monkeypatch.setattr(accounts_module, "verify", watched("verify", accounts_module.verify))
    monkeypatch.setattr(
        accounts_module, "hash_password", watched("hash", accounts_module.hash_password)
    )
    with clinic(postgres_url) as c:
        code = invite(c, "dr_a", "Robin")
        browser = c.client()
        token = csrf_of(browser, f"/join?code={code}")
        words = "robin's long password"
        joined = browser.post(
            "/join",
            data={"csrf": token, "code": code, "email": "robin@x.org"}
            | {"password": words, "again": words},
            follow_redirects=False,
        )
        assert joined.status_code == 303
        c.client("pat_a")  # logs in
        wrong = c.client()
        answer = wrong.post(
            "/login", data={"csrf": csrf_of(wrong), "email": "x@y.org", "password": "nope" * 3}
        )
        assert answer.status_code == 400
    assert on_loop == []


def test_a_record_kept_on_a_shared_device_is_never_stored_under_another_login(
    postgres_url: str,
) -> None:
    with clinic(postgres_url) as c:
        kim = c.client("pat_b")
        entry = {"id": str(uuid.uuid4()), "at": "2026-11-29T07:00:00Z", "pain": 7}
        token = csrf_of(kim, "/today")
        sams = kim.post(
            "/api/diary",
            json=entry,
            headers={"x-csrf-token": token, "x-easeback-account": tag_of(kim, "x")},
        )
        assert sams.status_code == 401 and sams.json()["cause"] == "login"
        assert diary_entries(scoped(c.app.state.clinic, c.people["pat_b"].id)) == []
        own = kim.post(
            "/api/diary",
            json=entry,
            headers={"x-csrf-token": token, "x-easeback-account": tag_of(kim)},
        )
        assert own.status_code == 201
        assert [
            e.pain for e in diary_entries(scoped(c.app.state.clinic, c.people["pat_b"].id))
        ] == [7]


def tag_of(browser: Any, other: str = "") -> str:
    """The outbox's mark of the logged-in account, as its pages give it (``other``:
    a mark that is not it, as another account's would be)."""
    found = re.search(r'name="easeback-account" content="([^"]+)"', browser.get("/today").text)
    assert found
    return found.group(1)[: -len(other)] + other if other else found.group(1)
