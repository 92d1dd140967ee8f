"""The web app from outside: a real ``easeback serve`` on loopback, in its own process.

One server on a fresh store (the safety gate passed beforehand with ``easeback check
--answers``, as a person would) answers three benchmarks of issue #6:

* first visit to the player: a fresh Chromium context (no cache) opens
  /play?routine=default; every response's body, as transferred (``request.sizes()``),
  is summed by kind. HTML, CSS and JS count against the target; the SVG illustrations
  and the icon are shown apart and do not count; response headers are left out of the
  target and shown apart too. 1 KB is 1000 bytes.
* browser cue timing: the same page in headless Chromium plays the "default" routine
  at the rehearsal speed that makes it last 3 minutes of wall time. The page's own
  ``window.easeback.timing`` gives, for every phase change, ``performance.now()`` when
  the page turned the phase minus its deadline (phase 0, the start, is left out, as in
  player_timing.py). Afterwards the server must hold every event the page made.
* event API under load: wrk, in a second process, posts one new event per request
  (a fresh client id and the next seq) to ``POST /api/sessions/{id}/events``. Each wrk
  thread has one connection and its own session, so every answer belongs to the last
  request its thread sent. A Lua ``delay()`` spaces each thread's requests on a fixed
  grid of the monotonic clock (threads offset evenly), 200 requests/s in all; a request
  whose slot passed while its answer was awaited goes at once, and a thread more than a
  slot behind starts its grid afresh: the rate holds while answers come within a slot
  (20 ms), and a slower one never sets off a burst.
  That wrk held the rate (at least 95 % of it) is a figure with a target of its own.
  Afterwards SQLite must hold exactly the events answered 2xx (plus any request still
  in flight when wrk stopped), each under its own id. The server's CPU time per
  request (from /proc) is shown too: unlike the latencies, other work on the machine
  hardly moves it. A second, short run without any delay gives the most the API
  answers with the same connections (no target).

Without wrk or Chromium the figures they give are "not measured" and fail, so
``make bench`` exits 1: install them with ``apt-get install wrk chromium``. The
machine's load average before and after each part is printed and saved: these are
wall-clock timings, and other work on the machine lengthens them.

Run alone: .venv/bin/python benchmarks/web.py [--quick]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field, replace
from http.cookies import SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING, Any

from figures import Figure, median, percentile
from startup import commands

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROUTINE = "default"
BYTES_TARGET_KB = 60.0
CUE_P99_TARGET_MS = 20.0
API_P99_TARGET_MS = 25.0
SESSION_S = 180.0  # the browser session lasts 3 minutes of wall time
QUICK_SPEED = 50.0
LOAD_RATE = 200.0  # requests per second, all wrk threads together
RATE_HELD = 0.95  # the load counts as held when wrk achieved this share of LOAD_RATE
LOAD_S = 30
QUICK_LOAD_S = 10
MAX_RATE_S = 5
QUICK_MAX_RATE_S = 3
WRK_THREADS = 4  # one connection each
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
READY_S = 30.0
AFTER_SESSION_S = 30.0  # how long past the planned end to wait for the page's "Session over"
CSRF_COOKIE = "easeback_csrf"
NOT_MEASURED = math.nan
INSTALL_WRK = "install wrk: apt-get install wrk"
INSTALL_CHROMIUM = f"no browser at {CHROMIUM}: apt-get install chromium"

# One wrk thread = one connection = one session; see the module docstring.
WRK_SCRIPT = r"""
-- Args after "--": CSRF token, requests/s of all threads together (0: no delay),
-- number of threads, phases in the timeline, an 8-hex-digit run nonce, then one
-- session id per thread.
local have_ffi, ffi = pcall(require, "ffi")
local clock = nil
if have_ffi then
  ffi.cdef[[
    typedef struct { long tv_sec; long tv_nsec; } easeback_timespec;
    int clock_gettime(int clk_id, easeback_timespec *tp);
  ]]
  local ts = ffi.new("easeback_timespec")
  clock = function()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  end
