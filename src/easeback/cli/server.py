"""The ``server`` commands: easeback as a clinic's server on PostgreSQL.

Everything the server needs comes from the environment (see server/config.py), as a
systemd unit gives it; the options here say only where and how to listen. Nothing
from the server is imported until a command runs: ``easeback --help`` stays quick.
"""

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from easeback.cli.app import app, cannot_listen, fail, print_json, user_errors, warn_all

if TYPE_CHECKING:
    from easeback.server.config import ServerConfig
    from easeback.server.installation import Readiness

server_app = typer.Typer(
    help="Run easeback for a clinic: accounts for clinicians and patients, on PostgreSQL. "
    "Settings come from the environment: EASEBACK_SERVER_DB (the PostgreSQL URL), "
    "EASEBACK_SECRET or EASEBACK_SECRET_FILE, EASEBACK_PUBLIC_URL.\n\n"
    "Example:\n\n  easeback server check",
    rich_markup_mode=None,
    no_args_is_help=True,
)
app.add_typer(server_app, name="server")

WILDCARD_HOSTS = ("0.0.0.0", "::", "")  # noqa: S104 - named so that they can be refused


def _config(default_url: str | None = None) -> "ServerConfig":
    from easeback.server.config import from_environment

    return from_environment(default_url=default_url)


def _database(config: "ServerConfig") -> str:
    """The database URL; leaves with exit code 2 and one line per problem when the
    configuration has any."""
    problems = config.problems()
    if problems or config.database is None:
        for problem in problems:
            typer.echo(f"easeback: {problem}", err=True)
        raise typer.Exit(2)
    return config.database


def _read_password(email: str) -> str:
    """The admin's password: asked twice, hidden, at a terminal; the first line of
    standard input otherwise (for scripts)."""
    from easeback.server.passwords import password_problem

    if sys.stdin.isatty():
        password: str = typer.prompt(
            "Password for the admin account",
            hide_input=True,
            confirmation_prompt="Type it again",
        )
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    problem = password_problem(password, email)
    if problem is not None:
        fail(f"the admin's password cannot be used: {problem}")
    return password


def _ask(value: str | None, option: str, question: str) -> str:
    if value is not None:
        return value
    if not sys.stdin.isatty():
        fail(f"{option} is needed to make the first admin account when no one is at a terminal")
    answer: str = typer.prompt(question)
    return answer


@server_app.command()
def init(
    admin_email: Annotated[
        str | None,
        typer.Option(help="Email address of the first admin (asked for when not given)."),
    ] = None,
    admin_name: Annotated[
        str | None, typer.Option(help="The first admin's name (asked for when not given).")
    ] = None,
) -> None:
    """Make the clinic's tables in PostgreSQL (or bring them and every patient's up to
    date) and, the first time, the admin account.

    The password is asked twice without showing it; from a script, give it as the first
    line of standard input. Running init again changes no account.

    Example: easeback server init --admin-email admin@clinic.example --admin-name 'Ada Admin'
    """
    from easeback.server.accounts import AccountProblem, clean_email, clean_name
    from easeback.server.installation import admin_count, make_first_admin, prepare
    from easeback.usecases.clock import wall_now

    database = _database(_config())
    with user_errors():
        engine, patients = prepare(database)
    try:
        tables = f"The clinic's tables are up to date ({patients} patient{'s' * (patients != 1)})."
        if admin_count(engine) > 0:
            typer.echo(f"{tables} An admin account exists already; no account was changed.")
            return
        email = _ask(admin_email, "--admin-email", "Email address of the first admin")
        name = _ask(admin_name, "--admin-name", "The first admin's name")
        try:
            email, name = clean_email(email), clean_name(name)
        except AccountProblem as exc:
            fail(f"--admin-{exc.field or 'email'}: {exc}")
        password = _read_password(email)
        try:
            made = make_first_admin(
                engine, email=email, name=name, password=password, now=wall_now()
            )
        except AccountProblem as exc:
            fail(str(exc))
        if made is None:
            typer.echo(f"{tables} An admin account was made meanwhile; no account was changed.")
            return
        typer.echo(
            f"{tables} The admin account for {made.email} is made: start the server with "
            "`easeback server run`, log in and invite the clinicians."
        )
    finally:
        engine.dispose()


