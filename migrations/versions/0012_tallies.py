"""Member tallies per unit and the member's profile on each membership period, kept by triggers.

- `unit_status_tally` and `unit_entry_tally` (see unionadmin/core/members/tallies.py): counts
  by unit and status, and entries by unit and day, for `progress` and the dashboard.
- member (unit_id, search_name): name search within a small scope (members/search.py).
- PostgreSQL: a covering partial index for the scope's look-up of incoming transfers.
- `membership_period` gets indexes on its start and end dates (the flows of `changes`) and the
  member's gender, ethnicity, party membership and date of birth,
  so that `changes` computes the make-up of those at the end without joining a million members.

Both are derived data, maintained by the database itself so that no write path can forget them:
statement-level triggers with transition tables on PostgreSQL (one grouped upsert per statement,
so a bulk insert of 5,000 members costs one statement, not 5,000), row triggers on SQLite. The
upserts lock tally rows in key order, so concurrent writers wait for each other but never
deadlock on them. Existing data is counted at upgrade.

Revision ID: 0012_tallies
Revises: 0011_report_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_tallies'
down_revision = '0011_report_indexes'
branch_labels = None
depends_on = None

PROFILE = ('gender', 'ethnicity', 'party_member', 'date_of_birth')

PG_TALLY = """
CREATE OR REPLACE FUNCTION ua_member_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO unit_status_tally AS t (unit_id, status, n)
      SELECT unit_id, status, count(*) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (unit_id, status) DO UPDATE SET n = t.n + EXCLUDED.n;
    INSERT INTO unit_entry_tally AS t (unit_id, day, n)
      SELECT unit_id, CAST(created_at + INTERVAL '7 hours' AS DATE), count(*) FROM new_rows
      WHERE status <> 'rejected' GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (unit_id, day) DO UPDATE SET n = t.n + EXCLUDED.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO unit_status_tally AS t (unit_id, status, n)
      SELECT unit_id, status, -count(*) FROM old_rows GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (unit_id, status) DO UPDATE SET n = t.n + EXCLUDED.n;
    INSERT INTO unit_entry_tally AS t (unit_id, day, n)
      SELECT unit_id, CAST(created_at + INTERVAL '7 hours' AS DATE), -count(*) FROM old_rows
      WHERE status <> 'rejected' GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (unit_id, day) DO UPDATE SET n = t.n + EXCLUDED.n;
  ELSE
    INSERT INTO unit_status_tally AS t (unit_id, status, n)
      SELECT unit_id, status, sum(d) FROM (
        SELECT o.unit_id, o.status, -1 AS d FROM old_rows o JOIN new_rows w ON w.id = o.id
          WHERE o.unit_id <> w.unit_id OR o.status <> w.status
        UNION ALL
        SELECT w.unit_id, w.status, 1 FROM old_rows o JOIN new_rows w ON w.id = o.id
          WHERE o.unit_id <> w.unit_id OR o.status <> w.status) moved
      GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (unit_id, status) DO UPDATE SET n = t.n + EXCLUDED.n;
    INSERT INTO unit_entry_tally AS t (unit_id, day, n)
      SELECT unit_id, day, sum(d) FROM (
        SELECT o.unit_id, CAST(o.created_at + INTERVAL '7 hours' AS DATE) AS day, -1 AS d
          FROM old_rows o JOIN new_rows w ON w.id = o.id
          WHERE o.status <> 'rejected' AND (o.unit_id <> w.unit_id OR w.status = 'rejected')
        UNION ALL
        SELECT w.unit_id, CAST(w.created_at + INTERVAL '7 hours' AS DATE), 1
          FROM old_rows o JOIN new_rows w ON w.id = o.id
          WHERE w.status <> 'rejected' AND (o.unit_id <> w.unit_id OR o.status = 'rejected')) moved
      GROUP BY 1, 2 ORDER BY 1, 2
      ON CONFLICT (unit_id, day) DO UPDATE SET n = t.n + EXCLUDED.n;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER ua_member_tally_insert AFTER INSERT ON member
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ua_member_tally();
CREATE TRIGGER ua_member_tally_update AFTER UPDATE ON member
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ua_member_tally();
CREATE TRIGGER ua_member_tally_delete AFTER DELETE ON member
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ua_member_tally();

