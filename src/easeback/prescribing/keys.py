"""The clinician's signing key and shareable card, in their data folder.

``<data folder>/clinician/key.json`` holds the private key (an Ed25519 JWK, mode
0600, in a folder of mode 0700) and never leaves it: only ``card.json`` is meant to be
shared, with the clinician's name and the public key's fingerprint, which a person can
use to trust the clinician before the first prescription arrives.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import OKPKey
from pydantic import ValidationError

from easeback.content.files import FileProblem, read_text
from easeback.content.prescription import Clinician
from easeback.prescribing.signature import fingerprint

CARD_FORMAT = "easeback-clinician-card"
CARD_LIMIT = 16 * 1024


class KeyProblem(ValueError):
    """The clinician's key or card cannot be made or read; the message says why."""


@dataclass(frozen=True)
class Card:
    """A clinician as a person sees them before trusting: who, and the key's fingerprint."""

    clinician: Clinician
    fingerprint: str

    def as_json(self, key: OKPKey) -> dict[str, Any]:
        return {
            "format": CARD_FORMAT,
            "version": 1,
            **self.clinician.model_dump(),
            "fingerprint": self.fingerprint,
            "key": key.as_dict(private=False),
        }


def folder(data: Path) -> Path:
    return data / "clinician"


def init(data: Path, clinician: Clinician) -> tuple[Card, Path]:
    """Make the key and card; refuse to replace a key (prescriptions signed with it
    would no longer match a card people trust)."""
    where = folder(data)
    key_file = where / "key.json"
    if key_file.exists():
        raise KeyProblem(
            f"a clinician key already exists in {where}; your card is {where / 'card.json'}. "
            "To start again with a new key, move that folder away first (people who "
            "trusted the old key will be asked to trust the new one)."
        )
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(where, 0o700)
        key = OKPKey.generate_key("Ed25519")
        private = json.dumps(key.as_dict(private=True)).encode()
        descriptor = os.open(key_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(private)
        card = Card(clinician, fingerprint(key))
        card_file = where / "card.json"
        card_file.write_text(json.dumps(card.as_json(key), indent=2) + "\n", "utf-8")
    except OSError as exc:
        raise KeyProblem(f"cannot write the clinician key in {where}: {exc.strerror}") from exc
    return card, card_file


def load(data: Path) -> tuple[OKPKey, Card]:
    """The clinician's private key and card; KeyProblem when there is none yet."""
    where = folder(data)
    try:
        private = json.loads((where / "key.json").read_text("utf-8"))
        key = OKPKey.import_key(private)
        if not key.is_private:
            raise ValueError("no private part")
        card = read_card((where / "card.json").read_text("utf-8"))
    except FileNotFoundError:
        raise KeyProblem(
            f"no clinician key in {where}; make one first with "
            "easeback clinician init --name ... --role ... --organisation ... --contact ..."
        ) from None
    except (OSError, ValueError, KeyProblem, JoseError):
        raise KeyProblem(
            f"the clinician key in {where} is damaged or not a key easeback made; restore "
            "that folder from a backup, or move it away and run easeback clinician init "
            "again (people who trusted the old key will be asked to trust the new one)"
        ) from None
    if card.fingerprint != fingerprint(key):
        raise KeyProblem(f"the card in {where} does not belong to the key beside it")
    return key, card


def read_card(text: str) -> Card:
    """A clinician card's text as a Card; KeyProblem when it is not one."""
    try:
        data = json.loads(text)
    except ValueError:
        raise KeyProblem("this is not a clinician card (not JSON)") from None
    if not isinstance(data, dict) or data.get("format") != CARD_FORMAT:
        raise KeyProblem("this is not an easeback clinician card")
    try:
        clinician = Clinician.model_validate({k: data.get(k) for k in Clinician.model_fields})
        key = OKPKey.import_key(data["key"])
    except (ValidationError, ValueError, KeyError, TypeError, JoseError):
        raise KeyProblem(
            "the clinician card is damaged: a field is missing or wrong; ask the clinician "
            "for their card again"
        ) from None
    if key.is_private:
        raise KeyProblem("this card holds a private key; it must never be shared")
    if data.get("fingerprint") != fingerprint(key):
        raise KeyProblem("the card's fingerprint does not match its key")
    return Card(clinician, fingerprint(key))


def read_card_file(path: Path) -> Card:
    try:
        return read_card(read_text(path, limit=CARD_LIMIT))
    except FileProblem as exc:
        raise KeyProblem(f"cannot read the card: {exc}") from None