def _check_tls(cert: Path | None, key: Path | None) -> None:
    """Refuse a certificate or key that is missing, unreadable or not a pair, before
    any worker starts (each would fail alone, with a traceback)."""
    if cert is None and key is None:
        return
    if cert is None or key is None:
        fail("--cert and --key go together: give the certificate and its private key")
    import ssl

    for option, path in (("--cert", cert), ("--key", key)):
        try:
            path.read_bytes()
        except OSError as exc:
            fail(f"{option}: {path} cannot be read ({exc.strerror}); check the path and its rights")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        fail(
            f"--cert {cert} and --key {key} are not a certificate and its private key in "
            f"PEM form ({exc.reason or exc})"
        )


def _check_port(host: str, port: int) -> None:
    if (reason := cannot_listen(host, port)) is not None:
        fail(f"--port: cannot listen on {host} port {port}: {reason}")


def _proxies(given: str) -> str:
    """``--proxy-from`` checked: addresses or networks, comma-separated."""
    import ipaddress

    found = [part.strip() for part in given.split(",") if part.strip()]
    for part in found:
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            fail(
                f"--proxy-from: {part!r} is not an IP address or network; give the proxy's "
                "address, such as 127.0.0.1 or 10.0.0.5, or a network such as 10.0.0.0/24"
            )
    if not found:
        fail("--proxy-from: give the proxy's address, such as 127.0.0.1")
    return ",".join(found)


def bind_url(host: str, port: int, tls: bool) -> str:
    """The address of the server as it listens, for when no public URL is set."""
    shown = f"[{host}]" if ":" in host else host
    return f"{'https' if tls else 'http'}://{shown}:{port}"


@server_app.command()
def run(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8443,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (each with its own connections).")
    ] = 2,
    cert: Annotated[
        Path | None, typer.Option(help="TLS certificate (PEM) to serve HTTPS yourself.")
    ] = None,
    key: Annotated[Path | None, typer.Option(help="The certificate's private key (PEM).")] = None,
    proxy: Annotated[
        bool,
        typer.Option(
            "--proxy",
            help="Behind a reverse proxy: trust its X-Forwarded-For and X-Forwarded-Proto, "
            "from the addresses of --proxy-from only.",
        ),
    ] = False,
    proxy_from: Annotated[
        str,
        typer.Option(
            help="With --proxy: the proxy's addresses or networks, comma-separated (a load "
            "balancer on another machine: its address).",
        ),
    ] = "127.0.0.1",
) -> None:
    """Serve the clinic: patients' phones and clinicians' browsers, on PostgreSQL.

    Refuses to start without a database or a secret (see easeback server check). App
    servers keep nothing of their own, so several may serve one database. SIGTERM or
    Ctrl-C stops it; requests under way are finished first.

    Example: easeback server run --port 8443 --workers 4 --proxy
    """
    if host in WILDCARD_HOSTS and not os.environ.get("EASEBACK_PUBLIC_URL"):
        fail(
            f"--host {host!r} listens on every address, so easeback cannot tell which "
            "one people type: set EASEBACK_PUBLIC_URL (https://clinic.example.org)"
        )
    _check_tls(cert, key)
    trusted = _proxies(proxy_from) if proxy else ""
    if not proxy and proxy_from != "127.0.0.1":
        fail("--proxy-from names the proxy to trust: give --proxy as well")
    config = _config(default_url=bind_url(host, port, tls=cert is not None))
    database = _database(config)
    from easeback.server.installation import admin_count, prepare

    with user_errors():
        engine, _ = prepare(database)
    try:
        admins = admin_count(engine)
    finally:
        engine.dispose()
    _check_port(host, port)
    warn_all(config.warnings())
    if admins == 0:
        warn_all(["the clinic has no admin account yet: run easeback server init to make one"])
    # The workers build their app from the environment (server/asgi.py): give them
    # the public address this process settled on.
    os.environ["EASEBACK_PUBLIC_URL"] = config.public_url
    os.environ["EASEBACK_TRUST_PROXY"] = "1" if proxy else ""
    import uvicorn

    from easeback.server.asgi import IMPORT_STRING

    typer.echo(
        f"easeback server is running at {config.public_url}/ with {workers} "
        f"worker{'s' * (workers != 1)} (listening on {bind_url(host, port, cert is not None)}; "
        "Ctrl-C stops it)"
    )
    uvicorn.run(
        IMPORT_STRING,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        ssl_certfile=str(cert) if cert else None,
        ssl_keyfile=str(key) if key else None,
        proxy_headers=proxy,
        forwarded_allow_ips=trusted,
        # The access log would name addresses and query strings (a search for a
        # patient's name): the server logs refusals itself, by ids only.
        access_log=False,
        server_header=False,
        log_level="info",
    )


