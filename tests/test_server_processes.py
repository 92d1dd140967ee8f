"""``easeback server`` as an administrator runs it: real processes on a real PostgreSQL.

Two servers on one database, as a clinic runs them behind a load balancer, share
everything through PostgreSQL alone: a login made on one is honoured by the other,
an event sent through one is read back through the other, and wrong passwords are
counted across both. Then what ``run`` refuses, HTTPS from a certificate, and
``init`` and ``check`` as a script sees them (exit codes and words).
"""

from __future__ import annotations

import io
import json
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from sqlalchemy import create_engine, select

from browser import free_port
from easeback.core.screening import QUESTIONS
from easeback.server.accounts import MAX_FAILURES_PER_ACCOUNT
from easeback.server.schema import accounts, audit
from postgres import fresh_database
from server_helpers import PASSWORD, SECRET, Clinic, clinic
from server_processes import EASEBACK, Browser, RunningServer, easeback, running, server_env

PUBLIC_HOST = "clinic.test"
PUBLIC_URL = f"https://{PUBLIC_HOST}"  # as a load balancer in front of both would serve it


@pytest.fixture(scope="module")
def shared_database(postgres_server: str) -> Iterator[str]:
    """One database for the module's two servers (the fixture postgres_url is per test)."""
    with fresh_database(postgres_server) as url:
        yield url


@pytest.fixture(scope="module")
def people(shared_database: str) -> Iterator[Clinic]:
    with clinic(shared_database) as made:
        yield made


@pytest.fixture(scope="module")
def two_servers(
    shared_database: str, people: Clinic
) -> Iterator[tuple[RunningServer, RunningServer]]:
    env = server_env(
        EASEBACK_SERVER_DB=shared_database, EASEBACK_SECRET=SECRET, EASEBACK_PUBLIC_URL=PUBLIC_URL
    )
    # The second has two worker processes of its own: three processes, one database.
    with (
        running(env, host=PUBLIC_HOST) as one,
        running(env, host=PUBLIC_HOST, workers=2) as other,
    ):
        assert "running at https://clinic.test/ with 2 workers" in other.output()
        yield one, other


@pytest.fixture
def browser() -> Iterator[Browser]:
    made = Browser(PUBLIC_HOST)
    yield made
    made.close()


def log_in(browser: Browser, server: RunningServer, email: str, password: str = PASSWORD) -> Any:
    browser.get(server, "/login")
    return browser.post_form(server, "/login", {"email": email, "password": password})


def test_a_login_made_on_one_server_is_honoured_by_the_other(
    two_servers: tuple[RunningServer, RunningServer], people: Clinic, browser: Browser
) -> None:
    one, other = two_servers
    assert log_in(browser, one, people.people["pat_a"].email).status_code == 303
    assert "easeback_login" in browser.cookies

    today = browser.get(other, "/today")
    assert today.status_code == 200
    nobody = Browser(PUBLIC_HOST)
    try:
        refused = nobody.get(other, "/today")
        assert refused.status_code == 303
        assert refused.headers["location"].startswith("/login")
    finally:
        nobody.close()

    # Logging out on the second server ends the login on the first as well.
    assert browser.post_form(other, "/logout", {}).status_code == 303
    assert browser.get(one, "/today").status_code == 303


def pass_the_safety_check(browser: Browser, server: RunningServer) -> None:
    """Consent and a clean screening, through the form a patient fills in."""
    browser.get(server, "/check")
    answers = {q.id: "no" for q in QUESTIONS}
    answered = browser.post_form(server, "/check", {"clinician_checked": "yes", **answers})
    assert answered.status_code == 200, answered.text[:500]


def test_an_event_sent_through_one_server_is_read_back_through_the_other(
    two_servers: tuple[RunningServer, RunningServer], people: Clinic, browser: Browser
) -> None:
    one, other = two_servers
    assert log_in(browser, one, people.people["pat_b"].email).status_code == 303
    pass_the_safety_check(browser, other)
    started = browser.post_api(other, "/api/sessions", {"routine": "default", "speed": 1.0})
    assert started.status_code == 201, started.text
    session_id = started.json()["id"]
    batch = {
        "events": [
            {
                "id": str(uuid.uuid4()),
                "seq": seq,
                "kind": "phase",
                "phase": seq,
                "position_ms": 0,
                "offset_ms": 0,
                "at": "2026-11-25T07:00:00Z",
            }
            for seq in range(2)
        ]
    }

    sent = browser.post_api(one, f"/api/sessions/{session_id}/events", batch)
    assert sent.status_code == 200, sent.text
    assert sent.json()["stored"] == 2
    read = browser.get(other, f"/api/sessions/{session_id}")
    assert read.status_code == 200
    assert [(e["id"], e["seq"]) for e in read.json()["events"]] == [
        (e["id"], e["seq"]) for e in batch["events"]
    ]

    # The phone sends again through the other server (it missed the answer): kept once.
    again = browser.post_api(other, f"/api/sessions/{session_id}/events", batch)
    assert again.json() == {"stored": 0, "already_stored": 2, "messages": []}
    assert len(browser.get(one, f"/api/sessions/{session_id}").json()["events"]) == 2


