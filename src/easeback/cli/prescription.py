"""Commands for the clinician's prescription: ``clinician init`` and ``prescribe`` on
the clinician's side; ``prescription import|show|history|remove`` and ``flare-up`` on
the person's. The rules live in usecases/prescription.py; this asks, calls and says."""

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from easeback.cli.app import (
    app,
    clinician_app,
    db_option,
    fail,
    prescription_app,
    print_json,
    shown,
    user_errors,
    warn_all,
    writable_target,
)
from easeback.wording import messages

if TYPE_CHECKING:
    from easeback.usecases.prescription import PrescriptionProblem


# A key fingerprint: an RFC 7638 thumbprint, SHA-256 in base64url without padding.
FINGERPRINT = re.compile(r"[A-Za-z0-9_-]{43}")


def _refuse(exc: "PrescriptionProblem") -> None:
    fail(str(exc), exc.code)


@clinician_app.command("init")
def clinician_init(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="Your name as patients know it.")],
    role: Annotated[str, typer.Option(help="e.g. Physiotherapist.")],
    organisation: Annotated[str, typer.Option(help="Your clinic or practice.")],
    contact: Annotated[str, typer.Option(help="A phone number or email for patients.")],
) -> None:
    """Make your signing key (kept in your data folder, readable by you alone) and a
    clinician card to share: your name and the key's fingerprint, which patients
    check when your first prescription arrives.

    Example: easeback clinician init --name 'Ada Okafor' --role Physiotherapist
    --organisation 'Riverside Physio' --contact ada@riverside.example
    """
    from pydantic import ValidationError

    from easeback.content.prescription import Clinician
    from easeback.store.location import data_folder
    from easeback.usecases.prescription import PrescriptionProblem, clinician_init

    try:
        who = Clinician(name=name, role=role, organisation=organisation, contact=contact)
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"--{first['loc'][0]}: {first['msg'].lower()}")
    with user_errors():
        try:
            card, path = clinician_init(data_folder(db_option(ctx)), who)
        except PrescriptionProblem as exc:
            _refuse(exc)
    typer.echo(f"Your signing key is made. Your clinician card: {shown(path)}")
    typer.echo(f"Fingerprint: {card.fingerprint}")
    typer.echo("Share the card (never the key.json beside it) with the people you prescribe for.")


@app.command()
def prescribe(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The prescription, written in TOML.")],
    for_: Annotated[str, typer.Option("--for", help="The person's name.")],
    output: Annotated[
        str, typer.Option("--output", "-o", help="The signed file to write ('-': standard output).")
    ],
) -> None:
    """For clinicians: check a prescription written in TOML (every problem at once,
    with its line and field), sign it with your key, and write the file to give the
    person (a FHIR Bundle any clinic system can read).

    Example: easeback prescribe sam.toml --for 'Sam Jones' --output sam-rx.json
    """
    from easeback.cli.share import write_whole
    from easeback.store.location import data_folder
    from easeback.usecases.clock import wall_now
    from easeback.usecases.prescription import PrescriptionProblem, write_prescription

    target = None if output == "-" else writable_target(output, "--output", "rx.json")
    with user_errors():
        try:
            raw, issued = write_prescription(
                data_folder(db_option(ctx)), file, patient=for_, now=wall_now()
            )
        except PrescriptionProblem as exc:
            _refuse(exc)
        if target is None:  # "-": the file on standard output, for a pipe
            sys.stdout.buffer.write(raw)
            return
        size = write_whole(target, raw, "--output")
    rx = issued.prescription
    typer.echo(
        f"Signed version {rx.version} for {issued.patient}: {len(rx.stretches)} "
        f"stretch{'es' if len(rx.stretches) != 1 else ''}, from {rx.start}"
        f"{f' to {rx.end}' if rx.end else ''}. Wrote {shown(target)} ({size} bytes)."
    )


