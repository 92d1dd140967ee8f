"""Passwords: argon2id hashes, and what a password must be."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults are RFC 9106's second recommended option: argon2id,
# 3 passes over 64 MiB.
_hasher = PasswordHasher()
# Verified when no account has the login given, so that a wrong address takes as
# long to refuse as a wrong password (the answer must not tell which was wrong).
_NOBODY = _hasher.hash("no account has this password")

MIN_LENGTH = 10
MAX_LENGTH = 200
ADVICE = "A few ordinary words in a row are easy to remember and hard to guess."
# The words guessers try first, with digits and signs around them ("Password123!").
# A short list on purpose: the length rule does most of the work, this stops the
# passwords that pass it only by adding digits to a word on every list.
COMMON_WORDS = frozenset(
    [
        "password",
        "passw0rd",
        "qwerty",
        "qwertz",
        "azerty",
        "letmein",
        "welcome",
        "admin",
        "administrator",
        "iloveyou",
        "monkey",
        "dragon",
        "football",
        "baseball",
        "sunshine",
        "princess",
        "master",
        "superman",
        "trustno1",
        "starwars",
        "whatever",
        "freedom",
        "shadow",
        "michael",
        "jennifer",
        "secret",
        "changeme",
        "easeback",
        "clinic",
        "physio",
        "patient",
        "stretch",
        "backpain",
    ]
)
# Rows of keys and counting, forwards and backwards.
ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890", "abcdefghijklmnopqrstuvwxyz")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _NOBODY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, email: str) -> str | None:
    """Why ``password`` cannot be used, in words for the person choosing it."""
    if len(password) < MIN_LENGTH:
        return f"The password has {len(password)} characters; use at least {MIN_LENGTH}. {ADVICE}"
    if len(password) > MAX_LENGTH:
        return f"The password is longer than {MAX_LENGTH} characters; use a shorter one."
    if password.strip().lower() == email.strip().lower():
        return "The password must not be your email address."
    if guessable(password, email):
        return (
            "This password is among the first a guesser tries (a common word or your "
            f"own name with digits, a row of keys, one character repeated). {ADVICE}"
        )
    return None


def guessable(password: str, email: str) -> bool:
    """Is ``password`` a common word, the email's name, a row of keys or one
    character repeated, give or take digits and signs around it?"""
    folded = password.lower()
    core = "".join(c for c in folded if c.isalpha())
    if len(set(folded)) <= 2:
        return True
    if any(folded in row or folded in row[::-1] for row in ROWS):
        return True
    if core and any(core in row or core[::-1] in row for row in ROWS) and len(core) >= 6:
        return True
    own = "".join(c for c in email.split("@", 1)[0].lower() if c.isalpha())
    return core in COMMON_WORDS or (own != "" and core == own)
