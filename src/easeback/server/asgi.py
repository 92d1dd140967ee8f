"""The clinic's server as uvicorn's worker processes import it.

``easeback server run`` hands uvicorn the import string ``easeback.server.asgi:create``
(a factory), so that every worker builds its own app, with its own pool of database
connections, from the environment the command set up: nothing but PostgreSQL is
shared between workers, or between servers.
"""

from __future__ import annotations

from fastapi import FastAPI

from easeback.server.app import create_server_app
from easeback.server.config import from_environment

IMPORT_STRING = "easeback.server.asgi:create"


def create() -> FastAPI:
    """The server app for this worker, configured by the process's environment."""
    return create_server_app(from_environment())
