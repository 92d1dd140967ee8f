"""A signed prescription file: what the clinician signs is exactly what the person's
easeback opens, and a file changed in any way after signing is refused."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc.jwk import OKPKey

from easeback.content.library import load_library
from easeback.content.models import Stretch
from easeback.content.prescription import SLOT_ORDER, Clinician, Prescription
from easeback.prescribing import keys
from easeback.prescribing.bundle import (
    BundleProblem,
    Issued,
    build_bundle,
    full,
    signature_element,
)
from easeback.prescribing.signature import SignatureProblem, canonical, sign
from easeback.prescribing.signed import make_file, open_file

LIBRARY = load_library()
CLINICIAN = Clinician(
    name="Dr Ada Lovelace",
    role="Physiotherapist",
    organisation="Riverside Physio",
    contact="ada@riverside.example",
)
ISSUED_AT = datetime(2026, 11, 30, 9, 15, 42, tzinfo=UTC)
RX_ID = "5f0c8a52-2b1e-4c7d-9a36-0d4e8b1f2a73"


# --- keys and a signed file, made once per module -----------------------------------


@pytest.fixture(scope="module")
def clinician_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[OKPKey, str]:
    """The clinician's key, made with ``keys.init`` in a fresh data folder, and its
    fingerprint."""
    data = tmp_path_factory.mktemp("clinician")
    keys.init(data, CLINICIAN)
    key, card = keys.load(data)
    return key, card.fingerprint


@pytest.fixture(scope="module")
def other_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[OKPKey, str]:
    """Somebody else's key."""
    data = tmp_path_factory.mktemp("someone-else")
    other = CLINICIAN.model_copy(update={"name": "Mallory"})
    keys.init(data, other)
    key, card = keys.load(data)
    return key, card.fingerprint


def prescription(data: dict[str, Any]) -> Prescription:
    return Prescription.model_validate(data, context={"library": LIBRARY})


EVERYTHING = prescription(
    {
        "version": 3,
        "start": date(2026, 12, 1),
        "end": date(2027, 2, 28),
        "note": "Little and often. Stop at once if anything hurts.",
        "stretches": [
            {"id": "knee-press", "hold_s": 30, "reps": 2, "ceiling": {"hold_s": 45}},
            {"id": "lower-back-rotation", "hold_s": 10, "slots": ["daytime", "morning"]},
            {"id": "pelvic-tilt", "hold_s": 7, "reps": 12, "progression": False},
            {"id": "chair-twist", "hold_s": 8},
        ],
        "flare_up": {
            "days": 3,
            "advice": "Keep moving gently; a warm shower helps.",
            "contact": "Call the clinic if it is no better in 3 days: 020 7946 0000.",
            "stretches": [
                {"id": "knee-press", "hold_s": 15, "reps": 1},
                {"id": "pelvic-tilt", "hold_s": 5, "reps": 6},
            ],
        },
    }
)


def issue(rx: Prescription, fingerprint: str) -> Issued:
    return Issued(
        prescription=rx,
        clinician=CLINICIAN,
        patient="Sam Patient",
        issued=ISSUED_AT,
        id=RX_ID,
        fingerprint=fingerprint,
    )


@pytest.fixture(scope="module")
def signed(clinician_key: tuple[OKPKey, str]) -> bytes:
    """A signed file of every stretch, with a note, an end and a flare-up plan."""
    key, fingerprint = clinician_key
    return make_file(issue(EVERYTHING, fingerprint), key, LIBRARY)


# --- any valid prescription ---------------------------------------------------------

# Text a person types: no control characters but the line break.
# What str.isprintable() accepts (the rule for every text of a prescription), and the
# line break that a note, the advice and when to get in touch may hold.
ONE_LINE = st.characters(
    exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"), include_characters=" "
)
PRINTABLE = st.characters(
    exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"), include_characters=" \n"
)


def words(max_size: int) -> st.SearchStrategy[str]:
    return st.text(ONE_LINE, min_size=1, max_size=max_size)


