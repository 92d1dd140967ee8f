"""Prescription files waiting for "Do you know this clinician?", kept in the clinic's
database rather than in one server's memory: the question and its answer may reach
different app servers (or workers), which keep no state of their own.

The same promises as the single-user app's ``PendingFiles``: tied to the browser that
sent the file (its CSRF cookie, kept as a keyed hash), gone after
``PENDING_SECONDS``, at most ``PENDING_MAX`` per browser, and checked again when
confirmed.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, delete, insert, select

from easeback.server.schema import pending_files
from easeback.server.tokens import keyed_hash, new_token
from easeback.store.schema import to_utc
from easeback.usecases import clock
from easeback.web.prescription_pages import PENDING_MAX, PENDING_SECONDS


class StoredPendingFiles:
    def __init__(self, engine: Engine, secret: str) -> None:
        self.engine = engine
        self.secret = secret

    def keep(self, owner: str, raw: bytes) -> str:
        token = new_token()
        now = to_utc(clock.wall_now())
        owner_hash = keyed_hash(self.secret, owner)
        with self.engine.begin() as connection:
            connection.execute(delete(pending_files).where(pending_files.c.expires_utc <= now))
            older = (
                connection.execute(
                    select(pending_files.c.token_hash)
                    .where(pending_files.c.owner_hash == owner_hash)
                    .order_by(pending_files.c.expires_utc.desc())
                    .offset(PENDING_MAX - 1)
                )
                .scalars()
                .all()
            )
            if older:
                connection.execute(
                    delete(pending_files).where(pending_files.c.token_hash.in_(older))
                )
            connection.execute(
                insert(pending_files).values(
                    token_hash=keyed_hash(self.secret, token),
                    owner_hash=owner_hash,
                    raw=raw,
                    expires_utc=now + timedelta(seconds=PENDING_SECONDS),
                )
            )
        return token

    def get(self, token: str, owner: str) -> bytes | None:
        if not token or not owner:
            return None
        with self.engine.connect() as connection:
            raw = connection.execute(
                select(pending_files.c.raw).where(
                    pending_files.c.token_hash == keyed_hash(self.secret, token),
                    pending_files.c.owner_hash == keyed_hash(self.secret, owner),
                    pending_files.c.expires_utc > to_utc(clock.wall_now()),
                )
            ).scalar()
        return bytes(raw) if raw is not None else None

    def drop(self, token: str, owner: str) -> bytes | None:
        raw = self.get(token, owner)
        if raw is not None:
            with self.engine.begin() as connection:
                connection.execute(
                    delete(pending_files).where(
                        pending_files.c.token_hash == keyed_hash(self.secret, token)
                    )
                )
        return raw
