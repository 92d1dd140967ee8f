"""The ``serve`` command: the web app on this machine only."""

from typing import Annotated

import typer

from easeback.cli.app import app, cannot_listen, db_option, fail, user_errors

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to listen on: 127.0.0.1, localhost or ::1 only.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8421,
) -> None:
    """Start the web app in your browser's reach, on this machine only.

    Open the address it prints; Ctrl-C stops it. Your data stays in the same store
    as the terminal commands use.

    Example: easeback serve --port 8421
    """
    if host not in LOOPBACK_HOSTS:
        fail(
            f"--host: {host!r} would let other machines in; easeback serves this machine "
            "only (use 127.0.0.1, localhost or ::1)"
        )

    import uvicorn

    from easeback.web.app import Settings, create_app

    if (reason := cannot_listen(host, port)) is not None:
        fail(f"--port: cannot listen on port {port}: {reason}; try another, e.g. --port {port + 1}")
    with user_errors():
        web = create_app(Settings(db=db_option(ctx), port=port))
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"easeback is running at http://{shown}:{port}/  (Ctrl-C stops it)")
    uvicorn.run(web, host=host, port=port, log_level="warning", access_log=False)