@prescription_app.command("import")
def prescription_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The signed .json file from your clinician.")],
    trust: Annotated[
        str | None,
        typer.Option(help="Trust the clinician with this key fingerprint without asking."),
    ] = None,
    card: Annotated[
        Path | None,
        typer.Option(help="Trust the clinician whose card this is, without asking."),
    ] = None,
) -> None:
    """Follow a prescription from your clinician: its signature is checked, you see
    who signed it, and (the first time) you confirm you know them; then it replaces
    your plan. Your earlier plan and every version stay in: easeback prescription history.

    Example: easeback prescription import rx.json
    """
    from easeback.content.files import FileProblem, read_bytes
    from easeback.prescribing.keys import KeyProblem, read_card_file
    from easeback.prescribing.signed import FILE_LIMIT
    from easeback.store import open_store
    from easeback.usecases.clock import wall_now
    from easeback.usecases.prescription import PrescriptionProblem, follow, open_prescription

    if trust is not None and card is not None:
        fail("give --trust or --card, not both")
    if trust is not None and not FINGERPRINT.fullmatch(trust):
        fail(
            f"--trust: {trust!r} is not a key fingerprint (43 letters, digits, - and _); "
            "copy it from the clinician's card"
        )
    try:
        raw = read_bytes(file, limit=FILE_LIMIT)
    except FileProblem as exc:
        fail(f"{shown(file)}: {exc}")
    expected = trust
    if card is not None:
        try:
            expected = read_card_file(card).fingerprint
        except KeyProblem as exc:
            fail(f"--card {shown(card)}: {exc}")
    with user_errors():
        engine = open_store(db_option(ctx))
        now = wall_now()
        try:
            opened = open_prescription(engine, raw, now=now)
        except PrescriptionProblem as exc:
            _refuse(exc)
        issued = opened.issued
        who = issued.clinician
        typer.echo(
            f"Signed by {who.name} ({who.role}, {who.organisation}), {who.contact}, on "
            f"{opened.signed_on}; version {issued.prescription.version}, for {issued.patient}."
        )
        typer.echo(f"Key fingerprint: {issued.fingerprint}")
        if expected is not None and expected != issued.fingerprint:
            fail(
                "the file was signed with another key than the one you named "
                f"({shown(expected)}); your plan is unchanged. Ask your clinician.",
                1,
            )
        if opened.already:
            typer.echo("Your plan already follows this prescription; nothing changed.")
            return
        confirm = False
        if not opened.trusted and expected is None:
            typer.echo(
                messages.UNTRUSTED_CLINICIAN.format(name=who.name, fingerprint=issued.fingerprint)
            )
            if not sys.stdin.isatty():
                fail(
                    f"{who.name} is not yet confirmed on this computer; your plan is unchanged. "
                    f"Import again with --trust {issued.fingerprint} once you have checked "
                    "the fingerprint with them (or with --card and their clinician card).",
                    1,
                )
            if not typer.confirm(f"Do you know {who.name}, and does the fingerprint match?"):
                fail("Not imported; your plan is unchanged.", 1)
            confirm = True
        warn_all(follow(engine, opened, now=now, trust=confirm or expected is not None))
    typer.echo("Your plan now follows this prescription. See it with: easeback prescription show")


@prescription_app.command("show")
def prescription_show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What your plan follows: your clinician's prescription (every stretch with its
    dose, times of day and how far it may rise, the note, the flare-up plan), or the
    article's plan.

    Example: easeback prescription show
    """
    from easeback.store import open_store
    from easeback.usecases.clock import wall_now
    from easeback.usecases.prescription import shown_prescription

    with user_errors():
        view = shown_prescription(open_store(db_option(ctx)), now=wall_now())
    if as_json:
        print_json(view)
        return
    _print_view(view)


def _print_view(view: dict[str, Any]) -> None:
    if view.get("notice"):
        typer.echo(view["notice"])
    if view["source"] != "prescription":
        typer.echo("Your plan is the article's (no prescription is followed).")
        return
    typer.echo(f"{view['text']}.")
    typer.echo(
        f"From {view['start']}" + (f" to {view['end']}." if view["end"] else ", no end date.")
    )
    if view.get("note"):
        typer.echo(f"Note from {view['clinician']['name']}: {view['note']}")
    for item in view["stretches"]:
        ceiling = item["ceiling"]
        rise = (
            f"may rise to {ceiling['hold_s']} s and {_reps(ceiling['reps'])}"
            if item["progression"] and ceiling
            else "stays as prescribed"
        )
        only = f" ({', '.join(item['sides'])} only)" if item["sides"] else ""
        typer.echo(
            f"  {item['name']}: hold {item['hold_s']} s, {_reps(item['reps'])}{only}, "
            f"{', '.join(item['slots'])}; {rise}"
        )
        if item["now_text"]:
            typer.echo(f"    {item['now_text']}")
    flare = view.get("flare_up_plan")
    if flare:
        typer.echo(f"If your back flares up ({flare['days']} days): {flare['advice']}")
        typer.echo(f"  When to get in touch: {flare['contact']}")
        typer.echo("  Start it with: easeback flare-up")
    typer.echo(f"Key fingerprint: {view.get('fingerprint', '')}")


@prescription_app.command("history")
def prescription_history(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every prescription imported and every return to the article's plan, oldest
    first (each file is kept as it was signed).

    Example: easeback prescription history
    """
    from zoneinfo import ZoneInfo

    from easeback.store import open_store
    from easeback.store.prescriptions import history
    from easeback.usecases.today import person_zone
    from easeback.wording.labels import moment_text

    with user_errors():
        engine = open_store(db_option(ctx))
        rows = history(engine)
        zone = ZoneInfo(person_zone(engine))
    if as_json:
        print_json(
            [
                {
                    "at": row.at.isoformat(),
                    "action": row.action,
                    "id": row.id,
                    "version": row.version,
                    "clinician": row.clinician,
                    "start": row.start,
                    "end": row.end,
                }
                for row in rows
            ]
        )
        return
    if not rows:
        typer.echo("No prescription yet: your plan is the article's.")
    for row in rows:
        when = moment_text(row.at.astimezone(zone))
        if row.action == "import":
            typer.echo(
                f"{when}  version {row.version} from {row.clinician}, from {row.start}"
                + (f" to {row.end}" if row.end else "")
            )
        else:
            typer.echo(f"{when}  back to the article's plan")