def format_check(found: "Readiness") -> list[str]:
    """``easeback server check``'s report, line by line."""
    lines = [f"Public address: {found.public_url}"]
    if found.postgresql is not None:
        lines.append(f"PostgreSQL: {found.postgresql}")
    if found.patients is not None:
        lines.append(f"Patients: {found.patients}")
    lines += [f"Problem: {p}" for p in found.problems]
    lines += [f"Warning: {w}" for w in found.warnings]
    lines.append(
        "Ready to serve." if found.ready else "Not ready: fix the problems above, then check again."
    )
    return lines


@server_app.command()
def check(
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Say what is wrong with the server's configuration and database, changing nothing:
    each problem with how to fix it, PostgreSQL's version and how many patients.

    Exits 0 when the server is ready to run, 1 when it is not.

    Example: easeback server check --json
    """
    from easeback.server.installation import readiness

    found = readiness(_config())
    if as_json:
        print_json(found.to_json())
    else:
        typer.echo("\n".join(format_check(found)))
    raise typer.Exit(0 if found.ready else 1)


@server_app.command()
def erase(
    email: Annotated[str, typer.Argument(help="The patient's email address.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Erase without asking to confirm (for scripts).")
    ] = False,
) -> None:
    """Erase every record a patient has on the server, when they ask for it.

    Their sessions, pain scores, diary, answers and prescriptions are deleted for good;
    their account stays, and each of their linked devices is told at its next sync
    (it then sends nothing back). Asks to confirm unless --yes is given.

    Example: easeback server erase sam@example.org --yes
    """
    from easeback.server import devices
    from easeback.server.tenancy import open_clinic
    from easeback.usecases.clock import wall_now

    database = _database(_config())
    with user_errors():
        engine = open_clinic(database, pool_size=1)
    try:
        with engine.connect() as connection:
            patient = devices.patient_by_email(connection, email)
        if patient is None:
            fail(f"no account has the email address {email.strip()}: check it and try again")
        if patient.role != "patient":
            fail(
                f"{patient.email} is a {patient.role}'s account, not a patient's: only a "
                "patient's records can be erased"
            )
        if not yes:
            if not sys.stdin.isatty():
                fail("give --yes to erase without a terminal to confirm at")
            typer.confirm(
                f"Erase every record of {patient.name} ({patient.email}) on this server? "
                "This cannot be undone",
                abort=True,
            )
        with engine.begin() as connection:
            devices.erase(connection, patient, by=None, address=None, now=wall_now())
        typer.echo(
            f"The records of {patient.name} ({patient.email}) are erased. Their account "
            "stays; each of their linked devices is told so at its next sync."
        )
    finally:
        engine.dispose()
