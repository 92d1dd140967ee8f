"""The real clocks, kept out of the core: the monotonic clock that drives players,
and the wall clock and time zone that records are stamped with."""

from __future__ import annotations

import os
import time
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def monotonic() -> float:
    return time.monotonic()


def wall_now() -> datetime:
    return datetime.now(UTC)


# On a clinic's server the computer's zone is nobody's: each request may carry the
# zone of the device it came from (server/guard.py), which then stands in for it.
device_zone: ContextVar[str | None] = ContextVar("device_zone", default=None)


def known_zone(name: str) -> bool:
    """Is ``name`` an IANA zone this machine knows (and not a path in disguise)?"""
    if not name or len(name) > 64:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def local_zone() -> str:
    """The person's IANA zone name: their device's (on a server), else $TZ, else
    /etc/localtime's target, else UTC."""
    if (device := device_zone.get()) is not None:
        return device
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = Path("/etc/localtime").resolve().as_posix()
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        if not name:
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
        return name
    return "UTC"


def local_time(moment_utc: datetime, zone: str) -> datetime:
    """A stored naive-UTC time in ``zone`` (UTC when the zone is unknown here)."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        tz = ZoneInfo("UTC")
    return moment_utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz)
