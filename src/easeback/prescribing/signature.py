"""Signing a FHIR Bundle with Ed25519, and checking a signature.

The signature is a JWS (RFC 7515, algorithm Ed25519 of RFC 9864, the fully specified
name for EdDSA with Ed25519 of RFC 8037) with a detached payload: the Bundle without
its ``signature``, in the canonical JSON of RFC 8785, so a clinic's system that
re-encodes the JSON can still check it. The public key travels in the JWS header; who
it belongs to is decided by the person trusting its fingerprint (the RFC 7638
thumbprint), never by the file. The cryptography is joserfc's and cryptography's.

A signed file is written in that same canonical form, and a file is accepted only in
it: then a change of any single byte, even of layout, is refused, and what the
person holds is byte for byte what the clinician signed.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

import rfc8785
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

ALGORITHM = "Ed25519"
SIG_FORMAT = "application/jose"


class SignatureProblem(ValueError):
    """The file's signature is missing, malformed or does not match its content."""


def canonical(document: Any) -> bytes:
    """RFC 8785 canonical JSON."""
    return rfc8785.dumps(document)


def fingerprint(key: OKPKey) -> str:
    """The key's RFC 7638 thumbprint (SHA-256, base64url): what a person compares."""
    return key.thumbprint()


def sign(document: dict[str, Any], key: OKPKey) -> str:
    """A detached compact JWS over the canonical JSON of ``document``."""
    public = key.as_dict(private=False)
    header = {"alg": ALGORITHM, "kid": fingerprint(key), "jwk": public}
    token = jws.serialize_compact(header, canonical(document), key, algorithms=[ALGORITHM])
    return jws.detach_content(token)


@dataclass(frozen=True)
class Verified:
    """A good signature: the key that made it and its fingerprint."""

    key: OKPKey
    fingerprint: str


def verify(document: dict[str, Any], token: str) -> Verified:
    """Check a detached JWS over ``document``; SignatureProblem when it does not hold."""
    parts = token.split(".")
    if len(parts) != 3 or parts[1] != "":
        raise SignatureProblem("the signature is not a detached JWS")
    try:
        header = json.loads(_strict_b64url(parts[0]))
        _strict_b64url(parts[2])
    except (ValueError, UnicodeDecodeError) as exc:
        raise SignatureProblem(f"the signature cannot be read ({exc})") from None
    if not isinstance(header, dict) or header.get("alg") != ALGORITHM:
        raise SignatureProblem(f"the signature is not made with {ALGORITHM}")
    if set(header) != {"alg", "kid", "jwk"}:
        # Only what ``sign`` writes: no unencoded payload ("b64"), no "crit", no other
        # way to say the same thing.
        raise SignatureProblem("the signature's header is not the one easeback writes")
    jwk = header.get("jwk")
    if (
        not isinstance(jwk, dict)
        or set(jwk) != {"kty", "crv", "x"}
        or jwk.get("kty") != "OKP"
        or jwk.get("crv") != "Ed25519"
    ):
        raise SignatureProblem("the signature does not carry an Ed25519 public key")
    try:
        key = OKPKey.import_key(jwk)
        jws.deserialize_compact(token, key, algorithms=[ALGORITHM], payload=canonical(document))
    except (JoseError, ValueError) as exc:
        raise SignatureProblem(
            "the signature does not match the content: the file was changed after it was "
            "signed, or signed with another key"
        ) from exc
    if header.get("kid") != fingerprint(key):
        raise SignatureProblem("the signature names a key other than the one it carries")
    return Verified(key, fingerprint(key))


def _strict_b64url(text: str) -> bytes:
    """base64url without padding, refusing any text that does not encode its bytes
    exactly (unused bits set, padding, other characters)."""
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii") != text:
        raise ValueError("not base64url in its one exact form")
    return data


def strict_b64(text: str) -> bytes:
    """Standard base64, refusing any text that does not encode its bytes exactly."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureProblem("the signature is not base64") from exc
    if base64.b64encode(data).decode("ascii") != text:
        raise SignatureProblem("the signature is not base64 in its one exact form")
    return data
