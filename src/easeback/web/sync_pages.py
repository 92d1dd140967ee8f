"""The local app's Sync page, and the sync that follows a session played in the
browser. Only the single-user app has them (``create_app``): on a clinic's server the
phone writes to the server itself, so there is nothing to sync and /sync is not found.

At most one sync runs at a time for a store: a session ended while one runs asks for
one more after it, so its records are never left for later.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from easeback.usecases import clock
from easeback.usecases.syncing import (
    SyncFailure,
    SyncReport,
    SyncStatus,
    is_linked,
    sync_after_session,
    sync_now,
    sync_status,
)
from easeback.usecases.today import person_zone
from easeback.web.responses import checked_form, render
from easeback.wording.syncing import (
    NOT_LINKED,
    failure_reason,
    records,
    sentence,
    when_words,
)

router = APIRouter(include_in_schema=False)
log = logging.getLogger("easeback.web")

# How long "Sync now" waits for a sync already running (after a session) to finish.
BUSY_WAIT_S = 60.0


class Syncs:
    """One store's syncs: one at a time; asked for while one runs, one more after it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.running = threading.Lock()  # held while a sync runs, the button's too
        self._state = threading.Lock()
        self._again = False
        self._thread: threading.Thread | None = None

    def soon(self) -> threading.Thread:
        """Sync in a thread of its own, so no page waits for the server; the thread
        that does it (one already running runs once more)."""
        with self._state:
            self._again = True
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="easeback-sync", daemon=True
                )
                self._thread.start()
            return self._thread

    def _loop(self) -> None:
        while True:
            with self._state:
                if not self._again:
                    self._thread = None
                    return
                self._again = False
            with self.running:
                try:
                    sync_after_session(self.engine)  # a failure is kept for the status
                except Exception as exc:  # the store held or broken: the next session retries
                    log.warning("sync after a session broke off: %s", type(exc).__name__)

    def now(self) -> SyncReport | None:
        """Sync while the person waits ("Sync now"), after any sync running; None when
        one is still running after BUSY_WAIT_S. Raises SyncFailure."""
        if not self.running.acquire(timeout=BUSY_WAIT_S):
            return None
        try:
            return sync_now(self.engine)
        finally:
            self.running.release()

    def wait(self, timeout: float) -> None:
        """Wait for the thread syncing in the background, if any (tests, shutdown)."""
        with self._state:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)


_all: dict[str, Syncs] = {}
_all_lock = threading.Lock()


def syncs_of(engine: Engine) -> Syncs:
    """The one Syncs of the store behind ``engine`` (by its URL: two apps on one file
    share it)."""
    key = str(engine.url)
    with _all_lock:
        found = _all.get(key)
        if found is None:
            found = _all[key] = Syncs(engine)
        return found


def sync_soon(engine: Engine) -> threading.Thread | None:
    """After a session: sync in the background when this store is linked (None when it
    is not, as on a clinic's server, whose stores are never linked)."""
    if not is_linked(engine):
        return None
    return syncs_of(engine).soon()


def add_sync(app: Any) -> None:
    """Give the single-user app its Sync page, and its menu an entry while linked."""
    engine: Engine = app.state.engine
    app.include_router(router)
    app.state.templates.env.globals["sync_linked"] = lambda: is_linked(engine)


@router.get("/sync", response_class=HTMLResponse)
def sync_page(
    request: Request,
    done: str | None = None,
    sent: int = 0,
    received: int = 0,
    already: int = 0,
) -> HTMLResponse:
    """Linked to what and since when, the last sync, what waits, why the last attempt
    failed; the result of "Sync now" after its redirect."""
    engine: Engine = request.app.state.engine
    try:
        found = sync_status(engine)
        view, problem = status_view(found, person_zone(engine), clock.wall_now()), None
    except SyncFailure as failure:  # a damaged link file, a database server as store
        view, problem = None, sentence(failure.message)
    result = None
    if done == "ok":
        result = (
            f"Synced: {records(max(sent, 0))} sent, {max(received, 0)} received, "
            f"{max(already, 0)} already there."
        )
    elif done == "busy":
        result = "A sync is still running (it started after your last session); reload soon."
    return render(
        request,
        "sync.html",
        title="Sync with your clinic",
        view=view,
        problem=problem,
        result=result,
        failed=done == "failed" and view is not None and view["failure"] is not None,
        not_linked=NOT_LINKED,
    )


def status_view(found: SyncStatus, zone: str, now: datetime) -> dict[str, Any] | None:
    """The status in words for the page (None: not linked)."""
    made = found.link
    if made is None:
        return None
    failure = found.last_failure
    return {
        "clinic": made.clinic_name,
        "server": made.server,
        "device": made.device_name,
        "since": when_words(made.linked_at, zone, now),
        "last_ok": when_words(found.last_ok, zone, now) if found.last_ok else None,
        "waiting": records(found.waiting),
        "failure": None
        if failure is None
        else {
            "reason": failure_reason(failure.kind),
            "message": sentence(failure.message),
            "at": when_words(failure.at, zone, now),
        },
        "erased": found.erased_at is not None,
        "erased_words": sentence(failure_reason("erased")),
    }


@router.post("/sync")
async def sync_button(request: Request) -> Response:
    """Sync now, then show the page again with the outcome (the link file keeps a
    failure; the counts travel in the address)."""
    from starlette.concurrency import run_in_threadpool

    await checked_form(request)
    syncs = syncs_of(request.app.state.engine)
    try:
        report = await run_in_threadpool(syncs.now)
    except SyncFailure:
        return RedirectResponse("/sync?done=failed", status_code=303)
    if report is None:
        return RedirectResponse("/sync?done=busy", status_code=303)
    return RedirectResponse(
        f"/sync?done=ok&sent={report.sent}&received={report.received}&already={report.already}",
        status_code=303,
    )
