"""Secrets handed to people (login cookies, invitation codes) and how they are kept.

Only a keyed hash of each is stored (HMAC with the server's secret), so a copy of the
database alone neither logs anyone in nor redeems an invitation.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

# Crockford's base 32: no I, L, O or U, so a code read aloud or typed from paper
# survives the usual mix-ups (which ``normal_code`` undoes).
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
_CONFUSED = str.maketrans({"O": "0", "I": "1", "L": "1"})


def keyed_hash(secret: str, value: str) -> str:
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_code() -> str:
    """An invitation code, e.g. ``7K3QD-M9XPT`` (50 bits; single use, expires)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normal_code(typed: str) -> str | None:
    """The code as issued, from what a person typed (any case, spaces or dashes, O for
    0 and I or L for 1); None when it cannot be one."""
    raw = re.sub(r"[\s-]", "", typed.upper()).translate(_CONFUSED)
    if len(raw) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in raw):
        return None
    return f"{raw[:5]}-{raw[5:]}"
