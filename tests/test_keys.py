"""What a keypress means during a session, including keys typed in the same instant."""

from __future__ import annotations

import pytest

from easeback.terminal.keys import actions


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (" ", ["toggle"]),
        ("n", ["skip"]),
        ("N", ["skip"]),
        ("q", ["quit"]),
        ("p", ["pain"]),
        ("P", ["pain"]),
        ("\x1b", ["pain"]),
        ("x", []),
        ("", []),
        ("  ", ["toggle", "toggle"]),
        ("nn", ["skip", "skip"]),
        ("np", ["pain"]),
        ("qp", ["pain"]),
        (" \x1b", ["pain"]),
        ("\x1bn", ["pain"]),
        ("\x1b[A", []),
        ("\x1b[1;5C", []),
        ("\x1bOP", []),
        ("\x1b[Bp", ["pain"]),
        ("\x1b[B\x1b", ["pain"]),
    ],
)
def test_keys_typed_together_are_all_read_and_pain_always_wins(
    typed: str, expected: list[str]
) -> None:
    assert actions(typed) == expected
