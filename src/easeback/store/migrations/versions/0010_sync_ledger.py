"""Sync: a device-made id on every synced record that had none, and the ledger of
what arrived in which order, kept by the database itself.

Every insert into a synced table (and a psfs activity's retirement) appends a line
to ``sync_ledger`` through a trigger, whoever writes it (the app, an import, a raw
SQL fast path), so "what has this side not sent yet" and "what has the other side
not seen yet" are ranges of one counter. Rows already stored get their ids and
their ledger lines here, parents before children, so a first sync sends everything.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Each synced table and its primary key, parents before children (as in
# easeback.store.exchange.SYNCED, frozen here as a migration must be).
SYNCED = (
    ("sessions", "id"),
    ("events", "id"),
    ("consents", "id"),
    ("screenings", "id"),
    ("clearances", "id"),
    ("followups", "id"),
    ("pain_ratings", "id"),
    ("day_settings", "id"),
    ("diary_entries", "id"),
    ("psfs_activities", "id"),
    ("psfs_ratings", "id"),
    ("profiles", "id"),
    ("prescriptions", "id"),
    ("plan_sources", "id"),
    ("trusted_clinicians", "fingerprint"),
    ("flare_ups", "id"),
    ("flare_checks", "id"),
)
# The tables whose rows had no id of their own the same on every side.
GIVEN_UIDS = (
    "consents",
    "screenings",
    "clearances",
    "followups",
    "day_settings",
    "diary_entries",
    "psfs_activities",
    "psfs_ratings",
    "profiles",
    "plan_sources",
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    fresh = "gen_random_uuid()::text" if postgres else "lower(hex(randomblob(16)))"
    for name in GIVEN_UIDS:
        known = "COALESCE(client_id, " + fresh + ")" if name == "diary_entries" else fresh
        if postgres:
            # A default in the database too: a row written by another program (a
            # script, psql by hand) still gets an id of its own.
            op.add_column(name, sa.Column("uid", sa.String(36)))
            op.execute(f"UPDATE {name} SET uid = {known}")  # noqa: S608 - our names
            op.alter_column(name, "uid", nullable=False, server_default=sa.text(fresh))
        else:
            # SQLite adds a NOT NULL column only with a constant default, without
            # copying the table (a copy per table made every new store slower); a
            # row written by another program with no id gets one from a trigger.
            op.add_column(name, sa.Column("uid", sa.String(36), nullable=False, server_default=""))
            op.execute(f"UPDATE {name} SET uid = {known}")  # noqa: S608 - our names
            op.execute(
                f"CREATE TRIGGER sync_uid_{name} AFTER INSERT ON {name} "  # noqa: S608
                f"WHEN NEW.uid = '' BEGIN UPDATE {name} SET uid = {fresh} "
                "WHERE rowid = NEW.rowid; END"
            )
        op.create_index(f"ix_{name}_uid", name, ["uid"], unique=True)

    op.create_table(
        "sync_ledger",
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("tbl", sa.String(32), nullable=False),
        sa.Column("row_key", sa.String(64), nullable=False),
        sa.Column("source", sa.String(36)),
    )
    op.create_table(
        "sync_marks",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )
    for name, key in SYNCED:
        op.execute(
            f"INSERT INTO sync_ledger (tbl, row_key) "  # noqa: S608 - our names
            f"SELECT '{name}', CAST({key} AS TEXT) FROM {name} ORDER BY {key}"
        )
    if postgres:
        # SET search_path FROM CURRENT: the function writes to the ledger of the
        # schema it was made in (a patient's, on a clinic's server).
        op.execute(
            """
            CREATE FUNCTION sync_ledger_note() RETURNS trigger
            LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
            BEGIN
                INSERT INTO sync_ledger (tbl, row_key)
                VALUES (TG_TABLE_NAME, to_jsonb(NEW) ->> TG_ARGV[0]);
                RETURN NULL;
            END $$
            """
        )
        # Inserts are noted once per statement, from its new rows (a batch of
        # thousands of events is one statement on a server).
        op.execute(
            """
            CREATE FUNCTION sync_ledger_note_rows() RETURNS trigger
            LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
            BEGIN
                EXECUTE format(
                    'INSERT INTO sync_ledger (tbl, row_key) '
                    'SELECT %L, CAST(%I AS text) FROM new_rows',
                    TG_TABLE_NAME, TG_ARGV[0]
                );
                RETURN NULL;
            END $$
            """
        )
        for name, key in SYNCED:
            op.execute(
                f"CREATE TRIGGER sync_ledger_{name} AFTER INSERT ON {name} "
                "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
                f"EXECUTE FUNCTION sync_ledger_note_rows('{key}')"
            )
        op.execute(
            "CREATE TRIGGER sync_ledger_psfs_retired AFTER UPDATE OF retired_utc "
            "ON psfs_activities FOR EACH ROW EXECUTE FUNCTION sync_ledger_note('id')"
        )
    else:
        for name, key in SYNCED:
            op.execute(
                f"CREATE TRIGGER sync_ledger_{name} AFTER INSERT ON {name} BEGIN "  # noqa: S608
                f"INSERT INTO sync_ledger (tbl, row_key) VALUES ('{name}', NEW.{key}); END"
            )
        op.execute(
            "CREATE TRIGGER sync_ledger_psfs_retired AFTER UPDATE OF retired_utc "
            "ON psfs_activities BEGIN INSERT INTO sync_ledger (tbl, row_key) "
            "VALUES ('psfs_activities', NEW.id); END"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, _key in SYNCED:
        on = f" ON {name}" if postgres else ""
        op.execute(f"DROP TRIGGER IF EXISTS sync_ledger_{name}{on}")
    op.execute(
        "DROP TRIGGER IF EXISTS sync_ledger_psfs_retired"
        + (" ON psfs_activities" if postgres else "")
    )
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS sync_ledger_note()")
        op.execute("DROP FUNCTION IF EXISTS sync_ledger_note_rows()")
    op.drop_table("sync_marks")
    op.drop_table("sync_ledger")
    for name in GIVEN_UIDS:
        if not postgres:
            op.execute(f"DROP TRIGGER IF EXISTS sync_uid_{name}")
        op.drop_index(f"ix_{name}_uid", name)
        with op.batch_alter_table(name) as batch:
            batch.drop_column("uid")
