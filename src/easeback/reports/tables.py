"""The CSV export: one file per table in a zip, each with a header row, and a
README.txt in the zip that documents every column (from the schema's own notes)."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from easeback.store.dump import TABLES
from easeback.store.schema import metadata

ABOUT = """easeback export, CSV tables
==========================

One file per kind of record, each with a header row. Times are in UTC, ISO 8601
(e.g. 2026-11-25T07:05:00); each row's "zone" column names the person's time zone.
Empty cells are empty values. This is health data: keep it private.

"""


def columns_text() -> str:
    """Every file and its columns, for README.txt and the project README."""
    parts = []
    for name in TABLES:
        table = metadata.tables[name]
        lines = [f"{name}.csv"]
        for column in table.columns:
            note = f": {column.comment}" if column.comment else ""
            lines.append(f"  {column.name} ({column.type.python_type.__name__}){note}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def csv_zip(export: dict[str, Any]) -> bytes:
    """The zip's bytes, from a ``dump()`` export."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", ABOUT + columns_text())
        for name in TABLES:
            columns = [c.name for c in metadata.tables[name].columns]
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(columns)
            for row in export["tables"][name]:
                writer.writerow(["" if row[c] is None else row[c] for c in columns])
            archive.writestr(f"{name}.csv", text.getvalue())
    return buffer.getvalue()
