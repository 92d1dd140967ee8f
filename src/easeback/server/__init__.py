"""easeback as a clinic's server: the same app on PostgreSQL, with accounts.

Each patient's records live in a PostgreSQL schema of their own, built by the very
migrations that build the single-user SQLite file (tenancy.py), so every use-case
runs unchanged on one patient's data and a forgotten filter cannot show one patient
another's records. What belongs to the clinic (accounts, logins, invitations, the
audit log) lives in the ``clinic`` schema (schema.py).
"""
