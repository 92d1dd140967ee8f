"""Errors a person can cause or fix, shared by every shell. Light to import on purpose:
the CLI's error handling must not pull in the database or validation libraries."""

from __future__ import annotations

from dataclasses import dataclass


class StoreError(Exception):
    """The database could not be opened or used; the message says why and what to do.

    ``fault`` names the cause when it is a storage fault ('locked', 'full',
    'read-only', 'damaged', 'io': see store/faults.py), so a shell can answer a busy
    store with "try again" rather than "that was wrong".
    """

    def __init__(self, message: str, *, fault: str | None = None) -> None:
        super().__init__(message)
        self.fault = fault


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a routine file."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


class RoutineError(Exception):
    """A routine could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
