"""Help for every command: quick to load, honest about what easeback is, with an example."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

from easeback.cli import app
from helpers import COMMANDS

EASEBACK = Path(sys.executable).parent / "easeback"
HEAVY = {"fastapi", "sqlalchemy", "uvicorn", "pydantic", "alembic"}


def easeback(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``easeback`` script as a person would."""
    return subprocess.run([str(EASEBACK), *args], capture_output=True, text=True, check=False)


def imported_packages(*args: str) -> set[str]:
    """Top-level packages imported by a whole ``python -m easeback ARGS`` process."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "easeback", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    # Lines read "import time: <self us> | <cumulative us> | <indented module name>".
    return {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    } - {"imported package"}


def words(text: str) -> str:
    """Text with its line wrapping undone, so a phrase is found wherever help wraps it."""
    return " ".join(text.split())


def test_help_loads_no_database_or_web_libraries() -> None:
    assert imported_packages("--help") & HEAVY == set()


def test_import_check_sees_a_heavy_library_when_a_command_loads_one() -> None:
    # The check above could pass by parsing nothing; here it must find pydantic.
    assert "pydantic" in imported_packages("stretches", "--json")


def test_help_says_easeback_is_not_medical_advice() -> None:
    result = easeback("--help")
    assert result.returncode == 0
    assert "not medical advice" in words(result.stdout)


def test_version_prints_the_installed_version() -> None:
    result = easeback("--version")
    assert result.returncode == 0
    assert result.stdout == f"easeback {version('easeback')}\n"


def test_no_arguments_shows_the_help_on_stdout_and_succeeds() -> None:
    result = easeback()
    assert result.returncode == 0
    shown = result.stdout
    assert shown.startswith("Usage: easeback [OPTIONS] COMMAND [ARGS]...")
    assert "not medical advice" in words(shown)
    top_level = [path for path in COMMANDS if " " not in path]
    assert all(f"\n  {name} " in shown for name in top_level)


@pytest.mark.parametrize("path", COMMANDS)
def test_every_command_has_help_with_an_example_of_itself(runner: CliRunner, path: str) -> None:
    result = runner.invoke(app, [*path.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    example = words(result.output.split("Example:", 1)[1])
    assert example.startswith(f"easeback {path}")