@prescription_app.command("remove")
def prescription_remove(ctx: typer.Context) -> None:
    """Stop following the prescription and go back to the article's plan (it stays in
    your history).

    Example: easeback prescription remove
    """
    from easeback.store import open_store
    from easeback.usecases.clock import wall_now
    from easeback.usecases.prescription import remove

    with user_errors():
        removed, problems = remove(open_store(db_option(ctx)), now=wall_now())
    warn_all(problems)
    if removed:
        typer.echo("Your plan is the article's again; the prescription stays in your history.")
    else:
        typer.echo("No prescription is followed; your plan is the article's already.")


@app.command("flare-up")
def flare_up(
    ctx: typer.Context,
    check: Annotated[
        str | None,
        typer.Option(help="This morning's answer: better, same or worse than usual."),
    ] = None,
    new_symptom: Annotated[
        bool,
        typer.Option(
            "--new-symptom", help="With --check: a new or changed symptom since yesterday."
        ),
    ] = False,
    end: Annotated[bool, typer.Option("--end", help="End it: your back is back to usual.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """My back has flared up: easier doses for a few days (your clinician's flare-up
    plan, or the gentlest doses), no dose raised meanwhile, and each morning a question
    about how your back feels.

    Example: easeback flare-up      (then each morning: easeback flare-up --check same)
    """
    from easeback.store import open_store
    from easeback.usecases.clock import wall_now
    from easeback.usecases.prescription import (
        PrescriptionProblem,
        answer_flare,
        end_flare,
        start_flare,
    )

    if end and check is not None:
        fail("give --check or --end, not both")
    if new_symptom and check is None:
        fail("--new-symptom goes with --check (this morning's answer)")
    with user_errors():
        engine = open_store(db_option(ctx))
        now = wall_now()
        if end:
            ended = end_flare(engine, now=now)
            if as_json:
                print_json({"ended": ended})
            else:
                typer.echo(
                    "The flare-up is over; your usual plan is back."
                    if ended
                    else "No flare-up is on."
                )
            return
        try:
            if check is not None:
                view = answer_flare(engine, check.strip().lower(), new_symptom=new_symptom, now=now)
            else:
                view = start_flare(engine, now=now)
        except PrescriptionProblem as exc:
            _refuse(exc)
    if as_json:
        print_json(view)
        if view["needs_safety"]:
            raise typer.Exit(1)
        return
    typer.echo(f"Flare-up: day {view['day']} of {view['days']} (until {view['last_day']}).")
    typer.echo(view["advice"])
    typer.echo(f"When to get in touch: {view['contact']}")
    if view["needs_safety"]:
        typer.echo(messages.FLARE_SAFETY)
        raise typer.Exit(1)
    if view["check_due"]:
        typer.echo(f"{messages.FLARE_QUESTION} {messages.FLARE_ANSWER_HOW}")


def _reps(count: int) -> str:
    return f"{count} rep{'s' if count != 1 else ''}"
