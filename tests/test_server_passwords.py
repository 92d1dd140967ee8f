"""What a password must be on a clinic's server: long is not enough when it is one of
the first a guesser tries (a common word with digits, a row of keys, one character
over and over, the email's own name). Pure: no server."""

from __future__ import annotations

import pytest

from easeback.server.passwords import password_problem

EMAIL = "sam.patel@clinic.test"


@pytest.mark.parametrize(
    "password",
    [
        "password12",
        "Password123!",
        "qwertyuiop",
        "1234567890",
        "0987654321",
        "abcdefghij",
        "aaaaaaaaaaaa",
        "iloveyou2026",
        "welcome2026",
        "sam.patel2026",
        "Sampatel1234",
        "easeback2026",
    ],
)
def test_a_guessable_password_is_refused_with_what_to_do(password: str) -> None:
    problem = password_problem(password, EMAIL)
    assert problem is not None
    assert "guess" in problem
    assert "A few ordinary words in a row" in problem


@pytest.mark.parametrize(
    "password",
    ["correct horse battery", "a long enough one", "Tangerine-kettle-47", "mat stretch morning"],
)
def test_a_few_ordinary_words_are_accepted(password: str) -> None:
    assert password_problem(password, EMAIL) is None
