"""What a server is started with, read from the environment, and what is wrong with it.

Settings come from environment variables so that a systemd unit, a container or a
shell can give them alike, and so that the secret never appears in a process list:

* ``EASEBACK_SERVER_DB``: the PostgreSQL URL (``postgresql+psycopg://user@host/db``);
  a name of its own, so that a clinic's database is never mistaken for a person's
  single-user store (``EASEBACK_DB``);
* ``EASEBACK_SECRET`` or ``EASEBACK_SECRET_FILE``: at least 32 characters, used to
  key the hashes of login tokens, invitation codes and waiting prescription files kept
  in the database, and to derive the clinic's prescription signing key
  (clinician/editor.py): whoever has it signs as the clinic;
* ``EASEBACK_PUBLIC_URL``: the address people type (``https://clinic.example.org``),
  which fixes the Host and Origin the server accepts and the links in invitations;
* ``EASEBACK_TRUST_PROXY``: ``1`` behind a reverse proxy on this machine, which then
  tells the server the client's address and that the connection was HTTPS.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

SECRET_MIN_LENGTH = 32
DEFAULT_PORT = 8443


def split_url(url: str) -> SplitResult | None:
    """``url`` in parts, or None when it cannot be read as a URL (an unclosed ``[``,
    a port that is not a number from 1 to 65535): urlsplit raises for these, and a
    typing slip in a setting must be a sentence, not a traceback."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    return None if port == 0 else parts


@dataclass(frozen=True)
class ServerConfig:
    database: str | None
    secret: str | None
    public_url: str
    trust_proxy: bool = False
    secret_problem: str | None = None

    @property
    def secure(self) -> bool:
        """Do people reach the server over HTTPS (so cookies are marked Secure)?"""
        return urlsplit(self.public_url).scheme == "https"

    @property
    def origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    @property
    def host(self) -> str:
        return urlsplit(self.public_url).netloc.lower()

    def problems(self) -> list[str]:
        """What stops this configuration from serving, each with how to fix it."""
        found: list[str] = []
        if not self.database:
            found.append(
                "No database is set: easeback server needs PostgreSQL. Set "
                "EASEBACK_SERVER_DB=postgresql+psycopg://USER@HOST/DATABASE"
            )
        elif not self.database.startswith(("postgresql://", "postgresql+psycopg://")):
            scheme = self.database.split(":", 1)[0] if ":" in self.database else "a file path"
            found.append(
                f"EASEBACK_SERVER_DB is {scheme}, not PostgreSQL: a clinic's server keeps "
                "its data in PostgreSQL 15 or newer. Give a URL such as "
                "postgresql+psycopg://easeback@localhost/easeback"
            )
        elif split_url(self.database) is None:
            found.append(
                "EASEBACK_SERVER_DB cannot be read as a URL (is the port a number from 1 to "
                "65535, and every [ closed?). Give a URL such as "
                "postgresql+psycopg://easeback@localhost:5432/easeback"
            )
        if self.secret_problem:
            found.append(self.secret_problem)
        elif not self.secret:
            found.append(
                "No secret is set. Make one with: python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(48))' and give it as EASEBACK_SECRET or in "
                "a file named by EASEBACK_SECRET_FILE"
            )
        elif len(self.secret) < SECRET_MIN_LENGTH:
            found.append(
                f"The secret is {len(self.secret)} characters long; it must have at least "
                f"{SECRET_MIN_LENGTH}. Make a new one with: python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'"
            )
        parts = split_url(self.public_url)
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            found.append(
                f"EASEBACK_PUBLIC_URL is {self.public_url!r}: give the address people "
                "type, such as https://clinic.example.org"
            )
        elif parts.path not in ("", "/"):
            found.append(
                f"EASEBACK_PUBLIC_URL has a path ({parts.path}); easeback must be served "
                "at the root of its own host name, such as https://easeback.clinic.example"
            )
        return found

    def warnings(self) -> list[str]:
        """What works but should be changed before patients use it."""
        parts = split_url(self.public_url)
        local = ("localhost", "127.0.0.1", "::1")
        if parts is not None and parts.scheme == "http" and parts.hostname not in local:
            return [
                f"{self.public_url} is plain HTTP: phones will not install the app or play "
                "offline, and passwords cross the network readable. Serve HTTPS (--cert and "
                "--key, or a reverse proxy; see deploy/) and set EASEBACK_PUBLIC_URL to it"
            ]
        return []


def from_environment(
    environ: Mapping[str, str] | None = None, *, default_url: str | None = None
) -> ServerConfig:
    """The configuration given by ``environ`` (the process's environment by default);
    ``default_url`` stands for the public address when none is set (the address the
    server listens on)."""
    env = os.environ if environ is None else environ
    secret = env.get("EASEBACK_SECRET") or None
    problem = None
    secret_file = env.get("EASEBACK_SECRET_FILE")
    if secret is None and secret_file:
        try:
            secret = Path(secret_file).read_text(encoding="utf-8").strip() or None
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            problem = (
                f"EASEBACK_SECRET_FILE names {secret_file}, which cannot be read ({reason}); "
                "check the path and that the server's user may read it"
            )
    public = env.get("EASEBACK_PUBLIC_URL") or default_url or f"https://localhost:{DEFAULT_PORT}"
    return ServerConfig(
        database=env.get("EASEBACK_SERVER_DB") or None,
        secret=secret,
        public_url=public.rstrip("/"),
        trust_proxy=env.get("EASEBACK_TRUST_PROXY", "") in ("1", "true", "yes"),
        secret_problem=problem,
    )