end

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local rate = tonumber(args[2])
  count = tonumber(args[3])
  phases = tonumber(args[4])
  nonce = args[5]
  path = "/api/sessions/" .. args[6 + tid] .. "/events"
  request_headers = {
    ["Content-Type"] = "application/json",
    ["X-CSRF-Token"] = args[1],
    ["Cookie"] = "easeback_csrf=" .. args[1],
  }
  interval = rate > 0 and 1000 * count / rate or 0
  due = nil
  sent = 0
  ok = 0
  last_answered = -1
  failed = {}     -- seqs answered with a status outside 2xx
  statuses = {}   -- status -> count, outside 2xx
  -- seqs never answered: a connection broke, or (seq 0 of the first thread) the one
  -- request() call wrk makes to check the script, which it never sends
  unanswered = {}
  timed = clock ~= nil
end

function delay()
  if interval == 0 then return 0 end
  if clock == nil then return math.floor(interval) end
  local now = clock()
  if due == nil then due = now + interval * tid / count end
  local slot = due
  if now - slot > interval then slot = now end -- more than a slot behind: start afresh
  due = slot + interval
  return math.max(0, math.floor(slot - now + 0.5))
end

function request()
  if sent > 0 and last_answered ~= sent - 1 then
    unanswered[#unanswered + 1] = sent - 1
  end
  local seq = sent
  sent = sent + 1
  local id = string.format("%s-%04x-4000-8000-%012x", nonce, tid, seq)
  local body = string.format(
    '{"events":[{"id":"%s","seq":%d,"kind":"phase","phase":%d,"position_ms":0,'
      .. '"offset_ms":0,"at":"2026-11-25T07:00:00Z"}]}',
    id, seq, seq % phases)
  return wrk.format("POST", path, request_headers, body)
end

function response(status, headers, body)
  last_answered = sent - 1
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    failed[#failed + 1] = sent - 1
    statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  end
end

local function list(t)
  local out = {}
  for i, v in ipairs(t) do out[i] = string.format("%d", v) end
  return "[" .. table.concat(out, ",") .. "]"
end

local function counts(t)
  local out = {}
  for k, v in pairs(t) do out[#out + 1] = string.format('"%s":%d', k, v) end
  return "{" .. table.concat(out, ",") .. "}"
end

function done(summary, latency, requests)
  local parts = {}
  for i, thread in ipairs(threads) do
    parts[i] = string.format(
      '{"tid":%d,"sent":%d,"ok":%d,"last_answered":%d,"timed":%s,'
        .. '"failed":%s,"statuses":%s,"unanswered":%s}',
      thread:get("tid"), thread:get("sent"), thread:get("ok"), thread:get("last_answered"),
      tostring(thread:get("timed")), list(thread:get("failed")),
      counts(thread:get("statuses")), list(thread:get("unanswered")))
  end
  local e = summary.errors
  io.write(string.format(
    'EASEBACK-RESULT {"duration_us":%.0f,"requests":%.0f,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"p50":%.0f,"p90":%.0f,"p99":%.0f,"p99.9":%.0f,"max":%.0f},'
      .. '"threads":[%s]}\n',
    summary.duration, summary.requests,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max,
    table.concat(parts, ",")))
end
"""


# --- the server -------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    port: int
    db: Path
    log: Path
    pid: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _easeback() -> str:
    return commands()["help"][0]  # the venv's easeback script, checked to exist there


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "EASEBACK_DB"}


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far; None off Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pass_gate(db: Path, folder: Path) -> None:
    """Answer every safety question "no", with the clinician check, as the CLI takes it."""
    listed = subprocess.run(
        [_easeback(), "questions", "--json"], capture_output=True, text=True, check=True
    )
    answers = {
        "clinician_checked": True,
        "answers": {q["id"]: False for q in json.loads(listed.stdout)},
    }
    path = folder / "answers.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    checked = subprocess.run(
        [_easeback(), "--db", str(db), "check", "--answers", str(path)],
        capture_output=True,
        text=True,
        env=_env(),
    )
    if checked.returncode != 0:
        raise SystemExit(f"easeback check refused the answers:\n{checked.stdout}{checked.stderr}")


def request(
    port: int, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, http.client.HTTPResponse, bytes]:
    """One request on its own connection; ``token`` sends the CSRF cookie and header."""
    headers: dict[str, str] = {}
    payload = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        payload = json.dumps(body).encode()
    if token is not None:
        headers["X-CSRF-Token"] = token
        headers["Cookie"] = f"{CSRF_COOKIE}={token}"
    with closing(http.client.HTTPConnection("127.0.0.1", port, timeout=10)) as connection:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, response, response.read()


def csrf_token(port: int) -> str:
    """The token a first GET sets in its cookie, as a browser would get it."""
    status, response, _ = request(port, "GET", "/today")
    cookie = SimpleCookie(response.getheader("set-cookie") or "")
    if status != 200 or CSRF_COOKIE not in cookie:
        raise SystemExit(f"GET /today gave {status} without a {CSRF_COOKIE} cookie")
    return cookie[CSRF_COOKIE].value


def _tail(log: Path) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:])


def _wait_ready(process: subprocess.Popen[bytes], server: Server) -> None:
    deadline = time.monotonic() + READY_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"easeback serve exited with {process.returncode}:\n{_tail(server.log)}"
            )
        try:
            if request(server.port, "GET", "/api/today")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"easeback serve did not answer within {READY_S:g} s:\n{_tail(server.log)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def serve(folder: Path) -> Iterator[Server]:
    """``easeback serve`` on a free port and a fresh store in ``folder``, until the end."""
    server = Server(port=_free_port(), db=folder / "easeback.db", log=folder / "server.log")
    pass_gate(server.db, folder)
    argv = [_easeback(), "--db", str(server.db), "serve", "--port", str(server.port)]
    with server.log.open("wb") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=_env())
        server = replace(server, pid=process.pid)
        try:
            _wait_ready(process, server)
            yield server
        finally:
            _stop(process)
    if any(word in server.log.read_text(encoding="utf-8") for word in ("Traceback", "ERROR")):
        print(f"  the server logged errors:\n{_tail(server.log)}", flush=True)


@contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_session(port: int, token: str) -> dict[str, Any]:
    status, _, body = request(
        port, "POST", "/api/sessions", {"routine": ROUTINE, "speed": 1.0}, token
    )
    if status != 201:
        raise SystemExit(f"POST /api/sessions gave {status}: {body[:300]!r}")
    reply: dict[str, Any] = json.loads(body)
    return reply


# --- first visit ------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    url: str
    content_type: str
    body_bytes: int
    header_bytes: int

    @property
    def kind(self) -> str:
        mime = self.content_type.split(";")[0].strip().lower()
        if mime.startswith("image/"):
            return "image"
        return {"text/html": "html", "text/css": "css"}.get(
            mime, "js" if "javascript" in mime else "other"
        )


@dataclass
class FirstVisitResult:
    downloads: list[Download] = field(default_factory=list)
    missing: str = ""  # why it was not measured

    def kb(self, *kinds: str) -> float:
        return sum(d.body_bytes for d in self.downloads if d.kind in kinds) / 1000

    def figures(self) -> list[Figure]:
        group = f"first visit to /play?routine={ROUTINE} (fresh Chromium, no cache)"
        target = f"< {BYTES_TARGET_KB:g} KB"
        if self.missing:
            name = f"HTML+CSS+JS, response bodies ({self.missing})"
            return [Figure(group, name, NOT_MEASURED, "KB", target, False)]
        counted = self.kb("html", "css", "js", "other")
        figures = [
            Figure(
                group,
                "HTML+CSS+JS, response bodies (headers excluded)",
                counted,
                "KB",
                target,
                counted < BYTES_TARGET_KB,
            ),
            Figure(group, "  of which HTML", self.kb("html"), "KB"),
            Figure(group, "  of which CSS", self.kb("css"), "KB"),
            Figure(group, "  of which JS", self.kb("js"), "KB"),
        ]
        if self.kb("other"):
            figures.append(Figure(group, "  of which other types", self.kb("other"), "KB"))
        header_kb = sum(d.header_bytes for d in self.downloads) / 1000
        figures += [
            Figure(group, "illustrations and icon (SVG), not counted", self.kb("image"), "KB"),
            Figure(group, "response headers of all responses, not counted", header_kb, "KB"),
            Figure(group, "responses", len(self.downloads), ""),
        ]
        return figures

    def to_json(self) -> dict[str, Any]:
        return {
            "missing": self.missing or None,
            "downloads": [{**asdict(d), "kind": d.kind} for d in self.downloads],
        }


def first_visit(browser: Browser, server: Server) -> FirstVisitResult:
    """Open the player in a fresh context and sum what every response carried."""
    from playwright.sync_api import Request

    context = browser.new_context()
    try:
        page = context.new_page()
        finished: list[Request] = []
        failed: list[str] = []
        page.on("requestfinished", lambda r: finished.append(r))
        page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
        page.goto(f"{server.base}/play?routine={ROUTINE}", wait_until="load")
        page.wait_for_load_state("networkidle")  # the icon may come after "load"
        if failed:
            raise SystemExit(f"requests failed on the first visit: {failed}")
        downloads = []
        for item in finished:
            response = item.response()
            if response is None:
                raise SystemExit(f"no response for {item.url}")
            if response.status != 200:
                raise SystemExit(f"{item.url} answered {response.status}")
            sizes = item.sizes()
            downloads.append(
                Download(
                    url=item.url.removeprefix(server.base),
                    content_type=response.headers.get("content-type", ""),
                    body_bytes=sizes["responseBodySize"],
                    header_bytes=sizes["responseHeadersSize"],
                )
            )
        return FirstVisitResult(downloads)
    finally:
        context.close()


# --- browser cue timing -----------------------------------------------------------------


def what_the_page_played(page: Any) -> dict[str, Any]:
    """Once the page has sent everything: its phase-change timing, the session's id,
    how many events it made, how the session ended, its speed and its length."""
    page.wait_for_function("window.easeback.outbox.pending() === 0", timeout=10_000)
    played: dict[str, Any] = page.evaluate(
        """() => ({
            timing: window.easeback.timing,
            id: window.easeback.state.session.id,
            made: window.easeback.state.seq,
            outcome: window.easeback.state.player.outcome,
            speed: window.easeback.state.player.speed,
            total: window.easeback.state.player.total,
        })"""
    )
    return played


def stored_seqs(port: int, session_id: str) -> list[int]:
    """The seq of every event the server stored for a session, in order."""
    status, _, body = request(port, "GET", f"/api/sessions/{session_id}")
    if status != 200:
        raise SystemExit(f"GET /api/sessions/{session_id} gave {status}")
    return sorted(e["seq"] for e in json.loads(body)["events"])


def routine_ms() -> int:
    """Length of the routine at speed 1, as ``easeback timeline --json`` gives it."""
    shown = subprocess.run(
        [_easeback(), "timeline", ROUTINE, "--json"], capture_output=True, text=True, check=True
    )
    total: int = json.loads(shown.stdout)["total_ms"]
    return total


def rehearsal_speed(quick: bool) -> float:
    """The speed at which the routine lasts SESSION_S of wall time (QUICK_SPEED if quick)."""
    return QUICK_SPEED if quick else routine_ms() / (SESSION_S * 1000)


@dataclass
class CueResult:
    speed: float
    planned_s: float
    lateness_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    outcome: str = ""
    events_made: int = 0
    events_stored: int = 0
    seqs_match: bool = False
    page_errors: list[str] = field(default_factory=list)
    missing: str = ""

    def figures(self) -> list[Figure]:
        group = f"browser player, speed {self.speed:g} ({self.planned_s:.1f} s)"
        target = f"< {CUE_P99_TARGET_MS:g} ms"
        if self.missing:
            name = f"phase-change lateness p99 ({self.missing})"
            return [Figure(group, name, NOT_MEASURED, "ms", target, False)]
        p99 = percentile(self.lateness_ms, 99)
        stored_ok = self.events_stored == self.events_made and self.seqs_match
        return [
            Figure(group, "phase changes", len(self.lateness_ms), ""),
            Figure(group, "phase-change lateness p50", median(self.lateness_ms), "ms"),
            Figure(group, "phase-change lateness p99", p99, "ms", target, p99 < CUE_P99_TARGET_MS),
            Figure(group, "phase-change lateness max", max(self.lateness_ms), "ms"),
            Figure(group, "Begin to 'Session over', wall", self.wall_s, "s"),
            Figure(
                group,
                "events stored by the server",
                self.events_stored,
                "",
                f"= {self.events_made} made by the page",
                stored_ok,
            ),
        ]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def cue_timing(browser: Browser, server: Server, speed: float) -> CueResult:
    """Play the routine in the page at ``speed``, then compare the server's events."""
    result = CueResult(speed=speed, planned_s=routine_ms() / 1000 / speed)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: result.page_errors.append(str(error)))
        page.goto(f"{server.base}/play?routine={ROUTINE}&speed={speed!r}", wait_until="load")
        page.get_by_role("button", name="Begin").click()
        begun = time.monotonic()
        page.locator("#after").wait_for(
            state="visible", timeout=(result.planned_s + AFTER_SESSION_S) * 1000
        )
        result.wall_s = time.monotonic() - begun
        played = what_the_page_played(page)
    finally:
        context.close()
    result.speed = float(played["speed"])  # as the page parsed it
    result.planned_s = routine_ms() / 1000 / result.speed
    result.lateness_ms = [float(t["late_ms"]) for t in played["timing"] if t["phase"] > 0]
    result.outcome = str(played["outcome"])
    result.events_made = int(played["made"])
    if result.outcome != "completed":
        raise SystemExit(f"the browser session did not complete ({result.outcome})")
    seqs = stored_seqs(server.port, played["id"])
    result.events_stored = len(seqs)
    result.seqs_match = seqs == list(range(result.events_made))
    return result


# --- event API under load ---------------------------------------------------------------


@dataclass
class LoadRun:
    """One wrk run and what the store holds after it."""

    label: str
    rate: float  # requested requests/s, 0 for as fast as the answers come
    duration_s: int
    requests_per_s: float = 0.0  # as wrk prints it
    latency_ms: dict[str, float] = field(default_factory=dict)
    sent: int = 0
    ok: int = 0
    not_2xx: dict[str, int] = field(default_factory=dict)
    socket_errors: dict[str, int] = field(default_factory=dict)
    stored: int = 0
    stored_in_flight: int = 0  # sent, stored, but wrk stopped before the answer
    missing: int = 0  # answered 2xx, not in the store
    unexpected: int = 0  # in the store without a 2xx answer or a request in flight
    paced: bool = True  # the Lua script had a monotonic clock (LuaJIT's ffi)
    server_cpu_ms: float | None = None  # the server's CPU time per request sent
    wrk_output: str = ""

    @property
    def all_stored(self) -> bool:
        return self.missing == 0 and self.unexpected == 0

    @property
    def errors(self) -> int:
        return sum(self.not_2xx.values()) + sum(self.socket_errors.values())


@dataclass
class LoadResult:
    loaded: LoadRun | None = None
    unloaded: LoadRun | None = None
    missing: str = ""

    def figures(self) -> list[Figure]:
        target = f"< {API_P99_TARGET_MS:g} ms"
        if self.missing or self.loaded is None:
            group = f"event API under wrk load, {LOAD_RATE:g} requests/s"
            name = f"latency p99 ({self.missing})"
            return [Figure(group, name, NOT_MEASURED, "ms", target, False)]
        run = self.loaded
        group = (
            f"event API under wrk load, {WRK_THREADS} connections, {run.duration_s} s "
            f"at {run.rate:g} requests/s"
        )
        held = RATE_HELD * run.rate
        p99 = run.latency_ms["p99"]
        figures = [
            Figure(
                group,
                "requests/s achieved (wrk)",
                run.requests_per_s,
                "req/s",
                f">= {held:g} req/s",
                run.requests_per_s >= held,
            ),
            Figure(group, "latency p50", run.latency_ms["p50"], "ms"),
            Figure(group, "latency p90", run.latency_ms["p90"], "ms"),
            Figure(group, "latency p99", p99, "ms", target, p99 < API_P99_TARGET_MS),
            Figure(group, "latency max", run.latency_ms["max"], "ms"),
            Figure(
                group, "answers outside 2xx, socket errors", run.errors, "", "0", run.errors == 0
            ),
            Figure(group, "2xx answers", run.ok, ""),
            *self._cpu(group, run),
            *self._stored(group, run),
        ]
        if self.unloaded is not None:
            free = self.unloaded
            group = (
                f"event API, no delay (most it answers), {WRK_THREADS} connections, "
                f"{free.duration_s} s"
            )
            figures += [
                Figure(group, "requests/s achieved (wrk)", free.requests_per_s, "req/s"),
                Figure(group, "latency p50", free.latency_ms["p50"], "ms"),
                Figure(group, "latency p99", free.latency_ms["p99"], "ms"),
                *self._cpu(group, free),
                *self._stored(group, free),
            ]
        return figures

    @staticmethod
    def _cpu(group: str, run: LoadRun) -> list[Figure]:
        if run.server_cpu_ms is None:
            return []
        return [Figure(group, "server CPU time per request", run.server_cpu_ms, "ms")]

    @staticmethod
    def _stored(group: str, run: LoadRun) -> list[Figure]:
        extra = f" + {run.stored_in_flight} in flight" if run.stored_in_flight else ""
        figures = [
            Figure(
                group,
                "events stored in SQLite",
                run.stored,
                "",
                f"= 2xx answers{extra}",
                run.all_stored,
            )
        ]
        if run.missing:
            figures.append(Figure(group, "  answered 2xx but not stored", run.missing, ""))
        if run.unexpected:
            figures.append(Figure(group, "  stored without a 2xx answer", run.unexpected, ""))
        return figures

    def to_json(self) -> dict[str, Any]:
        return {
            "missing": self.missing or None,
            "loaded": asdict(self.loaded) if self.loaded else None,
            "unloaded": asdict(self.unloaded) if self.unloaded else None,
        }


def _wrk_result(stdout: str) -> tuple[float, dict[str, Any]]:
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", stdout, re.MULTILINE)
    line = re.search(r"^EASEBACK-RESULT (.+)$", stdout, re.MULTILINE)
    if rate is None or line is None:
        raise SystemExit(f"wrk printed no result:\n{stdout}")
    parsed: dict[str, Any] = json.loads(line.group(1))
    return float(rate.group(1)), parsed


def _check_store(db: Path, run: LoadRun, sessions: list[str], nonce: str, wrk: Any) -> None:
    """Compare the store with what each wrk thread sent and had answered. A seq never
    answered may or may not be stored (wrk stopped, or never sent it: see the script)."""
    by_session: dict[str, dict[int, str]] = {}
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as connection:
        for session_id in sessions:
            rows = connection.execute(
                "SELECT seq, client_id FROM events WHERE session_id = ?", (session_id,)
            ).fetchall()
            by_session[session_id] = {seq: client_id for seq, client_id in rows}
    run.stored = sum(len(stored) for stored in by_session.values())
    for thread in wrk["threads"]:
        tid, sent = thread["tid"], thread["sent"]
        unanswered = set(thread["unanswered"])
        if sent and thread["last_answered"] != sent - 1:
            unanswered.add(sent - 1)  # in flight when wrk stopped
        answered_ok = set(range(sent)) - set(thread["failed"]) - unanswered
        if len(answered_ok) != thread["ok"]:
            raise SystemExit(f"wrk thread {tid}: bookkeeping disagrees with its 2xx count")
        stored = by_session[sessions[tid]]
        good = {
            seq
            for seq, client_id in stored.items()
            if client_id == f"{nonce}-{tid:04x}-4000-8000-{seq:012x}"
        }
        run.missing += len(answered_ok - good)
        run.stored_in_flight += len(good & unanswered)
        run.unexpected += len(stored) - len(good & (answered_ok | unanswered))


def wrk_run(
    server: Server, token: str, label: str, rate: float, duration_s: int, folder: Path
) -> LoadRun:
    """Run wrk once against fresh sessions (one per thread) and check the store after."""
    sessions = [open_session(server.port, token) for _ in range(WRK_THREADS)]
    ids = [s["id"] for s in sessions]
    phases = len(sessions[0]["timeline"]["phases"])
    nonce = secrets.token_hex(4)
    script = folder / "events.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    argv = [
        "wrk",
        "--threads",
        str(WRK_THREADS),
        "--connections",
        str(WRK_THREADS),
        "--duration",
        f"{duration_s}s",
        "--timeout",
        "5s",
        "--latency",
        "--script",
        str(script),
        f"{server.base}/api/sessions/{ids[0]}/events",
        "--",
        token,
        f"{rate:g}",
        str(WRK_THREADS),
        str(phases),
        nonce,
        *ids,
    ]
    cpu_before = cpu_seconds(server.pid)
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    cpu_after = cpu_seconds(server.pid)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    requests_per_s, wrk = _wrk_result(done.stdout)
    statuses: dict[str, int] = {}
    for thread in wrk["threads"]:
        for status, count in thread["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
    run = LoadRun(
        label=label,
        rate=rate,
        duration_s=duration_s,
        requests_per_s=requests_per_s,
        latency_ms={k: v / 1000 for k, v in wrk["latency_us"].items()},
        sent=sum(t["sent"] for t in wrk["threads"]),
        ok=sum(t["ok"] for t in wrk["threads"]),
        not_2xx=statuses,
        socket_errors={k: v for k, v in wrk["errors"].items() if k != "status" and v},
        paced=all(t["timed"] for t in wrk["threads"]),
        wrk_output=done.stdout,
    )
    if cpu_before is not None and cpu_after is not None and run.sent:
        run.server_cpu_ms = (cpu_after - cpu_before) * 1000 / run.sent
    _check_store(server.db, run, ids, nonce, wrk)
    return run


def warm_up(server: Server, token: str, count: int = 20) -> None:
    """A few events through the same route first, on a session of their own, so the
    measured runs meet no first-call imports; each must be answered 200."""
    session = open_session(server.port, token)
    for seq in range(count):
        event = {
            "id": f"{secrets.token_hex(4)}-0000-4000-8000-{seq:012x}",
            "seq": seq,
            "kind": "phase",
            "phase": seq % len(session["timeline"]["phases"]),
            "position_ms": 0,
            "offset_ms": 0,
            "at": "2026-11-25T07:00:00Z",
        }
        path = f"/api/sessions/{session['id']}/events"
        status, _, body = request(server.port, "POST", path, {"events": [event]}, token)
        if status != 200:
            raise SystemExit(f"POST {path} gave {status}: {body[:300]!r}")


def event_load(server: Server, folder: Path, *, quick: bool) -> LoadResult:
    if shutil.which("wrk") is None:
        print(f"  wrk is not installed: {INSTALL_WRK}", flush=True)
        return LoadResult(missing=INSTALL_WRK)
    token = csrf_token(server.port)
    warm_up(server, token)
    loaded = wrk_run(server, token, "loaded", LOAD_RATE, QUICK_LOAD_S if quick else LOAD_S, folder)
    if not loaded.paced:
        print("  note: wrk's Lua has no ffi clock; requests were spaced by a fixed delay")
    unloaded = wrk_run(
        server, token, "unloaded", 0, QUICK_MAX_RATE_S if quick else MAX_RATE_S, folder
    )
    return LoadResult(loaded, unloaded)


# --- all three --------------------------------------------------------------------------


@dataclass
class WebResult:
    first: FirstVisitResult
    cues: CueResult
    load: LoadResult
    load_average: dict[str, float]  # the machine's 1-minute load average around each part

    def figures(self) -> list[Figure]:
        return self.first.figures() + self.cues.figures() + self.load.figures()

    def to_json(self) -> dict[str, Any]:
        return {
            "first_visit": self.first.to_json(),
            "cue_timing": self.cues.to_json(),
            "event_load": self.load.to_json(),
            "load_average_1m": self.load_average,
        }


def load_seconds(quick: bool) -> int:
    return (QUICK_LOAD_S if quick else LOAD_S) + (QUICK_MAX_RATE_S if quick else MAX_RATE_S)


@contextmanager
def _step(name: str, text: str, load_average: dict[str, float]) -> Iterator[None]:
    """Print what runs, with the machine's 1-minute load average before and after it:
    other work on the machine skews every timing here."""
    before = os.getloadavg()[0]
    print(f"  {text} (load average {before:.2f}) ...", flush=True)
    yield
    after = os.getloadavg()[0]
    load_average[f"{name}_before"] = round(before, 2)
    load_average[f"{name}_after"] = round(after, 2)
    print(f"    done (load average {after:.2f})", flush=True)


def measure(*, quick: bool) -> WebResult:
    """Start the server once and run the three benchmarks against it, in turn."""
    speed = rehearsal_speed(quick)
    load_average: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="easeback-web-") as name:
        folder = Path(name)
        with serve(folder) as server:
            if Path(CHROMIUM).exists():
                with chromium() as browser:
                    with _step("first_visit", "first visit to the player", load_average):
                        first = first_visit(browser, server)
                    planned = routine_ms() / 1000 / speed
                    text = f"browser session: about {planned:.1f} s"
                    with _step("cue_timing", text, load_average):
                        cues = cue_timing(browser, server, speed)
                if cues.page_errors:
                    print(f"  the page reported errors: {cues.page_errors}", flush=True)
            else:
                print(f"  {INSTALL_CHROMIUM}", flush=True)
                first = FirstVisitResult(missing=INSTALL_CHROMIUM)
                cues = CueResult(speed=speed, planned_s=0.0, missing=INSTALL_CHROMIUM)
            with _step("event_load", f"wrk: about {load_seconds(quick)} s", load_average):
                load = event_load(server, folder, quick=quick)
    return WebResult(first, cues, load, load_average)


def main(argv: list[str] | None = None) -> int:
    from figures import format_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="speed 50 and shorter wrk runs")
    args = parser.parse_args(argv)
    result = measure(quick=args.quick)
    print(format_table(result.figures()))
    return 1 if any(f.passed is False for f in result.figures()) else 0


if __name__ == "__main__":
    sys.exit(main())
