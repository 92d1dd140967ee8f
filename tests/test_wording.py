"""Every word a person reads says 'a gentle routine and a diary', never 'a treatment'.

The scan covers the messages module, the stretch library, the built-in routines and
the words their timelines say, every CLI help text, and the README. It fails on the
claims safety.md forbids, in any of their forms.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
import typer

from easeback.cli import app
from easeback.content.library import BUILTIN_ROUTINES, load_library, load_routine
from easeback.core.timeline import build_timeline
from easeback.wording import messages

ROOT = Path(__file__).resolve().parent.parent

# Each claim in its forms; whitespace between words may be a line break (the README
# wraps). "physiotherapist" names a profession and is allowed; "physiotherapy" is not.
FORBIDDEN = {
    "treats": r"\btreat(?!ed\b)\w*|\bwell[-\s]+treated\b",
    "cures": r"\bcur(e|es|ed|ing|ative|able)\b",
    "relieves back pain": r"\brelie[fv]\w*",
    "therapy": r"therap(?!ist)\w*",
    "diagnoses": r"\bdiagnos\w*",
    "screens for": r"\bscreen(s|ed|ing)?\s+(\w+\s+)?for\b",
    "clinically proven": r"\bclinically[-\s]+proven\b",
    "medical-grade": r"\bmedical[-\s]+grade\b",
}


def forbidden_in(texts: dict[str, str]) -> list[str]:
    """'where: claim: "...text..."' for every forbidden claim found."""
    found = []
    for where, text in texts.items():
        for claim, pattern in FORBIDDEN.items():
            for match in re.finditer(pattern, text, re.IGNORECASE):
                snippet = text[max(0, match.start() - 30) : match.end() + 30]
                found.append(f'{where}: {claim}: "{snippet}"')
    return found


def strings_in(value: object, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from strings_in(item, f"{where}[{index}]")


def user_facing_texts() -> dict[str, str]:
    texts: dict[str, str] = {}
    for name in dir(messages):
        if not name.startswith("_"):
            texts.update(strings_in(getattr(messages, name), f"messages.{name}"))
    library = resources.files("easeback.content").joinpath("stretches.toml").read_text("utf-8")
    texts.update(strings_in(tomllib.loads(library), "stretches.toml"))
    for name in BUILTIN_ROUTINES:
        routine = load_routine(name)
        texts[f"routine {name} title"] = routine.display_title
        for index, phase in enumerate(build_timeline(routine, load_library()).phases):
            texts[f"routine {name} phase {index}"] = phase.say

    def walk(command: object, path: str) -> None:
        texts[f"help: {path}"] = getattr(command, "help", None) or ""
        for param in getattr(command, "params", []):
            texts[f"help: {path} {param.name}"] = getattr(param, "help", None) or ""
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "easeback")
    texts["README.md"] = (ROOT / "README.md").read_text("utf-8")
    for path in sorted((ROOT / "src" / "easeback").rglob("*")):
        if path.suffix == ".py":
            texts.update(string_literals(path))
        elif path.suffix in (".toml", ".html", ".js", ".css", ".txt"):
            texts[str(path.relative_to(ROOT))] = path.read_text("utf-8")
    return texts


def string_literals(path: Path) -> dict[str, str]:
    """Every string literal in a source file (messages in fail(), echo(), labels...),
    docstrings aside."""
    tree = ast.parse(path.read_text("utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings  # for developers; command help is read above
        ):
            found[f"{path.relative_to(ROOT)}:{node.lineno}"] = node.value
    return found


def test_the_scan_reads_every_kind_of_user_facing_text() -> None:
    texts = user_facing_texts()

    assert any(k.startswith("messages.QUESTION_TEXT") for k in texts)
    assert any(k.startswith("stretches.toml") for k in texts)
    assert any(k.startswith("routine default phase") for k in texts)
    assert "help: easeback check" in texts
    assert "help: easeback routine check" in texts
    assert "README.md" in texts
    assert any(k.startswith("src/easeback/cli/safety.py:") for k in texts)
    assert "src/easeback/content/routines/office.toml" in texts


def test_no_user_facing_text_claims_to_treat_anything() -> None:
    assert forbidden_in(user_facing_texts()) == []


@pytest.mark.parametrize(
    ("planted", "claim"),
    [
        ("This routine treats sciatica.", "treats"),
        ("A gentle treatment for your back.", "treats"),
        ("It cures stiffness.", "cures"),
        ("Stretches that relieve back pain.", "relieves back pain"),
        ("Fast relief for your lower back.", "relieves back pain"),
        ("A home therapy programme.", "therapy"),
        ("A therapeutic stretch.", "therapy"),
        ("The app diagnoses the cause.", "diagnoses"),
        ("Your diagnosis: a strain.", "diagnoses"),
        ("It screens for serious problems.", "screens for"),
        ("Clinically proven results.", "clinically proven"),
        ("Medical grade guidance.", "medical-grade"),
        ("It screens\nfor warning signs.", "screens for"),
        ("We screened you for red flags.", "screens for"),
        ("Clinically\nproven.", "clinically proven"),
        ("medical\ngrade", "medical-grade"),
        ("A physiotherapy routine.", "therapy"),
        ("Works therapeutically.", "therapy"),
        ("Back pain is curable.", "cures"),
        ("A natural pain reliever.", "relieves back pain"),
        ("Most aches are treatable.", "treats"),
        ("Diagnostically useful.", "diagnoses"),
    ],
)
def test_the_scan_catches_a_planted_claim(planted: str, claim: str) -> None:
    texts = {**user_facing_texts(), "planted": planted}

    found = forbidden_in(texts)

    assert len(found) == 1
    assert found[0].startswith(f"planted: {claim}: ")


@pytest.mark.parametrize(
    "fine",
    [
        "Talk to your physiotherapist.",
        "Ask your physiotherapists.",
        "Untreated?",
        "curious",
        "screen reader",
        "a full screen.",
        "Secure",
    ],
)
def test_the_scan_does_not_flag_ordinary_words(fine: str) -> None:
    assert forbidden_in({"fine": fine}) == []


def test_not_medical_advice_is_said_in_the_help_and_at_the_first_check() -> None:
    help_text = user_facing_texts()["help: easeback"]
    assert "not medical advice" in " ".join(help_text.split())
    assert "not medical advice" in messages.NOT_ADVICE


def test_the_first_run_opens_with_not_medical_advice(cli) -> None:
    from helpers import answers_json

    result = cli("check", "--answers", "-", input=answers_json())

    assert result.stdout.splitlines()[0] == messages.NOT_ADVICE