def within(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(min_value=low, max_value=high)


@st.composite
def prescribed(draw: st.DrawFn, stretch: Stretch) -> dict[str, Any]:
    """One stretch at a dose inside its clinical bounds, with a valid timing and
    progression."""
    bounds = stretch.clinical
    hold = draw(within(bounds.hold_s.min, bounds.hold_s.max))
    reps = draw(st.none() | within(bounds.reps.min, bounds.reps.max))
    item: dict[str, Any] = {"id": stretch.id, "hold_s": hold}
    if reps is not None:
        item["reps"] = reps
    fitting = ("daytime",) if stretch.posture == "seated" else SLOT_ORDER
    slots = draw(
        st.lists(st.sampled_from(fitting), min_size=1, max_size=len(fitting), unique=True).filter(
            lambda s: len(s) in bounds.times_per_day
        )
    )
    timing = draw(st.sampled_from(["article", "times", "slots", "both"]))
    if timing == "times":
        item["times_per_day"] = draw(within(bounds.times_per_day.min, bounds.times_per_day.max))
    if timing in ("slots", "both"):
        item["slots"] = slots
    if timing == "both":
        item["times_per_day"] = len(slots)
    if draw(st.booleans()):
        keys = stretch.step_keys
        item["sides"] = draw(st.lists(st.sampled_from(keys), min_size=1, unique=True))
    item["progression"] = draw(st.booleans())
    if draw(st.booleans()):
        start_reps = reps if reps is not None else stretch.reps.min
        ceiling: dict[str, int] = {}
        top_hold = draw(st.none() | within(hold, bounds.hold_s.max))
        top_reps = draw(st.none() | within(start_reps, bounds.reps.max))
        if top_hold is not None:
            ceiling["hold_s"] = top_hold
        if top_reps is not None:
            ceiling["reps"] = top_reps
        item["ceiling"] = ceiling
    return item


@st.composite
def flare_dose(draw: st.DrawFn, item: dict[str, Any]) -> dict[str, Any]:
    """An easier dose of a prescribed stretch: never longer, never more repetitions."""
    stretch = LIBRARY.stretch(item["id"])
    bounds = stretch.clinical
    most_reps = item.get("reps", stretch.reps.min)
    dose: dict[str, Any] = {
        "id": stretch.id,
        "hold_s": draw(within(bounds.hold_s.min, item["hold_s"])),
    }
    # Left out, the repetitions are the article's first count: only when not harder.
    leave_out = stretch.reps.min <= most_reps and draw(st.booleans())
    if not leave_out:
        dose["reps"] = draw(within(bounds.reps.min, most_reps))
    return dose


@st.composite
def prescriptions(draw: st.DrawFn) -> Prescription:
    """Any prescription that keeps every rule."""
    chosen = draw(
        st.lists(st.sampled_from(LIBRARY.stretches), min_size=1, unique_by=lambda s: s.id)
    )
    items = [draw(prescribed(stretch)) for stretch in chosen]
    start = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
    data: dict[str, Any] = {
        "version": draw(within(1, 2**31 - 1)),
        "start": start,
        "stretches": items,
    }
    if draw(st.booleans()):
        data["end"] = start + timedelta(days=draw(within(0, 3650)))
    if draw(st.booleans()):
        data["note"] = draw(st.text(PRINTABLE, max_size=300))
    if draw(st.booleans()):
        kept = draw(st.lists(st.sampled_from(items), min_size=1, unique_by=lambda i: i["id"]))
        data["flare_up"] = {
            "days": draw(within(1, 14)),
            "advice": draw(words(200)),
            "contact": draw(words(100)),
            "stretches": [draw(flare_dose(item)) for item in kept],
        }
    return prescription(data)


clinicians = st.builds(
    Clinician,
    name=words(120),
    role=words(80),
    organisation=words(120),
    contact=st.one_of(words(200), st.just("ada@riverside.example"), st.just("020 7946 0000")),
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 2),
    max_value=datetime(2100, 1, 1),
    timezones=st.timezones(),
    allow_imaginary=False,
)


