"""The three export formats, made from one dump of the store."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

FORMATS = ("csv", "json", "fhir")


def export_bytes(engine: Engine, kind: str, now: datetime) -> bytes:
    """One export's bytes: json (everything, re-importable), csv (a zip) or fhir."""
    from easeback.store.dump import dump

    data = dump(engine, exported=now)
    if kind == "json":
        return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode()
    if kind == "csv":
        from easeback.reports.tables import csv_zip

        return csv_zip(data)
    from easeback.reports.fhir import fhir_bundle
    from easeback.today import plan_for_export

    bundle: dict[str, Any] = fhir_bundle(data, plan_for_export(engine))
    return (json.dumps(bundle, indent=1, ensure_ascii=False) + "\n").encode()
