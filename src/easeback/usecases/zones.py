"""The time zones a person picks from on Your day, grouped by region.

Every IANA zone of a region (Europe/London, America/Argentina/Buenos_Aires), with the
older names browsers still report (Asia/Calcutta), so the browser's own zone is in the
list; the country-style aliases (US/Eastern, GB) and the Etc/ offsets are left out.
"""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from easeback.core.plan import known_zone

REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)
Choice = tuple[str, str]  # (IANA name, the place as shown)


@cache
def zone_choices() -> tuple[tuple[str, tuple[Choice, ...]], ...]:
    """(region, ((zone, place), ...)) in region order, places sorted by name."""
    by_region: dict[str, list[Choice]] = {region: [] for region in REGIONS}
    for name in available_timezones():
        region, _, place = name.partition("/")
        if region in by_region and place and known_zone(name):
            by_region[region].append((name, place.replace("_", " ").replace("/", " / ")))
    return tuple(
        (region, tuple(sorted(places, key=lambda choice: choice[1])))
        for region, places in by_region.items()
        if places
    )


def offered(zone: str) -> bool:
    """Whether ``zone`` is one of the choices (else the page adds it as it is)."""
    return zone == "UTC" or any(zone == name for _, group in zone_choices() for name, _ in group)
