"""Docs are tests: the README shows every command and every make task, the quick start
is two commands, and the changelog opens with what is not yet released."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from helpers import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
README = MarkdownIt("commonmark").parse((ROOT / "README.md").read_text(encoding="utf-8"))
CHANGELOG = MarkdownIt("commonmark").parse((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))


def section(tokens: list[Token], title: str) -> list[Token]:
    """The tokens under the heading ``title``, up to the next heading of its level or above."""
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and tokens[i + 1].content == title:
            level = int(token.tag[1])
            rest = tokens[i + 3 :]
            end = next(
                (
                    j
                    for j, t in enumerate(rest)
                    if t.type == "heading_open" and int(t.tag[1]) <= level
                ),
                len(rest),
            )
            return rest[:end]
    raise AssertionError(f"no heading {title!r}")


def code_lines(tokens: list[Token]) -> list[str]:
    """The lines of every code block (fenced or indented), without a leading '$ ' prompt."""
    return [
        line.strip().removeprefix("$ ")
        for token in tokens
        if token.type in ("fence", "code_block")
        for line in token.content.splitlines()
        if line.strip()
    ]


def inline_code(tokens: list[Token]) -> list[str]:
    return [
        child.content
        for token in tokens
        if token.type == "inline"
        for child in token.children or []
        if child.type == "code_inline"
    ]


def make_help_targets() -> list[str]:
    result = subprocess.run(
        ["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return re.findall(r"^\s*make\s+(\S+)", result.stdout, flags=re.MULTILINE)


def test_commands_are_discovered_with_their_subcommands() -> None:
    assert {"start", "routine", "routine check"} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS)
def test_every_command_is_shown_in_a_readme_code_block(path: str) -> None:
    command = f"easeback {path}"
    shown = any(line == command or line.startswith(f"{command} ") for line in code_lines(README))
    assert shown, f"no line of a README code block runs {command!r}"


def test_quick_start_is_make_run_then_make_test() -> None:
    commands = [
        line.split("#", 1)[0].strip() for line in code_lines(section(README, "Quick start"))
    ]
    assert [c for c in commands if c] == ["make run", "make test"]


def test_every_make_task_is_mentioned_in_the_readme() -> None:
    targets = make_help_targets()
    assert targets, "make help listed no tasks"
    spans = inline_code(README)
    code = [*code_lines(README), *spans]
    missing = [
        target
        for target in targets
        if target not in spans
        and not any(re.search(rf"\bmake {re.escape(target)}\b", c) for c in code)
    ]
    assert missing == []


def test_changelog_opens_with_unreleased() -> None:
    first_h2 = next(
        CHANGELOG[i + 1].content
        for i, t in enumerate(CHANGELOG)
        if t.type == "heading_open" and t.tag == "h2"
    )
    assert first_h2.strip("[]") == "Unreleased"