def test_wrong_passwords_are_counted_across_both_servers(
    two_servers: tuple[RunningServer, RunningServer], people: Clinic, browser: Browser
) -> None:
    one, other = two_servers
    email = people.people["dr_b"].email
    on_one = MAX_FAILURES_PER_ACCOUNT // 2 + 1
    for i in range(MAX_FAILURES_PER_ACCOUNT):
        wrong = log_in(browser, one if i < on_one else other, email, "not the password")
        assert wrong.status_code == 400
    # Neither server alone saw enough wrong passwords to stop this one; together they did.
    refused = log_in(browser, one, email)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "easeback_login" not in browser.cookies
    assert log_in(browser, other, email).status_code == 429


def test_the_servers_logs_name_no_one(
    two_servers: tuple[RunningServer, RunningServer], people: Clinic, browser: Browser
) -> None:
    one, other = two_servers
    patient, doctor = people.people["pat_a"], people.people["dr_a"]
    log_in(browser, one, doctor.email, "not the password")
    log_in(browser, other, patient.email)
    assert browser.get(other, "/clinic").status_code == 403  # refused, and logged
    for server in two_servers:
        logged = server.output()
        assert "refused 40" in logged  # the log is written, and read here
        for person in people.people.values():
            assert person.email not in logged
            assert person.name not in logged
    assert "refused 403: GET clinician page by patient " + patient.id in other.output()


def addresses_of_refused_logins(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(audit.c.address)
                .where(audit.c.action == "log in", audit.c.outcome == "400")
                .order_by(audit.c.id)
            )
            return [row[0] for row in rows]
    finally:
        engine.dispose()


def test_only_a_server_behind_a_proxy_believes_its_forwarded_address(
    two_servers: tuple[RunningServer, RunningServer], shared_database: str, browser: Browser
) -> None:
    one, _ = two_servers  # started without --proxy
    env = server_env(
        EASEBACK_SERVER_DB=shared_database, EASEBACK_SECRET=SECRET, EASEBACK_PUBLIC_URL=PUBLIC_URL
    )
    forwarded = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    form = {"email": "nobody@clinic.test", "password": "not the password"}
    before = addresses_of_refused_logins(shared_database)
    assert browser.post_form(one, "/login", form, headers=forwarded).status_code == 400
    # The address the wrong password is counted against is the connection's own.
    assert addresses_of_refused_logins(shared_database) == [*before, "127.0.0.1"]
    with running(env, "--proxy", host=PUBLIC_HOST) as behind:
        assert browser.post_form(behind, "/login", form, headers=forwarded).status_code == 400
    assert addresses_of_refused_logins(shared_database) == [*before, "127.0.0.1", "203.0.113.7"]


# --- what run refuses, and HTTPS ----------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"EASEBACK_SECRET": SECRET}, ["No database is set"]),
        ({"EASEBACK_SERVER_DB": "URL"}, ["No secret is set"]),
        ({}, ["No database is set", "No secret is set"]),
        (
            {"EASEBACK_SERVER_DB": "sqlite:///clinic.db", "EASEBACK_SECRET": SECRET},
            ["EASEBACK_SERVER_DB is sqlite, not PostgreSQL"],
        ),
        (
            {"EASEBACK_SERVER_DB": "URL", "EASEBACK_SECRET": "short"},
            ["The secret is 5 characters long; it must have at least 32"],
        ),
    ],
)
def test_run_refuses_to_start_and_says_what_is_missing(
    postgres_url: str, settings: dict[str, str], said: list[str]
) -> None:
    filled = {k: postgres_url if v == "URL" else v for k, v in settings.items()}
    port = free_port()
    result = easeback("server", "run", "--port", str(port), env=server_env(**filled))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == len(said)
    for line, words in zip(lines, said, strict=True):
        assert line.startswith(f"easeback: {words}")
    assert "Traceback" not in result.stderr
    assert "running" not in result.stderr