CREATE OR REPLACE FUNCTION ua_period_profile() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT m.gender, m.ethnicity, m.party_member, m.date_of_birth
    INTO NEW.gender, NEW.ethnicity, NEW.party_member, NEW.date_of_birth
    FROM member m WHERE m.id = NEW.member_id;
  RETURN NEW;
END $$;
CREATE TRIGGER ua_period_profile BEFORE INSERT OR UPDATE OF member_id ON membership_period
  FOR EACH ROW EXECUTE FUNCTION ua_period_profile();

CREATE OR REPLACE FUNCTION ua_member_profile() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE membership_period SET gender = NEW.gender, ethnicity = NEW.ethnicity,
    party_member = NEW.party_member, date_of_birth = NEW.date_of_birth
    WHERE member_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER ua_member_profile AFTER UPDATE OF gender, ethnicity, party_member, date_of_birth
  ON member FOR EACH ROW
  WHEN (OLD.gender IS DISTINCT FROM NEW.gender OR OLD.ethnicity IS DISTINCT FROM NEW.ethnicity
        OR OLD.party_member IS DISTINCT FROM NEW.party_member
        OR OLD.date_of_birth IS DISTINCT FROM NEW.date_of_birth)
  EXECUTE FUNCTION ua_member_profile();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS ua_member_tally_insert ON member;
