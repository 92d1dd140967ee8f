"""The server's side of sync: hello, push and pull for a linked device.

The guard has already checked the device's token and scoped ``request.state.engine``
to the patient's own schema (server/guard.py); these routes only move records, with
the same store/exchange.py the device uses, so the union is one piece of code.
"""

from __future__ import annotations

import gzip
import json
import logging
import zlib
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DataError, IntegrityError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from easeback.server.guard import keep_summary, note, problem
from easeback.server.limits import read_at_most
from easeback.server.schema import devices, erasures
from easeback.store.exchange import ExchangeError, forget_progress_from, outgoing, store
from easeback.usecases import clock
from easeback.usecases.aftercare import catch_up_progress

router = APIRouter()
log = logging.getLogger("easeback.server")

PROTOCOL = 1
# The most a push body may hold, sent and unpacked: a batch of 2,000 events is some
# 400 KB of JSON (60 KB compressed).
MAX_BODY = 4 * 1024 * 1024
MAX_UNPACKED = 16 * 1024 * 1024
MAX_LIMIT = 5000
CLOCK_SLACK = timedelta(minutes=5)


def device_of(request: Request) -> tuple[Engine, str, str]:
    """The patient's scoped store, the device's id and the account's id, as the guard
    left them for a device's request."""
    state = request.state
    return state.engine, state.device_id, state.account.id


@router.get("/api/sync/hello")
def hello(request: Request) -> dict[str, Any]:
    _engine, device, account = device_of(request)
    return {
        "account": account,
        "device": device,
        "server_time": clock.wall_now().isoformat(),
        "protocol": PROTOCOL,
    }


async def read_body(request: Request) -> bytes | JSONResponse:
    """The body, unpacked, or the refusal: too large (before reading it all) or not
    gzip when it says it is."""
    too_big = problem(
        413,
        "size",
        f"a batch may be at most {MAX_BODY // (1024 * 1024)} MB; send fewer records at once",
    )
    body = await read_at_most(request, MAX_BODY)
    if body is None:
        return too_big
    if request.headers.get("content-encoding", "").lower() == "gzip":
        try:
            unpacker = zlib.decompressobj(wbits=31)
            body = unpacker.decompress(body, MAX_UNPACKED)
            if unpacker.unconsumed_tail:
                return problem(
                    413,
                    "size",
                    f"a batch may unpack to at most {MAX_UNPACKED // (1024 * 1024)} MB; "
                    "send fewer records at once",
                )
        except zlib.error:
            return problem(400, "input", "the body says it is gzip but is not")
    return body


@router.post("/api/sync/push")
async def push(request: Request) -> Response:
    engine, device, account = device_of(request)
    body = await read_body(request)
    if isinstance(body, Response):
        return body
    try:
        batch = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested past any batch
        return problem(422, "input", "the body is not JSON; a batch is a JSON object")
    if not isinstance(batch, dict):
        return problem(422, "input", "a batch is a JSON object with account, device and tables")
    if batch.get("account") != account or batch.get("device") != device:
        return problem(
            403,
            "account",
            "this batch was made for another account or device than the token's; "
            "nothing was stored",
        )
    late = clock_problem(batch.get("clock"))
    if late is not None:
        return late
    answer = await run_in_threadpool(store_batch, engine, batch, device)
    if answer.status_code >= 400:
        # A device whose batches are refused is stuck: the clinic can see it.
        await run_in_threadpool(
            note, request, "sync push", str(answer.status_code), patient_id=account
        )
    if answer.status_code == 200 and batch.get("last"):
        # Once the device has sent everything: count progression again from the
        # merged log, then refresh the patient's row in the clinician's list, after
        # answering (a year of sessions takes a second to count).
        answer.background = BackgroundTask(
            count_again, engine, request.app.state.clinic, account, request.url.path
        )
    return answer


def count_again(engine: Engine, clinic: Engine, account: str, path: str) -> None:
    """Progression from the merged log, then the list's row. A fault is logged by id
    only: the records are stored, and the next session or sync counts again."""
    try:
        catch_up_progress(engine)
    except Exception as exc:  # whatever it is, the batch stands
        log.error(
            "progression of patient %s not counted after a sync (%s)", account, type(exc).__name__
        )
    keep_summary(clinic, account, path, "sync push")


def clock_problem(given: Any) -> JSONResponse | None:
    try:
        moment = datetime.fromisoformat(given) if isinstance(given, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        return problem(422, "input", '"clock" must be the device\'s time, ISO 8601 with offset')
    off = moment - clock.wall_now()
    if abs(off) > CLOCK_SLACK:
        return problem(
            400,
            "clock",
            f"the device's clock is {round(abs(off).total_seconds() / 60)} minutes "
            f"{'ahead of' if off > timedelta(0) else 'behind'} the server's; set it right",
        )
    return None


def store_batch(engine: Engine, batch: dict[str, Any], device: str) -> Response:
    try:
        with engine.begin() as connection:
            done = store(connection, batch.get("tables"), source=device, now=clock.wall_now())
            if done.earliest is not None:
                forget_progress_from(connection, done.earliest)
            if erased_meanwhile(connection, device):
                # Erased after the guard let this batch in: it must not bring them back.
                raise ErasedMeanwhile
    except ErasedMeanwhile:
        return problem(
            410, "erased", "the clinic erased your records on its server; nothing was stored"
        )
    except ExchangeError as exc:
        status = 409 if exc.problem == "changed" else 422
        return problem(status, exc.problem, exc.message + "; nothing of this batch was stored")
    except (IntegrityError, DataError):
        return problem(
            422,
            "input",
            "the records do not fit together (one refers to a record never sent, or "
            "repeats one under another id); nothing of this batch was stored",
        )
    return JSONResponse({"stored": done.stored, "already": done.already})


class ErasedMeanwhile(Exception):
    """The patient's records were erased while a batch was being stored."""


def erased_meanwhile(connection: Connection, device: str) -> bool:
    """Were the patient's records erased after this device was linked? Checked inside
    the batch's transaction: an erasure waits for it to end, or it sees the erasure."""
    found = connection.execute(
        select(erasures.c.at_utc)
        .join(devices, devices.c.account_id == erasures.c.account_id)
        .where(devices.c.id == device, erasures.c.at_utc > devices.c.created_utc)
    ).first()
    return found is not None


@router.get("/api/sync/pull")
def pull(request: Request) -> Response:
    engine, device, _account = device_of(request)
    query = request.query_params
    try:
        after = int(query.get("after", "0"))
        limit = int(query.get("limit", "2000"))
    except ValueError:
        after = limit = -1
    if not 0 <= after < 2**62 or not 1 <= limit <= MAX_LIMIT:
        return problem(
            422, "input", f"after must be a whole number from 0 and limit from 1 to {MAX_LIMIT}"
        )
    with engine.begin() as connection:
        # own=1: a device restored from an older copy asks for its own records too.
        everything = query.get("own") == "1"
        out = outgoing(
            connection,
            after=after,
            limit=limit,
            skip_source=None if everything else device,
            everything=everything,
        )
    data = json.dumps(
        {
            "tables": out.tables,
            "next": out.next,
            "more": out.more,
            "server_time": clock.wall_now().isoformat(),
        },
        separators=(",", ":"),
    ).encode("utf-8")
    headers = {"Cache-Control": "no-store"}
    if len(data) > 1024 and "gzip" in request.headers.get("accept-encoding", ""):
        data = gzip.compress(data, compresslevel=5)
        headers["Content-Encoding"] = "gzip"
    return Response(data, media_type="application/json", headers=headers)