def test_run_refuses_a_database_that_does_not_answer() -> None:
    url = f"postgresql+psycopg://easeback@127.0.0.1:{free_port()}/clinic"
    result = easeback(
        "server", "run", env=server_env(EASEBACK_SERVER_DB=url, EASEBACK_SECRET=SECRET)
    )
    assert result.returncode == 2
    assert result.stderr.startswith("easeback: cannot open the clinic's database")
    assert "Check that PostgreSQL is running" in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[trustme.CA, Path, Path]:
    authority = trustme.CA()
    issued = authority.issue_cert("127.0.0.1")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    return authority, cert, key


def test_run_serves_https_with_the_certificate_given(
    postgres_url: str, certificate: tuple[trustme.CA, Path, Path]
) -> None:
    authority, cert, key = certificate
    trust = ssl.create_default_context()
    authority.configure_trust(trust)
    env = server_env(EASEBACK_SERVER_DB=postgres_url, EASEBACK_SECRET=SECRET)
    with running(env, "--cert", str(cert), "--key", str(key), verify=trust) as server:
        # No EASEBACK_PUBLIC_URL: the address it listens on, over HTTPS, is the public one.
        visitor = Browser(f"127.0.0.1:{server.port}", verify=trust)
        try:
            page = visitor.get(server, "/login")
            assert page.status_code == 200
            assert page.headers["strict-transport-security"].startswith("max-age=")
            assert "secure" in page.headers["set-cookie"].lower()
        finally:
            visitor.close()
        assert f"running at https://127.0.0.1:{server.port}/" in server.output()
        untrusting = Browser(f"127.0.0.1:{server.port}")
        try:
            with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED"):
                untrusting.get(server, "/login")
        finally:
            untrusting.close()


def test_run_refuses_a_certificate_or_proxy_it_cannot_use(
    postgres_url: str, certificate: tuple[trustme.CA, Path, Path], tmp_path: Path
) -> None:
    _, cert, key = certificate
    env = server_env(EASEBACK_SERVER_DB=postgres_url, EASEBACK_SECRET=SECRET)
    missing = tmp_path / "nowhere.pem"
    cases = [
        (
            ["--cert", str(missing), "--key", str(key)],
            f"easeback: --cert: {missing} cannot be read",
        ),
        (["--cert", str(cert)], "easeback: --cert and --key go together"),
        (["--cert", str(key), "--key", str(cert)], f"easeback: --cert {key} and --key {cert} are"),
    ]
    cases += [
        (["--host", "0.0.0.0"], "easeback: --host '0.0.0.0' listens on every address"),  # noqa: S104
        (["--proxy-from", "10.0.0.5"], "easeback: --proxy-from names the proxy to trust"),
        (["--proxy", "--proxy-from", "balancer"], "easeback: --proxy-from: 'balancer' is not"),
    ]
    for options, said in cases:
        result = easeback("server", "run", "--port", str(free_port()), *options, env=env)
        assert result.returncode == 2, options
        assert result.stderr.startswith(said), result.stderr


# --- init and check -------------------------------------------------------------------


def admins_of(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(accounts.c.email, accounts.c.password_hash).where(accounts.c.role == "admin")
            )
            return [(row[0], row[1]) for row in rows]
    finally:
        engine.dispose()


