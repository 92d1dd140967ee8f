"""``easeback audio``: a routine as one audio track for any music player."""

from typing import Annotated

import typer

from easeback.cli.app import app, fail, shown, user_errors, writable_target
from easeback.cli.library import ROUTINE_HELP
from easeback.wording import messages

FORMAT_HELP = "opus (Ogg Opus) or mp3; by default from the --output file's ending."


@app.command()
def audio(
    routine: Annotated[str | None, typer.Argument(help=ROUTINE_HELP, show_default=False)] = None,
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", help="The file to write: .opus, .ogg or .mp3.", show_default=False
        ),
    ] = "",
    kind: Annotated[
        str | None, typer.Option("--format", help=FORMAT_HELP, show_default=False)
    ] = None,
    tones_only: Annotated[
        bool, typer.Option("--tones-only", help="No spoken words, even with espeak-ng.")
    ] = False,
) -> None:
    """Write a routine as one audio track: a beep at every change, the words of each
    step spoken (with espeak-ng, when installed), ticks in a hold's last three seconds,
    and a chapter per stretch. Play it with the screen off, in any music player.

    Example: easeback audio bed --output bed.opus
    """
    from easeback.audio.encode import FORMATS, SUFFIXES

    if not output:
        fail("--output: give the file to write, such as --output routine.opus")
    if output == "-":
        fail(
            "--output: a sound track cannot go to the terminal; give a file, such as "
            "--output routine.opus"
        )
    kind = kind.lower() if kind is not None else None
    if kind is not None and kind not in FORMATS:
        fail(f"--format: {shown(kind)!r} is not a format easeback writes; choose opus or mp3")
    target = writable_target(output, "--output", "routine.opus")
    by_name = SUFFIXES.get(target.suffix.lower())
    if kind is not None and by_name is not None and by_name != kind:
        fail(
            f"--output: {shown(target)} ends in {target.suffix!r} but --format is {kind}; "
            f"end the file in {FORMATS[kind].suffix} or leave --format out"
        )
    chosen_format = kind or by_name
    if chosen_format is None:
        fail(messages.AUDIO_BAD_FORMAT.format(path=shown(target), suffix=target.suffix))

    from easeback.audio.track import make_track
    from easeback.cli.share import write_whole
    from easeback.content.library import load_library, load_routine
    from easeback.core.timeline import build_timeline
    from easeback.wording.labels import clock_text

    with user_errors():
        chosen = load_routine(routine)
    library = load_library()
    track = make_track(
        build_timeline(chosen, library), library, chosen_format, voice=not tones_only
    )
    size = write_whole(target, track.data, "--output")
    count = len(track.chapters)
    typer.echo(
        messages.AUDIO_WRITTEN.format(
            path=shown(target),
            length=clock_text(track.total_ms),
            chapters=f"{count} chapter{'s' if count != 1 else ''}",
            names=", ".join(c.title for c in track.chapters),
            size=_size(size),
        )
    )
    typer.echo(messages.AUDIO_SPOKEN if track.spoken else f"{track.tones_only_why}.")


def _size(count: int) -> str:
    return f"{count / 1024:.0f} KB" if count < 1024 * 1024 else f"{count / 1024 / 1024:.1f} MB"
