"""Errors a person can cause or fix, shared by every shell. Light to import on purpose:
the CLI's error handling must not pull in the database or validation libraries."""

from __future__ import annotations


class StoreError(Exception):
    """The database could not be opened or used; the message says why and what to do."""
