"""Keeping every session, whatever the disk does: what earlier sessions left waiting
is written before a new one starts, and a new session's records go through the
background writer (store/writer.py) with room kept for them in its journal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from easeback.core.errors import StoreError

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import Engine

    from easeback.store.journal import Replay
    from easeback.store.writer import SessionWriter

# How long the end of a session waits for saving to catch up before leaving what is
# left in the journal (the person has already been told how the session ended).
FINISH_WAIT_S = 3.0


def write_waiting(engine: Engine) -> Replay:
    """Write what journals of earlier sessions hold; StoreError, naming the cause, when
    the store refuses them (a new session must not start before: a pain stop in them
    brings the safety questions back)."""
    from easeback.store.faults import explain
    from easeback.store.journal import Replay, replay
    from easeback.wording import messages

    path = store_file(engine)
    if path is None:
        return Replay(0, [])
    done = replay(engine, path)
    if done.problem is not None:
        problem = explain(done.problem, path)
        cause = messages.SAVING_CAUSES.get(problem.fault or "io", "") if problem else ""
        raise StoreError(
            messages.EARLIER_NOT_SAVED.format(cause=cause or str(done.problem)),
            fault=problem.fault if problem else None,
        )
    return done


def session_writer(engine: Engine, session_id: str) -> SessionWriter:
    """The writer for a new session, its journal's room reserved now: a full disk or a
    read-only folder is found before the session begins, not during it."""
    from easeback.store.faults import explain
    from easeback.store.journal import Journal
    from easeback.store.writer import SessionWriter

    path = store_file(engine)
    journal = None
    if path is not None:
        try:
            journal = Journal.open(path, session_id)
        except OSError as exc:
            raise explain(exc, path) or StoreError(str(exc)) from exc
    return SessionWriter(engine, journal, store=path)


def store_file(engine: Engine) -> Path | None:
    """The SQLite file behind ``engine`` (None for another kind of database, which
    keeps no journal beside it)."""
    from easeback.store.location import sqlite_file

    return sqlite_file(engine.url.render_as_string(hide_password=False))
