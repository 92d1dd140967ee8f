"""Talking to the server: one request, one reply, and every failure in plain words.

A ``Transport`` sends one request and returns the reply; the real one is the
standard library's HTTP client over TLS (the system's certificate authorities, or
``SSL_CERT_FILE``), tests hand in one that calls the server's app in the process or
drops the connection on purpose. Nothing here knows what a record is.
"""

from __future__ import annotations

import gzip
import http.client
import json
import socket
import ssl
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

PROTOCOL = "1"
PROTOCOL_HEADER = "Easeback-Sync"
TIMEOUT_S = 30
# Bodies larger than this are sent compressed.
COMPRESS_OVER = 1024
# The largest reply read (compressed or not): a batch is far smaller.
MAX_REPLY = 64 * 1024 * 1024


class SyncFailure(Exception):
    """A sync, link or unlink that did not go through: ``kind`` for programs (and the
    status), ``message`` for people; ``at`` when the server named a moment (erased)."""

    def __init__(self, kind: str, message: str, at: datetime | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.at = at


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


# method, path with query, headers, body -> reply; raises OSError when the connection
# fails (the caller says "server down").
Transport = Callable[[str, str, dict[str, str], bytes | None], Reply]


def http_transport(server: str) -> Transport:
    """Requests to ``server`` (https://host[:port], or http:// on this machine only)."""
    parts = urlsplit(server)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise SyncFailure("address", f"{server!r} is not a server address; give it as https://host")
    if parts.scheme == "http" and parts.hostname not in {"localhost", "127.0.0.1", "::1"}:
        raise SyncFailure(
            "address",
            f"{server} is not encrypted: a clinic's server is reached with https:// "
            "(plain http only on this machine, for trying it out)",
        )
    host, port, secure = parts.hostname, parts.port, parts.scheme == "https"
    context = ssl.create_default_context() if secure else None

    def send(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        connection: http.client.HTTPConnection
        if context is not None:
            connection = http.client.HTTPSConnection(host, port, timeout=TIMEOUT_S, context=context)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=TIMEOUT_S)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read(MAX_REPLY + 1)
            return Reply(response.status, data, {k.lower(): v for k, v in response.getheaders()})
        finally:
            connection.close()

    return send


def call(
    transport: Transport,
    method: str,
    path: str,
    *,
    token: str | None = None,
    payload: Any = None,
    query: dict[str, Any] | None = None,
    counter: list[int] | None = None,
) -> Any:
    """One JSON request; the reply's JSON. ``counter`` adds [bytes sent, bytes
    received]. Every failure is a SyncFailure in plain words."""
    headers = {PROTOCOL_HEADER: PROTOCOL, "Accept": "application/json", "Accept-Encoding": "gzip"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = None
    if payload is not None:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        headers["Content-Type"] = "application/json"
        if len(body) > COMPRESS_OVER:
            body = gzip.compress(body, compresslevel=5)
            headers["Content-Encoding"] = "gzip"
    if query:
        path = f"{path}?{urlencode(query)}"
    try:
        reply = transport(method, path, headers, body)
    except ssl.SSLCertVerificationError as exc:
        raise SyncFailure(
            "certificate",
            f"the server's certificate is not trusted ({exc.verify_message}); check the "
            "address, or ask the clinic",
        ) from None
    except (OSError, http.client.HTTPException) as exc:
        raise SyncFailure("server_down", _down_words(exc)) from None
    if counter is not None:
        counter[0] += len(body or b"") + len(path)
        counter[1] += len(reply.body)
    data = reply.body
    if reply.headers.get("content-encoding") == "gzip":
        try:
            unpacker = zlib.decompressobj(wbits=31)
            data = unpacker.decompress(data, MAX_REPLY)
        except zlib.error:
            raise SyncFailure(
                "server_down", "the server's answer was cut off; sync again"
            ) from None
        if unpacker.unconsumed_tail:
            raise SyncFailure("not_easeback", "the server's answer was far too large")
    try:
        answer = json.loads(data) if data else None
    except ValueError:
        answer = None
    if 200 <= reply.status < 300:
        if data and answer is None:
            raise SyncFailure(
                "not_easeback", "the server answered with something other than easeback's data"
            )
        return answer
    raise failure_of(reply.status, answer, _short_text(data))


def _down_words(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "the server did not answer in time; sync again later"
    if isinstance(exc, socket.gaierror):
        return "the server's name could not be found; check the address and the network"
    if isinstance(exc, ConnectionRefusedError):
        return "the server is not answering (connection refused); it may be down, try later"
    return "the connection to the server was lost; nothing is lost, sync again later"


# What to say when the server's answer names no problem of its own.
STATUS_WORDS = {
    401: ("token", "the server does not know this device; run `easeback link` again"),
    404: ("not_easeback", "this server does not offer easeback's sync; check the address"),
    413: ("size", "the server refused a batch as too large"),
    426: ("version", "the server needs a newer easeback on this device; update it"),
    429: ("throttled", "too many attempts; wait a few minutes and try again"),
    503: ("server_down", "the server is busy or its database is down; try again later"),
}


def _short_text(data: bytes) -> str | None:
    """A plain-text answer short enough to show (a proxy's or the host check's)."""
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    return text if 0 < len(text) <= 300 and text.isprintable() else None


def failure_of(status: int, answer: Any, text: str | None = None) -> SyncFailure:
    if isinstance(answer, dict) and isinstance(answer.get("problem"), str):
        message = str(answer.get("message") or answer.get("detail") or answer["problem"])
        at = answer.get("at")
        when = None
        if isinstance(at, str):
            try:
                when = datetime.fromisoformat(at)
            except ValueError:
                when = None
        return SyncFailure(answer["problem"], message, when)
    if isinstance(answer, dict) and isinstance(answer.get("detail"), str):
        text = answer["detail"]
    kind, words = STATUS_WORDS.get(
        status,
        ("server_down" if status >= 500 else "refused", f"the server answered {status}"),
    )
    if text and status not in STATUS_WORDS:
        words = f"the server answered {status}: {text}"
    return SyncFailure(kind, words)
