"""The CSV export: one file per table in a zip, each with a header row, and a
README.txt in the zip that documents every column (from the schema's own notes).

Spreadsheets run a cell that begins with =, +, -, @ (or a tab or a carriage return)
as a formula, so such a text cell is written with a ' before it: a note typed as
"=1+1" or "-2 today" is shown as typed, never computed. Numbers stay numbers. The
``excel`` variant begins each file with a UTF-8 byte-order mark, which Microsoft
Excel needs to read accents and other non-English letters right.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import String

from easeback.store.dump import TABLES
from easeback.store.schema import metadata

# Who the data is about (name, date of birth, clinic identifier) goes only on the
# report, the routine sheet and the FHIR Patient: these tables are for looking at the
# diary in a spreadsheet, and are often passed on. The JSON export, the person's own
# full backup, holds it.
CSV_TABLES = tuple(name for name in TABLES if name != "profiles")

if TYPE_CHECKING:
    from sqlalchemy import Engine

ABOUT = """easeback export, CSV tables
==========================

One file per kind of record, each with a header row. Times are in UTC, ISO 8601
(e.g. 2026-11-25T07:05:00); each row's "zone" column names the person's time zone.
Empty cells are empty values. This is health data: keep it private.

The files are UTF-8{bom}. A text cell that begins with =, +, -, @, a tab or a carriage
return has a ' put before it, so that a spreadsheet shows it as text and never runs it
as a formula; to get the text exactly as it was typed, remove that first '.

"""
BOM_WORDS = {
    False: " without a byte-order mark",
    True: ", each beginning with a byte-order mark (for Microsoft Excel)",
}
# What a spreadsheet reads as the start of a formula.
FORMULA_STARTS = frozenset("=+-@\t\r")
QUOTE = "'"  # put before such a cell: a spreadsheet then shows it as text


def columns_text() -> str:
    """Every file and its columns, for README.txt and the project README."""
    parts = []
    for name in CSV_TABLES:
        table = metadata.tables[name]
        lines = [f"{name}.csv"]
        for column in table.columns:
            note = f": {column.comment}" if column.comment else ""
            lines.append(f"  {column.name} ({column.type.python_type.__name__}){note}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def write_csv_zip(engine: Engine, out: IO[bytes], *, excel: bool = False) -> None:
    """The zip, table by table, rows read in batches; ``excel``: each file (and the
    README) begins with a UTF-8 byte-order mark."""
    from easeback.store.dump import iter_values

    encoding = "utf-8-sig" if excel else "utf-8"
    # Level 1: a few percent larger than the default, and twice as fast on years of rows.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        about = ABOUT.format(bom=BOM_WORDS[excel]) + columns_text()
        archive.writestr("README.txt", about.encode(encoding))
        with engine.connect() as connection:
            for name in CSV_TABLES:
                table = metadata.tables[name]
                texts = [i for i, c in enumerate(table.columns) if _is_text(c)]
                with archive.open(f"{name}.csv", "w") as raw:
                    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
                    # CRLF (RFC 4180): a cell holding a CR or LF is quoted, so it stays one cell
                    writer = csv.writer(text, lineterminator="\r\n")
                    writer.writerow([c.name for c in table.columns])
                    for values in iter_values(connection, name):  # None is written empty
                        for index in texts:
                            if values[index] and values[index][0] in FORMULA_STARTS:
                                values[index] = QUOTE + values[index]
                        writer.writerow(values)
                    text.flush()
                    text.detach()


def _is_text(column: Any) -> bool:
    """A column of text (not a number, a time or a yes/no)."""
    return isinstance(column.type, String)