@settings(max_examples=60, deadline=None)
@given(
    rx=prescriptions(),
    clinician=clinicians,
    patient=words(120),
    issued=moments,
    rx_id=st.uuids().map(str),
)
def test_any_valid_prescription_opens_exactly_as_it_was_signed(
    clinician_key: tuple[OKPKey, str],
    rx: Prescription,
    clinician: Clinician,
    patient: str,
    issued: datetime,
    rx_id: str,
) -> None:
    key, fingerprint = clinician_key
    sent = Issued(rx, clinician, patient, issued, rx_id, fingerprint)

    opened = open_file(make_file(sent, key, LIBRARY), LIBRARY)

    assert opened.prescription == full(rx, LIBRARY)
    assert opened.clinician == clinician
    assert opened.patient == patient
    assert opened.issued == issued.astimezone(UTC).replace(microsecond=0)
    assert opened.issued.utcoffset() == timedelta(0)
    assert opened.id == rx_id
    assert opened.fingerprint == fingerprint


def test_the_file_states_every_dose_in_full() -> None:
    rx = full(EVERYTHING, LIBRARY)

    assert [(s.id, s.hold_s, s.reps, s.slots) for s in rx.stretches] == [
        ("knee-press", 30, 2, ["morning", "evening"]),
        ("lower-back-rotation", 10, 1, ["morning", "daytime"]),
        ("pelvic-tilt", 7, 12, ["morning"]),
        ("chair-twist", 8, 2, ["daytime"]),
    ]
    assert [s.ceiling.model_dump() if s.ceiling else None for s in rx.stretches] == [
        {"hold_s": 45, "reps": 2},
        {"hold_s": 10, "reps": 1},
        None,
        {"hold_s": 10, "reps": 3},
    ]


# --- a changed file is refused --------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_single_byte_changed_anywhere_is_refused(signed: bytes, data: st.DataObject) -> None:
    position = data.draw(within(0, len(signed) - 1), label="position")
    value = data.draw(within(0, 255).filter(lambda b: b != signed[position]), label="new byte")
    changed = signed[:position] + bytes([value]) + signed[position + 1 :]

    with pytest.raises((SignatureProblem, BundleProblem)):
        open_file(changed, LIBRARY)


def signature_parts(raw: bytes) -> list[int]:
    """The positions of the signature element's bytes other than its data (when it was
    made, by whom, its type and format): the part the JWS itself does not cover."""
    begin = raw.index(b'"signature":{')
    data_begin = raw.index(b'"data":"', begin) + len(b'"data":"')
    data_end = raw.index(b'"', data_begin)
    return [i for i in range(begin, len(raw)) if not data_begin <= i < data_end]


def test_a_change_to_when_who_or_type_of_the_signature_is_refused(signed: bytes) -> None:
    accepted = []
    for position in signature_parts(signed):
        changed = signed[:position] + bytes([signed[position] ^ 1]) + signed[position + 1 :]
        try:
            open_file(changed, LIBRARY)
        except (SignatureProblem, BundleProblem):
            continue
        accepted.append(changed[position - 10 : position + 10])

    assert accepted == []


def test_a_later_signing_date_is_refused(signed: bytes) -> None:
    later = signed.replace(b'"when":"2026-11-30T', b'"when":"2027-11-30T')

    with pytest.raises(SignatureProblem) as refused:
        open_file(later, LIBRARY)

    assert str(refused.value) == (
        "the signature's details (when, who, type) were changed after it was made"
    )


def test_a_file_re_saved_with_another_layout_is_refused(signed: bytes) -> None:
    pretty = json.dumps(json.loads(signed), indent=2).encode()

    with pytest.raises(SignatureProblem) as refused:
        open_file(pretty, LIBRARY)

    assert "not exactly as it was signed" in str(refused.value)


def test_a_file_signed_with_another_key_but_naming_the_clinicians_key_is_refused(
    clinician_key: tuple[OKPKey, str], other_key: tuple[OKPKey, str]
) -> None:
    _, fingerprint = clinician_key
    forger, _ = other_key
    harder = prescription(
        {
            "version": 4,
            "start": date(2026, 12, 1),
            "stretches": [{"id": "knee-press", "hold_s": 60}],
        }
    )

    forged = make_file(issue(harder, fingerprint), forger, LIBRARY)

    with pytest.raises(SignatureProblem) as refused:
        open_file(forged, LIBRARY)
    assert str(refused.value) == (
        "the prescription names one clinician's key but was signed with another"
    )