DROP TRIGGER IF EXISTS ua_member_tally_update ON member;
DROP TRIGGER IF EXISTS ua_member_tally_delete ON member;
DROP TRIGGER IF EXISTS ua_member_profile ON member;
DROP TRIGGER IF EXISTS ua_period_profile ON membership_period;
DROP FUNCTION IF EXISTS ua_member_tally();
DROP FUNCTION IF EXISTS ua_member_profile();
DROP FUNCTION IF EXISTS ua_period_profile();
"""

_DAY = "date({}.created_at, '+7 hours')"


def _sqlite_bump(table: str, key: str, row: str, delta: str, where: str = "") -> str:
    value = f"{row}.status" if table == "unit_status_tally" else _DAY.format(row)
    guard = f"WHERE {where}" if where else "WHERE 1"
    return (f"INSERT INTO {table} (unit_id, {key}, n) SELECT {row}.unit_id, {value}, {delta} {guard} "
            f"ON CONFLICT (unit_id, {key}) DO UPDATE SET n = n + excluded.n;")


SQLITE_TRIGGERS = [
    "CREATE TRIGGER ua_member_tally_insert AFTER INSERT ON member BEGIN "
    + _sqlite_bump("unit_status_tally", "status", "NEW", "1")
    + _sqlite_bump("unit_entry_tally", "day", "NEW", "1", "NEW.status <> 'rejected'") + " END",
    "CREATE TRIGGER ua_member_tally_delete AFTER DELETE ON member BEGIN "
    + _sqlite_bump("unit_status_tally", "status", "OLD", "-1")
    + _sqlite_bump("unit_entry_tally", "day", "OLD", "-1", "OLD.status <> 'rejected'") + " END",
    "CREATE TRIGGER ua_member_tally_update AFTER UPDATE OF unit_id, status ON member "
    "WHEN OLD.unit_id IS NOT NEW.unit_id OR OLD.status IS NOT NEW.status BEGIN "
    + _sqlite_bump("unit_status_tally", "status", "OLD", "-1")
    + _sqlite_bump("unit_status_tally", "status", "NEW", "1")
    + _sqlite_bump("unit_entry_tally", "day", "OLD", "-1", "OLD.status <> 'rejected'")
    + _sqlite_bump("unit_entry_tally", "day", "NEW", "1", "NEW.status <> 'rejected'") + " END",
    "CREATE TRIGGER ua_period_profile AFTER INSERT ON membership_period BEGIN "
    "UPDATE membership_period SET (gender, ethnicity, party_member, date_of_birth) = "
    "(SELECT gender, ethnicity, party_member, date_of_birth FROM member WHERE id = NEW.member_id) "
    "WHERE id = NEW.id; END",
    "CREATE TRIGGER ua_member_profile AFTER UPDATE OF gender, ethnicity, party_member, date_of_birth "
    "ON member BEGIN UPDATE membership_period SET gender = NEW.gender, ethnicity = NEW.ethnicity, "
    "party_member = NEW.party_member, date_of_birth = NEW.date_of_birth "
    "WHERE member_id = NEW.id; END",
]
SQLITE_NAMES = ["ua_member_tally_insert", "ua_member_tally_delete", "ua_member_tally_update",
                "ua_period_profile", "ua_member_profile"]

PERIOD_COVER_OLD = ('membership_period (unit_id, start_date) '
                    'INCLUDE (end_date, start_kind, end_kind, member_id)')
PERIOD_COVER = ('membership_period (unit_id, start_date) INCLUDE (end_date, start_kind, end_kind, '
                'member_id, gender, ethnicity, party_member, date_of_birth)')


def upgrade():
    op.create_table(
        'unit_status_tally',
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('unit.id', name='fk_unit_status_tally_unit_id_unit'),
                  nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('unit_id', 'status', name='pk_unit_status_tally'),
    )
    op.create_table(
        'unit_entry_tally',
        sa.Column('unit_id', sa.Integer(), sa.ForeignKey('unit.id', name='fk_unit_entry_tally_unit_id_unit'),
                  nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('unit_id', 'day', name='pk_unit_entry_tally'),
    )
    op.create_index('ix_unit_entry_tally_day', 'unit_entry_tally', ['day', 'unit_id', 'n'])
    op.create_index('ix_member_unit_search', 'member', ['unit_id', 'search_name'])
    op.create_index('ix_period_start', 'membership_period', ['start_date', 'unit_id', 'start_kind'])
    op.create_index('ix_period_end', 'membership_period', ['end_date', 'unit_id', 'end_kind'])
    with op.batch_alter_table('membership_period') as batch:
        batch.add_column(sa.Column('gender', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('ethnicity', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('party_member', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('date_of_birth', sa.Date(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(PG_TALLY)
        op.execute('DROP INDEX IF EXISTS ixm_period_unit_cover')
        op.execute(f'CREATE INDEX ixm_period_unit_cover ON {PERIOD_COVER}')
        op.execute('CREATE INDEX IF NOT EXISTS ixm_period_transfer_starts ON membership_period '
                   "(start_date) WHERE start_kind IN ('transferred_in', 'moved')")
        # The scope's look-up of incoming transfers (scope.member_clause) on the index alone.
        op.execute('CREATE INDEX IF NOT EXISTS ixm_member_transfer_cover ON member '
                   "(transfer_to_unit_id, unit_id, id) WHERE status = 'transfer_pending'")
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    from unionadmin.core.members.tallies import copy_profiles, rebuild_members

    rebuild_members(bind)  # counts the existing members
    copy_profiles(bind)  # and copies their profiles onto their periods


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(PG_DROP)
        op.execute('DROP INDEX IF EXISTS ixm_period_transfer_starts')
        op.execute('DROP INDEX IF EXISTS ixm_member_transfer_cover')
        op.execute('DROP INDEX IF EXISTS ixm_period_unit_cover')
        op.execute(f'CREATE INDEX ixm_period_unit_cover ON {PERIOD_COVER_OLD}')
    else:
        for name in SQLITE_NAMES:
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
    with op.batch_alter_table('membership_period') as batch:
        for column in PROFILE:
            batch.drop_column(column)
    op.drop_index('ix_member_unit_search', table_name='member')
    op.drop_index('ix_period_end', table_name='membership_period')
    op.drop_index('ix_period_start', table_name='membership_period')
    op.drop_index('ix_unit_entry_tally_day', table_name='unit_entry_tally')
    op.drop_table('unit_entry_tally')
    op.drop_table('unit_status_tally')
