"""A signed prescription file: made by the clinician, opened by the person's easeback.

The file is the Bundle with its ``signature``, in RFC 8785 canonical JSON (see
signature.py for why). Opening checks, in order: size, JSON, the exact canonical
form, the signature, that the key which signed is the one the Bundle names as the
clinician's, and the prescription's rules. Whether the person trusts that key, and
whether the dates suit today, are the use case's to decide.
"""

from __future__ import annotations

import json
from typing import Any

from joserfc.jwk import OKPKey

from easeback.content.files import KB
from easeback.content.models import Library
from easeback.prescribing.bundle import (
    BundleProblem,
    Issued,
    build_bundle,
    read_bundle,
    signature_element,
)
from easeback.prescribing.signature import (
    SIG_FORMAT,
    SignatureProblem,
    canonical,
    sign,
    strict_b64,
    verify,
)

# A prescription of every stretch with a long note and a flare-up plan is about 8 KB.
FILE_LIMIT = 256 * KB


def make_file(issued: Issued, key: OKPKey, library: Library) -> bytes:
    """The signed file's bytes."""
    bundle = build_bundle(issued, library)
    token = sign(bundle, key)
    return canonical({**bundle, "signature": signature_element(issued, token)})


def open_file(raw: bytes, library: Library) -> Issued:
    """The prescription in a signed file, its signature checked; SignatureProblem or
    BundleProblem (both ValueError) say what is wrong."""
    if len(raw) > FILE_LIMIT:
        raise BundleProblem(
            f"the file is {len(raw) // KB} KB; a prescription is a few KB (at most "
            f"{FILE_LIMIT // KB} KB), so this is not one"
        )
    try:
        data: Any = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise BundleProblem("the file nests too deeply to be a prescription") from None
    except (UnicodeDecodeError, ValueError):
        raise BundleProblem(
            "the file is not JSON, so it is not a prescription (a prescription file is "
            "the .json that easeback prescribe wrote)"
        ) from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise BundleProblem("the file is JSON but not a FHIR Bundle, so it is not a prescription")
    signature = data.get("signature")
    if not isinstance(signature, dict) or signature.get("sigFormat") != SIG_FORMAT:
        raise SignatureProblem("the prescription is not signed, so it cannot be trusted")
    try:
        same = canonical(data) == raw
    except ValueError:
        same = False
    if not same:
        raise SignatureProblem(
            "the file is not exactly as it was signed (its bytes were changed, or it was "
            "re-saved by another program); ask the clinician for the file again"
        )
    document = {k: v for k, v in data.items() if k != "signature"}
    data_text = signature.get("data")
    if not isinstance(data_text, str):
        raise SignatureProblem("the signature is empty")
    try:
        token = strict_b64(data_text).decode("ascii")
    except UnicodeDecodeError:
        raise SignatureProblem("the signature cannot be read") from None
    verified = verify(document, token)
    issued = read_bundle(document, library)
    if issued.fingerprint != verified.fingerprint:
        raise SignatureProblem(
            "the prescription names one clinician's key but was signed with another"
        )
    # The JWS covers the Bundle, not the signature element around it: its other parts
    # (when, who, type) must be exactly what make_file wrote for this Bundle.
    if signature != signature_element(issued, token):
        raise SignatureProblem(
            "the signature's details (when, who, type) were changed after it was made"
        )
    return issued
