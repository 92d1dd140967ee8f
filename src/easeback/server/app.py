"""The server's app factory: the person's app, one store per logged-in patient, plus
the clinic's own pages (login, invitations, admin, clinicians)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from jinja2 import ChoiceLoader, FileSystemLoader

from easeback.server.config import ServerConfig
from easeback.server.guard import context, for_devices, guard
from easeback.server.pending import StoredPendingFiles
from easeback.server.tenancy import open_clinic
from easeback.web.app import add_csrf, person_app
from easeback.web.errors import add_handlers
from easeback.web.security import HostGuard

HERE = Path(__file__).parent


def create_server_app(config: ServerConfig, *, pool_size: int = 10) -> FastAPI:
    """Refuses to build with a configuration that has problems (see
    ``ServerConfig.problems``), so a server never starts half-configured."""
    from easeback.clinician import pages as clinician_pages
    from easeback.server import device_pages, health, pages, sync_api

    problems = config.problems()
    if problems or config.database is None:
        raise ValueError("; ".join(problems))
    app = person_app("The API of an easeback clinic server, for a patient's own records.")
    app.state.config = config
    app.state.clinic = open_clinic(config.database, pool_size=pool_size)
    app.state.pending_files = StoredPendingFiles(app.state.clinic, config.secret or "")
    templates = app.state.templates
    templates.env.loader = ChoiceLoader(
        [
            FileSystemLoader(HERE / "templates"),
            FileSystemLoader(HERE.parent / "clinician" / "templates"),  # clinician views
            templates.env.loader,
        ]
    )
    templates.env.globals["server"] = context
    app.include_router(pages.router)
    app.include_router(health.router)
    app.include_router(clinician_pages.router)  # issue 13: the clinician's views
    app.include_router(device_pages.router)  # issue 14: linked devices
    app.include_router(sync_api.router)  # issue 14: a linked device's sync

    app.middleware("http")(guard)
    # A device's sync sends no cookie: no other site can make a browser send its
    # credentials, and its requests carry no Origin.
    add_csrf(
        app,
        lambda origin, site: same_site(config, origin, site),
        secure=config.secure,
        exempt=for_devices,
    )
    extra = [(b"strict-transport-security", b"max-age=31536000")] if config.secure else []
    app.add_middleware(
        HostGuard,
        allowed=lambda host: host.strip().lower() == config.host,
        refusal=f"This easeback server answers at {config.public_url} only.",
        extra=extra,
    )
    add_handlers(app)
    return app


def same_site(config: ServerConfig, origin: str | None, fetch_site: str | None) -> bool:
    """Did a request that changes data come from one of this server's own pages?"""
    if origin is not None and origin.strip() != "null":
        return origin.strip().lower().rstrip("/") == config.origin
    if origin is not None:
        return fetch_site == "same-origin"
    return fetch_site is None or fetch_site in ("same-origin", "none")