def test_init_makes_the_first_admin_once(postgres_url: str) -> None:
    env = server_env(EASEBACK_SERVER_DB=postgres_url, EASEBACK_SECRET=SECRET)
    made = easeback(
        "server", "init", "--admin-email", "Ada@Clinic.Example", "--admin-name", "Ada",
        env=env, stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "The admin account for ada@clinic.example is made" in made.stdout
    first = admins_of(postgres_url)
    assert [email for email, _ in first] == ["ada@clinic.example"]

    again = easeback(
        "server", "init", "--admin-email", "bob@clinic.example", "--admin-name", "Bob",
        env=env, stdin="another password entirely\n",
    )  # fmt: skip
    assert again.returncode == 0
    assert "An admin account exists already; no account was changed." in again.stdout
    assert admins_of(postgres_url) == first  # same address, same password hash


def test_init_at_a_terminal_asks_the_password_twice_without_showing_it(postgres_url: str) -> None:
    import pexpect

    env = server_env(EASEBACK_SERVER_DB=postgres_url, EASEBACK_SECRET=SECRET)
    child = pexpect.spawn(
        EASEBACK,
        ["server", "init", "--admin-email", "ada@clinic.example"],
        env=env,
        encoding="utf-8",
        timeout=60,
    )
    child.logfile_read = transcript = io.StringIO()  # all the terminal showed
    child.expect_exact("The first admin's name: ")
    child.sendline("Ada Admin")
    child.expect_exact("Password for the admin account: ")
    child.sendline(PASSWORD)
    child.expect_exact("Type it again: ")
    child.sendline("a different password")
    child.expect_exact("Password for the admin account: ")  # asked afresh after a mismatch
    child.sendline(PASSWORD)
    child.expect_exact("Type it again: ")
    child.sendline(PASSWORD)
    child.expect_exact("The admin account for ada@clinic.example is made")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "Ada Admin" in transcript.getvalue()  # typed and shown
    assert PASSWORD not in transcript.getvalue()  # typed three times, never shown
    assert [email for email, _ in admins_of(postgres_url)] == ["ada@clinic.example"]


@pytest.mark.parametrize(
    ("options", "stdin", "said"),
    [
        (["--admin-email", "a@clinic.example", "--admin-name", "A"], "short\n",
         "easeback: the admin's password cannot be used: The password has 5 characters"),
        (["--admin-email", "not an address", "--admin-name", "A"], f"{PASSWORD}\n",
         "easeback: --admin-email: not an address is not an email address"),
        (["--admin-name", "A"], f"{PASSWORD}\n",
         "easeback: --admin-email is needed to make the first admin account"),
    ],
)  # fmt: skip
def test_init_refuses_what_cannot_make_an_admin(
    postgres_url: str, options: list[str], stdin: str, said: str
) -> None:
    env = server_env(EASEBACK_SERVER_DB=postgres_url, EASEBACK_SECRET=SECRET)
    result = easeback("server", "init", *options, env=env, stdin=stdin)
    assert result.returncode == 2
    assert result.stderr.startswith(said), result.stderr
    assert admins_of(postgres_url) == []


def test_check_says_not_ready_until_init_then_ready(postgres_url: str) -> None:
    env = server_env(EASEBACK_SERVER_DB=postgres_url, EASEBACK_SECRET=SECRET)
    before = easeback("server", "check", env=env)
    assert before.returncode == 1
    assert "Problem: The clinic's tables are not made yet: run easeback server init" in (
        before.stdout
    )
    assert before.stdout.rstrip().endswith("Not ready: fix the problems above, then check again.")

    easeback(
        "server", "init", "--admin-email", "a@clinic.example", "--admin-name", "A",
        env=env, stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    after = easeback("server", "check", "--json", env=env)
    assert after.returncode == 0, after.stdout
    found = json.loads(after.stdout)
    assert found["ready"] is True
    assert found["problems"] == []
    assert int(found["postgresql"].split(".")[0]) >= 15
    assert (found["patients"], found["admins"]) == (0, 1)


def test_check_names_every_problem_of_an_empty_configuration() -> None:
    result = easeback("server", "check", "--json", env=server_env())
    assert result.returncode == 1
    found = json.loads(result.stdout)
    assert found["ready"] is False
    assert [p.split(":")[0] for p in found["problems"]] == [
        "No database is set",
        "No secret is set. Make one with",
    ]
    assert found["postgresql"] is None


def test_check_says_when_postgresql_does_not_answer() -> None:
    url = f"postgresql+psycopg://easeback@127.0.0.1:{free_port()}/clinic"
    result = easeback(
        "server", "check", env=server_env(EASEBACK_SERVER_DB=url, EASEBACK_SECRET=SECRET)
    )
    assert result.returncode == 1
    assert f"Problem: PostgreSQL at {url} does not answer" in result.stdout


def test_check_warns_about_plain_http_but_is_ready(postgres_url: str) -> None:
    env = server_env(
        EASEBACK_SERVER_DB=postgres_url,
        EASEBACK_SECRET=SECRET,
        EASEBACK_PUBLIC_URL="http://clinic.example.org",
    )
    easeback(
        "server", "init", "--admin-email", "a@clinic.example", "--admin-name", "A",
        env=env, stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    result = easeback("server", "check", env=env)
    assert result.returncode == 0
    assert "Warning: http://clinic.example.org is plain HTTP" in result.stdout


def test_check_refuses_an_unknown_option_with_exit_code_2() -> None:
    result = easeback("server", "check", "--jsn", env=server_env())
    assert result.returncode == 2
    assert "No such option: --jsn" in result.stderr
