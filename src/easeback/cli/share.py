"""Commands that take data out of easeback or put it back: export, import, backup,
restore, and the clinician's report and routine sheet."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from easeback.cli.app import (
    FromOption,
    ToOption,
    app,
    db_option,
    fail,
    shown,
    user_errors,
    writable_target,
    write_reason,
)
from easeback.wording import messages

if TYPE_CHECKING:
    pass


def write_whole(target: Path, data: bytes | Callable[[IO[bytes]], None], option: str) -> int:
    """Write the file whole or not at all (a reader never sees half an export); ``data``
    is the bytes, or a function that writes them to a file. Returns the size."""
    import os
    import tempfile

    try:
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".easeback-")
    except OSError as exc:
        fail(f"{option}: cannot write in {target.parent}: {write_reason(exc, target)}")
    try:
        with os.fdopen(fd, "wb") as out:
            if isinstance(data, bytes):
                out.write(data)
            else:
                data(out)
        os.chmod(temporary, 0o600)  # health data: the owner's alone
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        fail(f"{option}: cannot write {target}: {write_reason(exc, target)}")
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target.stat().st_size


@app.command()
def export(
    ctx: typer.Context,
    kind: Annotated[
        str, typer.Option("--format", help="csv (a zip of tables), json (everything) or fhir.")
    ],
    output: Annotated[
        str | None,
        typer.Option(help="The file to write; JSON and FHIR go to standard output without it."),
    ] = None,
    excel: Annotated[
        bool,
        typer.Option(
            "--excel",
            help="With csv: begin each file with a byte-order mark, so Microsoft Excel "
            "reads accents right (other spreadsheets do without).",
        ),
    ] = False,
) -> None:
    """Export your data: every session, event, rating and diary entry.

    json can be read back with 'easeback import'; fhir is an R4 Bundle for health
    record systems; csv is a zip with one table per kind (columns in the README).

    Example: easeback export --format fhir --output easeback-fhir.json
    """
    from easeback.reports.exports import FORMATS, write_export
    from easeback.usecases.clock import wall_now

    if kind not in FORMATS:
        fail(f"--format: {kind!r}: choose csv, json or fhir")
    if excel and kind != "csv":
        fail(f"--excel: only CSV files are for spreadsheets; use it with --format csv, not {kind}")
    if kind == "csv" and output is None:
        fail("--format csv writes a zip file: add --output FILE, e.g. --output easeback.zip")
    target = writable_target(output, "--output") if output is not None else None
    from easeback.store import open_store

    with user_errors():
        engine = open_store(db_option(ctx))
        if target is None:
            write_export(engine, kind, wall_now(), sys.stdout.buffer)
            return
        size = write_whole(
            target,
            lambda out: write_export(engine, kind, wall_now(), out, excel=excel),
            "--output",
        )
    typer.echo(messages.EXPORTED.format(path=shown(target), size=_size(size)))


# An export of years of daily use is a few tens of MB; more is not an export of ours
# (and reading it whole would take gigabytes of memory).
IMPORT_LIMIT = 256 * 1024 * 1024


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        str, typer.Argument(help="A JSON export made by 'easeback export --format json'.")
    ],
) -> None:
    """Read a JSON export back into an empty store (for example on a new computer).

    Example: easeback import easeback-export.json
    """
    import json

    from easeback.content.files import FileProblem, read_text
    from easeback.store import open_store
    from easeback.store.dump import DumpError, is_empty, load

    path = Path(file).expanduser()
    try:
        text = read_text(path, limit=IMPORT_LIMIT)
    except FileProblem as exc:
        fail(f"{path}: cannot read it: {exc}; nothing was imported")
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(
            f"{path}: not an easeback export (not JSON: {exc.msg}, line {exc.lineno}); "
            "nothing was imported"
        )
    except RecursionError:
        fail(f"{path}: not an easeback export (nested too deeply); nothing was imported")
    with user_errors():
        engine = open_store(db_option(ctx))
        if not is_empty(engine):
            fail(
                "this store already holds data; import into an empty one (e.g. "
                "easeback --db new.db import FILE), or back it up and start afresh"
            )
        try:
            counts = load(engine, data, source=str(path))
        except DumpError as exc:
            fail(f"{exc}; nothing was imported")
    typer.echo(
        messages.IMPORTED.format(
            sessions=counts["sessions"], events=counts["events"], diary=counts["diary_entries"]
        )
    )


def sqlite_store(db: str | None, command: str) -> Path:
    from easeback.store.location import resolve_url, sqlite_file

    with user_errors():
        path = sqlite_file(resolve_url(db))
    if path is None:
        fail(f"{command} works on an SQLite store; for another database use its own tools")
    return path


@app.command("backup")
def backup_command(
    ctx: typer.Context,
    file: Annotated[
        str, typer.Argument(help="Where to write the backup, e.g. easeback-backup.db.")
    ],
) -> None:
    """Copy your whole store into one file, safely even while easeback is running.

    Example: easeback backup ~/easeback-2026-11-25.db
    """
    from easeback.store import open_store
    from easeback.store.backup import backup

    store = sqlite_store(db_option(ctx), "backup")
    target = writable_target(file, "FILE")
    if target.resolve() == store.resolve():
        fail("FILE: that is the store itself; choose another file")
    with user_errors():
        open_store(db_option(ctx))  # create and migrate, so a backup is always current
        from sqlite3 import Error as SqliteError

        try:
            size = backup(store, target)
        except (OSError, SqliteError) as exc:
            fail(f"FILE: cannot write {target}: {write_reason(exc, target)}")
    typer.echo(messages.BACKED_UP.format(path=shown(target), size=_size(size)))


@app.command("restore")
def restore_command(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="A backup made by 'easeback backup'.")],
    yes: Annotated[bool, typer.Option("--yes", help="Replace without asking.")] = False,
) -> None:
    """Replace your store with a backup; your current data stays until it succeeds.

    Example: easeback restore ~/easeback-2026-11-25.db
    """
    from easeback.content.files import FileProblem, check_regular
    from easeback.store.backup import BackupError, check_backup, restore
    from easeback.store.db import known_revisions

    store = sqlite_store(db_option(ctx), "restore")
    source = Path(file).expanduser()
    try:
        check_regular(source)
    except FileProblem as exc:
        fail(f"FILE: {source}: {exc}; nothing was changed")
    revisions = known_revisions()
    try:
        check_backup(source, revisions)
    except BackupError as exc:
        fail(f"{exc}; nothing was changed")
    if not yes:
        if not sys.stdin.isatty():
            fail("restore replaces all your current data: add --yes to confirm")
        if not typer.confirm(f"Replace everything in {store} with {source}?", default=False):
            typer.echo(messages.NOTHING_CHANGED.capitalize())
            raise typer.Exit(1)
    with user_errors():
        try:
            replaced = restore(source, store, revisions)
        except BackupError as exc:
            fail(f"{exc}; nothing was changed")
        except OSError as exc:
            fail(f"cannot restore into {store}: {write_reason(exc, store)}; nothing was changed")
    typer.echo(messages.RESTORED.format(path=shown(source)))
    if replaced is not None:
        typer.echo(messages.RESTORE_KEPT.format(path=shown(replaced)))


def _size(count: int) -> str:
    return f"{count / 1024:.0f} KB" if count < 1024 * 1024 else f"{count / 1024 / 1024:.1f} MB"


@app.command()
def report(
    ctx: typer.Context,
    pdf: Annotated[str, typer.Option("--pdf", help="The PDF file to write.")],
    start: FromOption = None,
    end: ToOption = None,
) -> None:
    """Make a one-page PDF for your clinician: doses, sessions against the plan, pain
    and PSFS with what changed, pain stops, safety answers and the notes you shared.

    Example: easeback report --pdf report.pdf --from 2026-11-01
    """
    from easeback.cli.diary import overview_for
    from easeback.reports.pdf import render_pdf, report_html
    from easeback.store import open_store
    from easeback.store.profile import latest_profile
    from easeback.usecases.clock import wall_now
    from easeback.usecases.overview import EmptyPeriod
    from easeback.usecases.today import export_plan

    target = writable_target(pdf, "--pdf")
    with user_errors():
        try:
            view = overview_for(db_option(ctx), start, end)
        except EmptyPeriod as exc:
            fail(f"{exc}; choose a period with sessions or diary entries (--from/--to)")
        engine = open_store(db_option(ctx))
        plan = export_plan(engine)
        html = report_html(
            view,
            plan.stretches,
            generated=wall_now().astimezone(),
            routine="daily plan",
            person=latest_profile(engine),
            source=plan.source,
        )
    data, pages = render_pdf(html)
    write_whole(target, data, "--pdf")
    typer.echo(
        messages.REPORT_WRITTEN.format(
            path=shown(target),
            pages=pages,
            s="" if pages == 1 else "s",
            first=view.first.isoformat(),
            last=view.last.isoformat(),
        )
    )


@app.command()
def sheet(
    ctx: typer.Context,
    pdf: Annotated[str, typer.Option("--pdf", help="The PDF file to write.")],
) -> None:
    """Make a printable PDF of your routine: pictures, steps, doses and times of day.

    Example: easeback sheet --pdf my-routine.pdf
    """
    from easeback.reports.pdf import render_pdf, sheet_html
    from easeback.store import open_store
    from easeback.store.profile import latest_profile
    from easeback.usecases.clock import wall_now
    from easeback.usecases.today import export_plan

    target = writable_target(pdf, "--pdf")
    with user_errors():
        engine = open_store(db_option(ctx))
        plan = export_plan(engine)
        html = sheet_html(
            plan.stretches,
            generated=wall_now(),
            person=latest_profile(engine),
            source=plan.source,
        )
    data, _pages = render_pdf(html)
    write_whole(target, data, "--pdf")
    typer.echo(messages.SHEET_WRITTEN.format(path=shown(target)))
