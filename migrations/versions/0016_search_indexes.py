"""header search indexes: name fragments of employers and contacts found through trigrams

PostgreSQL: pg_trgm GIN indexes on employers.name_key and contacts.name (declared on the models too).
SQLite: FTS5 tables with the trigram tokenizer over the same columns (external content: they hold only
the index), kept in step by triggers. They are outside the ORM metadata; migrations/env.py leaves them out
of `flask db check`. The exact keys (KvK, e-mail, e-mail domain, phone) have b-tree indexes since 0001/0007.

A later migration that rebuilds `employers` or `contacts` on SQLite (batch mode copies and drops the
table) drops these triggers with it and must create them again (tests/search checks they exist).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 14:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# (full-text table, source table, column)
FTS_TABLES = (("search_employer_names", "employers", "name_key"), ("search_contact_names", "contacts", "name"))
TRGM_INDEXES = (("ix_employers_name_key_trgm", "employers", "name_key"), ("ix_contacts_name_trgm", "contacts", "name"))


def _sqlite_upgrade():
    for fts, source, col in FTS_TABLES:
        op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({col}, content='{source}', content_rowid='id', "
                   "tokenize='trigram')")
        op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {source} BEGIN "
                   f"INSERT INTO {fts}(rowid, {col}) VALUES (new.id, new.{col}); END")
        op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {source} BEGIN "
                   f"INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.id, old.{col}); END")
        op.execute(f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {col} ON {source} BEGIN "
                   f"INSERT INTO {fts}({fts}, rowid, {col}) VALUES ('delete', old.id, old.{col}); "
                   f"INSERT INTO {fts}(rowid, {col}) VALUES (new.id, new.{col}); END")
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # the rows already there


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, source, col in TRGM_INDEXES:
        op.create_index(name, source, [col], unique=False, postgresql_using="gin",
                        postgresql_ops={col: "gin_trgm_ops"})


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for fts, _, _ in FTS_TABLES:
            for suffix in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
        return
    for name, source, _ in TRGM_INDEXES:
        op.drop_index(name, table_name=source)
    # The extension stays: dropping it could break anything else in the database that came to use it.