def test_a_file_re_signed_with_another_key_opens_only_as_that_keys(
    clinician_key: tuple[OKPKey, str], other_key: tuple[OKPKey, str]
) -> None:
    # Whether to trust a key is the person's to decide: what the file cannot do is
    # pass for the clinician they trusted.
    _, trusted = clinician_key
    forger, forgers = other_key

    opened = open_file(make_file(issue(EVERYTHING, forgers), forger, LIBRARY), LIBRARY)

    assert opened.fingerprint == forgers != trusted


def test_a_50_mb_file_is_refused_at_once_for_its_size() -> None:
    huge = b" " * (50 * 1024 * 1024)

    began = time.perf_counter()
    with pytest.raises(BundleProblem) as refused:
        open_file(huge, LIBRARY)
    took = time.perf_counter() - began

    assert str(refused.value) == (
        "the file is 51200 KB; a prescription is a few KB (at most 256 KB), so this is not one"
    )
    assert took < 1.0


def test_a_file_that_is_not_json_is_refused() -> None:
    with pytest.raises(BundleProblem) as refused:
        open_file(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", LIBRARY)

    assert str(refused.value) == (
        "the file is not JSON, so it is not a prescription (a prescription file is the "
        ".json that easeback prescribe wrote)"
    )


@pytest.mark.parametrize(
    "document",
    [
        {"resourceType": "Patient", "name": [{"text": "Sam Patient"}]},
        [{"resourceType": "Bundle"}],
        "Bundle",
    ],
    ids=["a Patient", "a list", "a string"],
)
def test_a_json_file_that_is_not_a_bundle_is_refused(document: object) -> None:
    with pytest.raises(BundleProblem) as refused:
        open_file(json.dumps(document).encode(), LIBRARY)

    assert str(refused.value) == (
        "the file is JSON but not a FHIR Bundle, so it is not a prescription"
    )


def test_an_unsigned_bundle_is_refused(clinician_key: tuple[OKPKey, str]) -> None:
    _, fingerprint = clinician_key
    unsigned = canonical(build_bundle(issue(EVERYTHING, fingerprint), LIBRARY))

    with pytest.raises(SignatureProblem) as refused:
        open_file(unsigned, LIBRARY)

    assert str(refused.value) == "the prescription is not signed, so it cannot be trusted"


def test_the_signed_file_opens(signed: bytes, clinician_key: tuple[OKPKey, str]) -> None:
    opened = open_file(signed, LIBRARY)

    assert opened == issue(full(EVERYTHING, LIBRARY), clinician_key[1])


def test_a_signed_file_with_an_extension_without_a_value_is_refused_plainly(
    tmp_path: Path,
) -> None:
    """Signed with a key of its own, so the signature holds: the content is still
    checked, and refused as a prescription problem, never a crash."""
    raw = resigned(lambda b: entry(b, "CarePlan").update(extension=[{"url": "x"}]), tmp_path)

    with pytest.raises(BundleProblem, match="no single value"):
        open_file(raw, load_library())


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from easeback.store import open_store

    return open_store(str(tmp_path_factory.mktemp("store") / "easeback.db"))


@settings(max_examples=25, deadline=None)
@given(rx=prescriptions(), clinician=clinicians, patient=words(120))
def test_any_valid_prescription_is_imported_and_exported_exactly_as_signed(
    clinician_key: tuple[OKPKey, str],
    store: Any,
    rx: Prescription,
    clinician: Clinician,
    patient: str,
) -> None:
    """write -> sign -> import -> export: the person's easeback follows the prescription
    as signed, and its export carries the very file, which opens to the same."""
    from easeback.store.dump import dump
    from easeback.store.prescriptions import current
    from easeback.store.schema import plan_sources
    from easeback.usecases.prescription import follow, open_prescription

    key, fingerprint = clinician_key
    rx_id = str(uuid4())  # each signed file has its own
    now = datetime.combine(rx.start, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    issued = Issued(rx, clinician, patient, now, rx_id, fingerprint)
    raw = make_file(issued, key, LIBRARY)

    opened = open_prescription(store, raw, now=now)
    follow(store, opened, now=now, trust=True)

    followed = current(store)
    assert followed is not None and followed.id == rx_id
    assert followed.plan == full(rx, LIBRARY).model_dump(mode="json")
    exported = {row["id"]: row for row in dump(store, exported=now)["tables"]["prescriptions"]}
    assert exported[rx_id]["file"].encode("utf-8") == raw
    assert open_file(raw, LIBRARY).prescription == full(rx, LIBRARY)
    # Start afresh for the next example: its date may be earlier, and the newest
    # choice by time would be this one's.
    with store.begin() as connection:
        connection.execute(plan_sources.delete())


# --- crafted files, signed by a key of their own: the content is still checked ------


def resigned(edit: Any, tmp_path: Path, header: dict[str, Any] | None = None) -> bytes:
    """A prescription's Bundle changed by ``edit`` (in place), then signed again as
    ``make_file`` signs, with a fresh key (or the JWS ``header`` given)."""
    from joserfc import jws

    library = load_library()
    keys.init(tmp_path, Clinician(name="A", role="B", organisation="C", contact="D"))
    key, card = keys.load(tmp_path)
    rx = Prescription.model_validate(
        {
            "version": 1,
            "start": date(2026, 3, 2),
            "stretches": [{"id": "knee-press", "hold_s": 15}],
        },
        context={"library": library},
    )
    issued = Issued(
        rx, card.clinician, "Sam", datetime(2026, 3, 2, tzinfo=UTC), str(uuid4()), card.fingerprint
    )
    bundle = build_bundle(issued, library)
    edit(bundle)
    if header is None:
        token = sign(bundle, key)
    else:
        full_header = {"alg": "Ed25519", "kid": card.fingerprint, "jwk": key.as_dict(private=False)}
        token = jws.detach_content(
            jws.serialize_compact(
                full_header | header, canonical(bundle), key, algorithms=["Ed25519"]
            )
        )
    return canonical({**bundle, "signature": signature_element(issued, token)})


def entry(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind
    )
    return found


@pytest.mark.parametrize(
    "edit",
    [
        lambda b: entry(b, "Practitioner")["name"][0].update(text="Ada\x1b[8m"),
        lambda b: entry(b, "Patient")["name"][0].update(text="Sam\u202eevil"),
        lambda b: entry(b, "Patient")["name"][0].update(text={"x": 1}),
        lambda b: entry(b, "Patient")["name"][0].update(text=5),
        lambda b: b.update(timestamp="2026-03-02T00:00:00"),
        lambda b: b.update(timestamp="0001-01-01T00:00:00Z"),
        lambda b: b["entry"].append(b["entry"][-1]),
        lambda b: b["entry"].append(
            {"fullUrl": "urn:uuid:x", "resource": {"resourceType": "Basic"}}
        ),
        lambda b: entry(b, "CarePlan")["period"].update(start="20260302"),
    ],
    ids=[
        "an escape code in the clinician's name",
        "a right-to-left override in the person's name",
        "a person's name that is not text",
        "a person's name that is a number",
        "a time without its zone",
        "a time in the year 1",
        "an entry twice",
        "an entry easeback does not write",
        "a start date written another way",
    ],
)
def test_a_crafted_file_is_refused_as_not_a_prescription(edit: Any, tmp_path: Path) -> None:
    raw = resigned(edit, tmp_path)

    with pytest.raises(BundleProblem):
        open_file(raw, load_library())


@pytest.mark.parametrize("extra", [{"typ": "JOSE"}, {"cty": "json"}])
def test_a_signature_header_other_than_easebacks_is_refused(
    extra: dict[str, Any], tmp_path: Path
) -> None:
    raw = resigned(lambda b: None, tmp_path, header=extra)

    with pytest.raises(SignatureProblem, match="header"):
        open_file(raw, load_library())


def test_the_crafting_itself_makes_a_file_that_opens(tmp_path: Path) -> None:
    """The control for the crafted files: with nothing changed, it opens."""
    assert open_file(resigned(lambda b: None, tmp_path), load_library()).patient == "Sam"
