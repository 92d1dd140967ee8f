"""Words about syncing with a clinic's server, shared by ``easeback sync --status`` and
the local web app's Sync page, so both say why a sync failed the same way."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from easeback.wording.days import moment_words

# Why the last sync did not go through, by the failure's kind (sync/wire.py and the
# server's problems); its message adds the details and what to do.
FAILURE_REASONS = {
    "server_down": "the server could not be reached",
    "certificate": "the server's certificate is not trusted",
    "address": "the server's address cannot be used",
    "token": "the server does not know this device",
    "revoked": "this device's link was revoked on the server",
    "clock": "this computer's clock is too far off the server's",
    "version": "the server needs a newer version of easeback",
    "erased": "the clinic erased your records on its server",
    "account": "the server holds this device under another account",
    "changed": "a record differs from the server's copy of it",
    "future": "a record was stamped by a clock that was ahead",
    "size": "the server refused a batch as too large",
    "throttled": "there were too many attempts",
    "not_easeback": "the address does not answer as an easeback server",
    "link_file": "the link file cannot be read",
    "store": "this store cannot be linked",
    "role": "the account is not a patient's",
    "input": "the server could not read what this computer sent",
    "not_linked": "this store is not linked",
}
OTHER_REASON = "the server refused it"

HOW_TO_LINK = (
    "To link it, run `easeback link CODE --server https://your-clinic.example` with the "
    "invitation code and address your clinic gave you, or leave out CODE to log in to "
    "the account you have."
)
NOT_LINKED = "This easeback is not linked to a clinic's server."


def failure_reason(kind: str) -> str:
    """The failure's kind in a few plain words: 'the server could not be reached'."""
    return FAILURE_REASONS.get(kind, OTHER_REASON)


def records(n: int) -> str:
    """'1 record', '12 records'."""
    return f"{n} record" if n == 1 else f"{n} records"


def sentence(text: str) -> str:
    """A failure's message as a sentence: its first letter upper case, a full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def when_words(moment: datetime, zone: str, now: datetime) -> str:
    """An aware moment in words in the person's zone: 'Thursday 5 March, 07:05' (the
    year only when it is not this year)."""
    tz = ZoneInfo(zone)
    return moment_words(moment.astimezone(tz), now.astimezone(tz).date())
