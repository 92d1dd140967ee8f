"""Guards for a server that only ever listens on this machine.

A page on any website can make the browser send requests to 127.0.0.1, so three
walls stand between it and the person's health data:

* the Host header must name this machine (``localhost``, ``127.0.0.1`` or ``[::1]``,
  with our port), which defeats DNS rebinding; Starlette's TrustedHostMiddleware
  splits ``[::1]:8421`` at the wrong colon, so the parsing here is our own;
* every state-changing request carries a CSRF token equal to the one in our
  SameSite=Strict cookie (a form field, or the ``X-CSRF-Token`` header for the API);
* every response forbids framing, inline script and sniffing.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
CSRF_COOKIE = "easeback_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def host_allowed(host: str, port: int) -> bool:
    """True for a loopback name with our ``port`` (``[::1]:8421`` included)."""
    host = host.strip().lower()
    return any(host == f"{name}:{port}" for name in LOOPBACK_NAMES)


def same_origin(origin: str | None, fetch_site: str | None, port: int) -> bool:
    """Did this state-changing request come from one of our own pages?

    Browsers send ``Origin`` with every POST; a page on another port of this machine
    is "same-site" for cookies, so the CSRF cookie alone cannot tell it apart, but
    its Origin names its own port. Clients that send neither header (scripts, curl)
    are not browsers and cannot be tricked into a request.
    """
    if origin is not None and origin.strip() != "null":
        for scheme_host in (f"http://{name}:{port}" for name in LOOPBACK_NAMES):
            if origin.strip().lower() == scheme_host:
                return True
        return False
    if origin is not None:  # "null": a privacy setting hid it; the browser still says
        return fetch_site == "same-origin"
    return fetch_site is None or fetch_site in ("same-origin", "none")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(cookie: str | None, given: str | None) -> bool:
    """Constant-time comparison; a missing token never matches."""
    if not cookie or not given:
        return False
    return hmac.compare_digest(cookie.encode(), given.encode())


class HostGuard:
    """ASGI middleware: refuse Host headers that ``allowed`` does not accept with 400
    (saying ``refusal``), and add the security headers (and ``extra``) to every
    response, errors and static files included."""

    def __init__(
        self,
        app: ASGIApp,
        allowed: Callable[[str], bool],
        refusal: str,
        extra: Sequence[tuple[bytes, bytes]] = (),
    ) -> None:
        self.app = app
        self.allowed = allowed
        self.refusal = refusal
        self.headers = [*SECURITY_HEADERS, *extra]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        if not self.allowed(host):
            refusal = self.refusal
            if scope.get("path", "").startswith("/api/"):  # the API's one error shape
                kind = b"application/json"
                body = json.dumps({"detail": refusal, "errors": [], "cause": None}).encode()
            else:
                kind, body = b"text/plain; charset=utf-8", f"{refusal}\n".encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [
                        (b"content-type", kind),
                        (b"content-length", str(len(body)).encode()),
                        *self.headers,
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LocalOnly(HostGuard):
    """The single-user app's guard: only this machine's names, with our port."""

    def __init__(self, app: ASGIApp, port: int) -> None:
        super().__init__(
            app,
            lambda host: host_allowed(host, port),
            "easeback answers only to localhost, 127.0.0.1 or [::1]: "
            "open the address the server printed.",
        )
