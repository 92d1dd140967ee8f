"""Sync between a person's devices and the clinic's server: a union of records made
where they happened, stored once on every side (the real PostgreSQL server, SQLite
devices, the server's sync routes called in the process)."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

import easeback.usecases.clock
from easeback.server.tenancy import scoped
from easeback.store.schema import events, pain_ratings, sessions
from easeback.usecases.aftercare import catch_up_progress
from easeback.usecases.syncing import SyncFailure, sync_now, sync_status
from server_helpers import Clinic, clinic
from sync_helpers import START, Device, device, in_process, play, sync_app

NOW = START + timedelta(days=3)


@pytest.fixture
def hub(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clinic]:
    monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: NOW)
    with clinic(postgres_url) as made:
        yield made


def linked(hub: Clinic, tmp_path: Path, name: str, who: str = "pat_a") -> tuple[Device, object]:
    made = device(tmp_path / name, hub.people[who], name)
    app = sync_app(hub.app.state.clinic, {f"token-{name}": (hub.people[who], name)})
    return made, in_process(app)


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(t)).scalar()
            for t in (sessions, events, pain_ratings)
        )


def test_two_devices_and_the_phone_end_with_one_diary_on_every_side(
    hub: Clinic, tmp_path: Path
) -> None:
    laptop, to_laptop = linked(hub, tmp_path, "laptop")
    desk, to_desk = linked(hub, tmp_path, "desk")
    phone = scoped(hub.app.state.clinic, hub.people["pat_a"].id)
    play(laptop.engine, "completed", START)
    play(desk.engine, "pain_stop", START + timedelta(hours=5))
    play(phone, "completed", START + timedelta(days=1), player="web")

    first = sync_now(laptop.engine, transport=to_laptop)
    sync_now(desk.engine, transport=to_desk)
    sync_now(laptop.engine, transport=to_laptop)

    assert first.sent > 0
    assert counts(laptop.engine) == counts(desk.engine) == counts(phone)
    assert counts(phone)[0] == 3
    again = sync_now(laptop.engine, transport=to_laptop)
    assert (again.sent, again.received) == (0, 0)
    assert sync_status(laptop.engine).waiting == 0


def test_progression_is_counted_from_the_merged_log_alike_on_every_side(
    hub: Clinic, tmp_path: Path
) -> None:
    from easeback.store.plan import latest_snapshot

    laptop, to_laptop = linked(hub, tmp_path, "laptop")
    phone = scoped(hub.app.state.clinic, hub.people["pat_a"].id)
    for day in range(3):
        play(laptop.engine, "completed", START + timedelta(days=day))
        play(phone, "completed", START + timedelta(days=day, hours=10), player="web")
    catch_up_progress(laptop.engine)
    catch_up_progress(phone)  # each side counted its own sessions first

    sync_now(laptop.engine, transport=to_laptop)
    catch_up_progress(phone)

    assert latest_snapshot(laptop.engine) == latest_snapshot(phone)
    assert latest_snapshot(laptop.engine) is not None


def test_a_prescription_published_on_the_server_reaches_the_laptop_and_the_newest_choice_wins(
    hub: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from easeback.store.prescriptions import current
    from easeback.usecases.prescription import remove
    from test_clinician_patient import form_of, paths

    laptop, to_laptop = linked(hub, tmp_path, "laptop")
    doctor = hub.client("dr_a")
    path = paths(hub, "pat_a")[3]
    values = form_of(doctor, path) | {"knee-press-hold_s": "25", "note": "Slowly at first."}
    assert doctor.post(path, data=values, follow_redirects=False).status_code == 303

    sync_now(laptop.engine, transport=to_laptop)

    followed = current(laptop.engine)
    assert followed is not None and followed.version == 1
    assert followed.clinician["name"] == "Dr Okafor"
    # Later, on the laptop, the person goes back to the article's plan: the newest
    # choice holds on the phone too once it is synced.
    later = NOW + timedelta(hours=1)
    monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: later)
    assert remove(laptop.engine, now=later)[0]
    sync_now(laptop.engine, transport=to_laptop)
    assert current(scoped(hub.app.state.clinic, hub.people["pat_a"].id)) is None
    assert hub.client("pat_a").get("/api/today").json()["plan"]["source"] == "article"


def test_diary_psfs_and_settings_meet_with_a_retirement_kept_and_the_newest_settings_holding(
    hub: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from easeback.core.plan import DaySettings
    from easeback.store.diary import (
        add_entry,
        current_activities,
        entries,
        rate_activities,
        set_activities,
    )
    from easeback.store.plan import latest_settings, save_settings

    laptop, to_laptop = linked(hub, tmp_path, "laptop")
    phone = scoped(hub.app.state.clinic, hub.people["pat_a"].id)
    walk, lift = set_activities(laptop.engine, ["Walking the dog", "Lifting a child"], at=NOW)
    rate_activities(laptop.engine, {walk.id: 4, lift.id: 2}, at=NOW, zone="UTC")
    add_entry(phone, at=NOW, zone="UTC", pain=5, note="stiff after the drive", share=True)
    save_settings(laptop.engine, DaySettings(zone="Europe/London"), at=NOW)
    sync_now(laptop.engine, transport=to_laptop)

    # Later: the phone sets its day; the laptop drops an activity.
    later = NOW + timedelta(minutes=30)
    monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: later)
    save_settings(phone, DaySettings(zone="Europe/Paris"), at=later)
    set_activities(laptop.engine, ["Walking the dog"], at=later)
    sync_now(laptop.engine, transport=to_laptop)

    for side in (laptop.engine, phone):
        assert [a.name for a in current_activities(side)] == ["Walking the dog"]
        assert [e.note for e in entries(side)] == ["stiff after the drive"]
        settings = latest_settings(side)
        assert settings is not None and settings.zone == "Europe/Paris"


def test_a_prescription_or_timeline_that_the_app_cannot_use_is_refused(hub: Clinic) -> None:
    import json

    from easeback.store.exchange import SYNCED, ExchangeError, outgoing, store, wire_columns
    from test_clinician_patient import form_of, paths

    doctor = hub.client("dr_a")
    path = paths(hub, "pat_a")[3]
    assert doctor.post(path, data=form_of(doctor, path), follow_redirects=False).status_code == 303
    phone = scoped(hub.app.state.clinic, hub.people["pat_a"].id)
    with phone.begin() as connection:
        sent = outgoing(connection, after=0, limit=100)
    prescription = next(t for t in sent.tables if t["name"] == "prescriptions")
    row = dict(zip(prescription["columns"], prescription["rows"][0], strict=True))
    plan = json.loads(row["plan"])
    plan["stretches"][0]["hold_s"] = 600  # no clinician signed this
    edited = [row[c] if c != "plan" else json.dumps(plan) for c in prescription["columns"]]
    play(phone, "completed", START)
    session_columns = wire_columns(SYNCED["sessions"])
    with phone.connect() as connection:
        session = outgoing(connection, after=0, limit=100).tables[0]["rows"][0]
    broken = [
        v if c != "timeline" else '{"routine": "x"}'
        for c, v in zip(session_columns, session, strict=True)
    ]
    broken[session_columns.index("id")] = "another-session"

    other = scoped(hub.app.state.clinic, hub.people["pat_b"].id)
    with other.begin() as connection:  # as signed, it is taken (columns such as "end")
        taken = store(connection, [prescription], source="a-device", now=NOW)
    assert taken.stored == 1
    with other.begin() as connection:
        connection.execute(text("DELETE FROM prescriptions"))
    for tables, words in (
        (
            [{"name": "prescriptions", "columns": prescription["columns"], "rows": [edited]}],
            "differs from its signed file (plan)",
        ),
        (
            [{"name": "sessions", "columns": session_columns, "rows": [broken]}],
            "timeline is not a session's timeline",
        ),
    ):
        with pytest.raises(ExchangeError, match=re.escape(words)), other.begin() as connection:
            store(connection, tables, source="a-device", now=NOW)
    assert counts(other) == (0, 0, 0)


def test_a_count_that_another_count_overtook_stores_nothing_and_counts_again(
    hub: Clinic,
) -> None:
    from easeback.store.plan import progress_stamp, save_progress
    from easeback.usecases.aftercare import _count

    phone = scoped(hub.app.state.clinic, hub.people["pat_a"].id)
    for day in range(3):
        play(phone, "completed", START + timedelta(days=day), player="web")
    stamp = progress_stamp(phone)
    stale = _count(phone)
    assert stale is not None
    catch_up_progress(phone)  # another window, or a sync, counted first

    assert not save_progress(phone, stale[0], zone=stale[1], expect=stamp)
    assert progress_stamp(phone)[0] == 3  # each session counted once


def test_a_session_is_counted_under_the_plan_it_was_played_under_whenever_it_arrives(
    hub: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import text

    from test_clinician_patient import form_of, paths

    laptop, to_laptop = linked(hub, tmp_path, "laptop")
    played = play(laptop.engine, "completed", NOW - timedelta(hours=2))  # not counted yet
    doctor = hub.client("dr_a")
    path = paths(hub, "pat_a")[3]
    assert doctor.post(path, data=form_of(doctor, path), follow_redirects=False).status_code == 303
    phone = scoped(hub.app.state.clinic, hub.people["pat_a"].id)

    sync_now(laptop.engine, transport=to_laptop)
    catch_up_progress(phone)

    for side in (laptop.engine, phone):
        with side.connect() as connection:
            basis = connection.execute(
                text("SELECT basis FROM progress WHERE session_id = :s"), {"s": played}
            ).one()
        assert basis[0] is None  # the article's plan, in force when it was played


def test_records_stamped_in_the_future_are_refused_by_name(hub: Clinic) -> None:
    from easeback.store.exchange import SYNCED, ExchangeError, store, wire_columns

    columns = wire_columns(SYNCED["day_settings"])
    values = {
        "uid": "0f0e0d0c-0000-4000-8000-000000000001",
        "at_utc": "9999-01-01T00:00:00",
        "wake": "07:00",
        "bed": "23:00",
        "work_start": None,
        "work_end": None,
        "work_days": "mon,tue",
        "zone": "Asia/Tokyo",
    }
    phone = scoped(hub.app.state.clinic, hub.people["pat_a"].id)
    with (
        pytest.raises(
            ExchangeError,
            match=r"day_settings\[0\]\.at_utc: 9999-01-01T00:00:00 is more than a day ahead",
        ),
        phone.begin() as connection,
    ):
        store(
            connection,
            [
                {
                    "name": "day_settings",
                    "columns": columns,
                    "rows": [[values[c] for c in columns]],
                }
            ],
            source="a-device",
            now=NOW,
        )


def test_a_batch_let_in_just_before_the_records_were_erased_does_not_bring_them_back(
    hub: Clinic, tmp_path: Path
) -> None:
    from easeback.server.devices import add_device, erase
    from server_helpers import SECRET

    clinic_db = hub.app.state.clinic
    patient = hub.people["pat_a"]
    with clinic_db.begin() as connection:
        linked_device = add_device(connection, SECRET, patient, "laptop", NOW - timedelta(days=1))
    laptop = device(tmp_path / "laptop", patient, linked_device.device.id)
    play(laptop.engine, "completed", START)
    # The stand-in guard lets the batch in, as the real one did a moment before the
    # erasure that now happens.
    app = sync_app(
        clinic_db, {f"token-{linked_device.device.id}": (patient, linked_device.device.id)}
    )
    with clinic_db.begin() as connection:
        erase(connection, patient, by=None, address=None, now=NOW)

    with pytest.raises(SyncFailure) as refused:
        sync_now(laptop.engine, transport=in_process(app))

    assert refused.value.kind == "erased"
    assert counts(scoped(clinic_db, patient.id)) == (0, 0, 0)
    assert sync_status(laptop.engine).erased_at is not None


def test_another_store_in_the_same_folder_is_not_linked_by_the_first_ones_link(
    hub: Clinic, tmp_path: Path
) -> None:
    from easeback.store import open_store
    from easeback.usecases.syncing import is_linked

    linked(hub, tmp_path, "laptop")
    other = open_store(str(tmp_path / "laptop" / "bob.db"))

    assert not is_linked(other)
    with pytest.raises(SyncFailure) as refused:
        sync_now(other)
    assert refused.value.kind == "not_linked"
    other.dispose()


def test_a_batch_the_server_finds_too_large_is_sent_again_in_smaller_ones(
    hub: Clinic, tmp_path: Path
) -> None:
    from easeback.sync.wire import Reply

    laptop, to_laptop = linked(hub, tmp_path, "laptop")
    for day in range(3):
        play(laptop.engine, "completed", START + timedelta(days=day))
    refused: list[int] = []

    def small_bodies_only(
        method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> Reply:
        sent = (
            json.loads(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body) if body else {}
        )
        rows = sum(len(t["rows"]) for t in sent.get("tables", []))
        if path == "/api/sync/push" and rows > 20:
            refused.append(rows)
            return Reply(413, b'{"problem": "size", "message": "too large"}')
        return to_laptop(method, path, headers, body)

    sync_now(laptop.engine, transport=small_bodies_only)

    assert refused  # the first, whole batch
    phone = scoped(hub.app.state.clinic, hub.people["pat_a"].id)
    assert counts(phone) == counts(laptop.engine)


def test_a_store_restored_from_an_older_copy_gets_back_what_it_had_sent_since(
    hub: Clinic, tmp_path: Path
) -> None:
    import shutil

    from easeback.store import open_store

    laptop, to_laptop = linked(hub, tmp_path, "laptop")
    play(laptop.engine, "completed", START)
    sync_now(laptop.engine, transport=to_laptop)
    store = tmp_path / "laptop" / "easeback.db"
    laptop.engine.dispose()
    shutil.copy(store, tmp_path / "backup.db")
    engine = open_store(str(store))
    play(engine, "completed", START + timedelta(days=1))  # made after the copy...
    sync_now(engine, transport=to_laptop)  # ...and sent
    engine.dispose()
    shutil.copy(tmp_path / "backup.db", store)  # the copy is restored
    for extra in ("-wal", "-shm"):
        (tmp_path / "laptop" / f"easeback.db{extra}").unlink(missing_ok=True)
    restored = open_store(str(store))
    assert counts(restored)[0] == 1

    sync_now(restored, transport=to_laptop)

    phone = scoped(hub.app.state.clinic, hub.people["pat_a"].id)
    assert counts(restored) == counts(phone)
    assert counts(restored)[0] == 2


def test_a_refusal_in_plain_text_is_shown_in_its_own_words() -> None:
    from easeback.sync.wire import Reply, call

    def host_check(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        return Reply(400, b"This easeback server answers at https://clinic.test only.")

    with pytest.raises(SyncFailure) as refused:
        call(host_check, "GET", "/api/sync/hello", token="t")

    assert refused.value.message == (
        "the server answered 400: This easeback server answers at https://clinic.test only."
    )
