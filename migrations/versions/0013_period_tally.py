"""Per-unit tallies of membership periods, kept by triggers, so that `changes` never reads a
province's million periods (unionadmin/core/members/tallies.py, reports/changes.py).

- `unit_period_tally` (unit): the periods open now (end_date empty) with their make-up (women,
  ethnic minorities, party members), and the periods ever started, by kind (admitted or
  transferred in); `unit_birth_tally` (unit, birth year): the periods open now, for those under
  35. Those at the end of any date are the open ones less the periods started after it plus
  those closed after it; the starts of a long report period are the ones ever started less those
  before and after it.
- membership_period (unit_id, date_of_birth) WHERE end_date IS NULL: the members born in the
  one birth year that straddles the under-35 cutoff, counted exactly.
- membership_period (unit_id, end_date) WHERE end_date IS NOT NULL: the periods a subtree closed
  after a date (covering on PostgreSQL).
- PostgreSQL: membership_period (start_date) and, for open periods, (date_of_birth), covering:
  a province reads the periods started after a date, or born in the cutoff year, as one range
  joined to its units instead of probing each of its 3,000 units; both tallies covered by an
  index, for index-only scans.

The triggers follow 0012: statement-level with transition tables on PostgreSQL (one grouped
upsert per statement, rows locked in key order), row triggers on SQLite. On PostgreSQL the
copy of a member's profile onto its periods becomes statement-level too (see PG_PROFILE: the
order in which tallies are locked). Existing periods are counted at upgrade.

Revision ID: 0013_period_tally
Revises: 0012_tallies
"""

import sqlalchemy as sa
from alembic import op

revision = '0013_period_tally'
down_revision = '0012_tallies'
branch_labels = None
depends_on = None

TRANSFER_STARTS = "('transferred_in', 'moved')"
PERIOD_COLUMNS = "unit_id, n, female, minority, party, admitted, transferred_in"


def _pg_signed(rows: str, sign: str) -> str:
    """One signed contribution per period row of the transition table `rows`."""
    return (
        f"SELECT {rows}.unit_id AS unit_id, "
        f"COALESCE(CAST(EXTRACT(YEAR FROM {rows}.date_of_birth) AS INTEGER), 0) AS birth_year, "
        f"{sign} * (CASE WHEN {rows}.end_date IS NULL THEN 1 ELSE 0 END) AS o, "
        f"CASE WHEN {rows}.gender = 'female' THEN 1 ELSE 0 END AS f, "
        f"CASE WHEN COALESCE({rows}.ethnicity, 'Kinh') <> 'Kinh' THEN 1 ELSE 0 END AS m, "
        f"CASE WHEN {rows}.party_member THEN 1 ELSE 0 END AS p, "
        f"{sign} * (CASE WHEN {rows}.start_kind IN {TRANSFER_STARTS} THEN 0 ELSE 1 END) AS a, "
        f"{sign} * (CASE WHEN {rows}.start_kind IN {TRANSFER_STARTS} THEN 1 ELSE 0 END) AS t")


# Rows are locked in key order (ORDER BY), so concurrent writers never deadlock on them.
_PG_UPSERT = (
    f"INSERT INTO unit_period_tally AS x ({PERIOD_COLUMNS}) "
    "SELECT unit_id, sum(o), sum(o * f), sum(o * m), sum(o * p), sum(a), sum(t) "
    "FROM ({rows}) d GROUP BY 1 ORDER BY 1 "
    "ON CONFLICT (unit_id) DO UPDATE SET n = x.n + EXCLUDED.n, "
    "female = x.female + EXCLUDED.female, minority = x.minority + EXCLUDED.minority, "
    "party = x.party + EXCLUDED.party, admitted = x.admitted + EXCLUDED.admitted, "
    "transferred_in = x.transferred_in + EXCLUDED.transferred_in;\n"
    "    INSERT INTO unit_birth_tally AS x (unit_id, birth_year, n) "
    "SELECT unit_id, birth_year, sum(o) FROM ({rows}) d GROUP BY 1, 2 HAVING sum(o) <> 0 ORDER BY 1, 2 "
    "ON CONFLICT (unit_id, birth_year) DO UPDATE SET n = x.n + EXCLUDED.n;")

# An update counts only where something the tallies read changed.
_PG_CHANGED = ("FROM old_rows JOIN new_rows ON new_rows.id = old_rows.id WHERE "
               "old_rows.unit_id <> new_rows.unit_id "
               "OR (old_rows.end_date IS NULL) <> (new_rows.end_date IS NULL) "
               "OR old_rows.start_kind IS DISTINCT FROM new_rows.start_kind "
               "OR old_rows.gender IS DISTINCT FROM new_rows.gender "
               "OR old_rows.ethnicity IS DISTINCT FROM new_rows.ethnicity "
               "OR old_rows.party_member IS DISTINCT FROM new_rows.party_member "
               "OR old_rows.date_of_birth IS DISTINCT FROM new_rows.date_of_birth")

PG_TRIGGERS = f"""
CREATE OR REPLACE FUNCTION ua_period_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_PG_UPSERT.format(rows=_pg_signed('new_rows', '1') + ' FROM new_rows')}
  ELSIF TG_OP = 'DELETE' THEN
    {_PG_UPSERT.format(rows=_pg_signed('old_rows', '-1') + ' FROM old_rows')}
  ELSE
    {_PG_UPSERT.format(rows=_pg_signed('old_rows', '-1') + ' ' + _PG_CHANGED + ' UNION ALL '
                       + _pg_signed('new_rows', '1') + ' ' + _PG_CHANGED)}
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER ua_period_tally_insert AFTER INSERT ON membership_period
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ua_period_tally();
CREATE TRIGGER ua_period_tally_update AFTER UPDATE ON membership_period
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ua_period_tally();
CREATE TRIGGER ua_period_tally_delete AFTER DELETE ON membership_period
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ua_period_tally();
"""

# The member's profile is copied onto its periods by a statement-level trigger (0012 had a row
# trigger): PostgreSQL fires a statement's AFTER triggers by name, so `ua_member_tally_update`
# locks its tally rows before this one's period update locks the period tallies, the order in
# which the services' own statements (member first, then its periods) take them. Writers
# therefore always lock member tallies before period tallies and cannot deadlock on them.
PG_PROFILE = """
CREATE OR REPLACE FUNCTION ua_member_profile_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE membership_period p SET gender = n.gender, ethnicity = n.ethnicity,
    party_member = n.party_member, date_of_birth = n.date_of_birth
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE p.member_id = n.id AND (o.gender IS DISTINCT FROM n.gender
      OR o.ethnicity IS DISTINCT FROM n.ethnicity OR o.party_member IS DISTINCT FROM n.party_member
      OR o.date_of_birth IS DISTINCT FROM n.date_of_birth);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS ua_member_profile ON member;
CREATE TRIGGER ua_member_update_profile AFTER UPDATE ON member
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION ua_member_profile_rows();
"""

PG_PROFILE_DROP = """
DROP TRIGGER IF EXISTS ua_member_update_profile ON member;
DROP FUNCTION IF EXISTS ua_member_profile_rows();
CREATE TRIGGER ua_member_profile AFTER UPDATE OF gender, ethnicity, party_member, date_of_birth
  ON member FOR EACH ROW
  WHEN (OLD.gender IS DISTINCT FROM NEW.gender OR OLD.ethnicity IS DISTINCT FROM NEW.ethnicity
        OR OLD.party_member IS DISTINCT FROM NEW.party_member
        OR OLD.date_of_birth IS DISTINCT FROM NEW.date_of_birth)
  EXECUTE FUNCTION ua_member_profile();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS ua_period_tally_insert ON membership_period;
DROP TRIGGER IF EXISTS ua_period_tally_update ON membership_period;
DROP TRIGGER IF EXISTS ua_period_tally_delete ON membership_period;
DROP FUNCTION IF EXISTS ua_period_tally();
"""


def _sqlite_bump(row: str, sign: str) -> str:
    open_ = f"(CASE WHEN {row}.end_date IS NULL THEN {sign} ELSE 0 END)"
    transfer = f"({row}.start_kind IN {TRANSFER_STARTS})"
    year = f"COALESCE(CAST(strftime('%Y', {row}.date_of_birth) AS INTEGER), 0)"
    return (
        f"INSERT INTO unit_period_tally ({PERIOD_COLUMNS}) SELECT {row}.unit_id, {open_}, "
        f"{open_} * COALESCE({row}.gender = 'female', 0), "
        f"{open_} * (COALESCE({row}.ethnicity, 'Kinh') <> 'Kinh'), "
        f"{open_} * (COALESCE({row}.party_member, 0) = 1), "
        f"{sign} * (NOT {transfer}), {sign} * {transfer} WHERE 1 "
        "ON CONFLICT (unit_id) DO UPDATE SET n = n + excluded.n, "
        "female = female + excluded.female, minority = minority + excluded.minority, "
        "party = party + excluded.party, admitted = admitted + excluded.admitted, "
        "transferred_in = transferred_in + excluded.transferred_in; "
        f"INSERT INTO unit_birth_tally (unit_id, birth_year, n) SELECT {row}.unit_id, {year}, {open_} "
        f"WHERE {row}.end_date IS NULL "
        "ON CONFLICT (unit_id, birth_year) DO UPDATE SET n = n + excluded.n;")


SQLITE_TRIGGERS = [
    "CREATE TRIGGER ua_period_tally_insert AFTER INSERT ON membership_period BEGIN "
    + _sqlite_bump("NEW", "1") + " END",
    "CREATE TRIGGER ua_period_tally_delete AFTER DELETE ON membership_period BEGIN "
    + _sqlite_bump("OLD", "-1") + " END",
    "CREATE TRIGGER ua_period_tally_update AFTER UPDATE OF unit_id, end_date, start_kind, gender, "
    "ethnicity, party_member, date_of_birth ON membership_period "
    "WHEN OLD.unit_id IS NOT NEW.unit_id OR (OLD.end_date IS NULL) <> (NEW.end_date IS NULL) "
    "OR OLD.start_kind IS NOT NEW.start_kind OR OLD.gender IS NOT NEW.gender "
    "OR OLD.ethnicity IS NOT NEW.ethnicity OR OLD.party_member IS NOT NEW.party_member "
    "OR OLD.date_of_birth IS NOT NEW.date_of_birth BEGIN "
    + _sqlite_bump("OLD", "-1") + " " + _sqlite_bump("NEW", "1") + " END",
]
SQLITE_NAMES = ["ua_period_tally_insert", "ua_period_tally_delete", "ua_period_tally_update"]

PROFILE = "gender, ethnicity, party_member, date_of_birth"


def upgrade():
    op.create_table(
        'unit_period_tally',
        sa.Column('unit_id', sa.Integer(),
                  sa.ForeignKey('unit.id', name='fk_unit_period_tally_unit_id_unit'), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False, server_default='0')
          for name in ('n', 'female', 'minority', 'party', 'admitted', 'transferred_in')),
        sa.PrimaryKeyConstraint('unit_id', name='pk_unit_period_tally'),
    )
    op.create_table(
        'unit_birth_tally',
        sa.Column('unit_id', sa.Integer(),
                  sa.ForeignKey('unit.id', name='fk_unit_birth_tally_unit_id_unit'), nullable=False),
        sa.Column('birth_year', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False, server_default='0'),
        sa.PrimaryKeyConstraint('unit_id', 'birth_year', name='pk_unit_birth_tally'),
    )
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute('CREATE INDEX ixm_period_open_birth ON membership_period (unit_id, date_of_birth) '
                   'WHERE end_date IS NULL')
        op.execute('CREATE INDEX ixm_period_unit_end ON membership_period (unit_id, end_date) '
                   f'INCLUDE (start_date, start_kind, end_kind, {PROFILE}) WHERE end_date IS NOT NULL')
        # A large subtree reads date ranges whole (a hash join with its units) instead of
        # probing each of its thousands of units.
        op.execute('CREATE INDEX ixm_period_start_cover ON membership_period (start_date) '
                   f'INCLUDE (unit_id, start_kind, end_date, {PROFILE})')
        op.execute('CREATE INDEX ixm_period_open_dob ON membership_period (date_of_birth) '
                   'INCLUDE (unit_id) WHERE end_date IS NULL')
        # The tallies of a province's units on their indexes alone (index-only scans), not
        # thousands of heap pages scattered over a nation's tally tables.
        op.execute('CREATE INDEX ixm_unit_period_cover ON unit_period_tally (unit_id) '
                   'INCLUDE (n, female, minority, party, admitted, transferred_in)')
        op.execute('CREATE INDEX ixm_unit_birth_cover ON unit_birth_tally (unit_id, birth_year) INCLUDE (n)')
        op.execute(PG_TRIGGERS)
        op.execute(PG_PROFILE)
    else:
        op.execute('CREATE INDEX ixm_period_open_birth ON membership_period (unit_id, date_of_birth) '
                   'WHERE end_date IS NULL')
        op.execute('CREATE INDEX ixm_period_unit_end ON membership_period (unit_id, end_date) '
                   'WHERE end_date IS NOT NULL')
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    from unionadmin.core.members.tallies import rebuild_periods

    rebuild_periods(bind)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute(PG_DROP)
        op.execute(PG_PROFILE_DROP)
    else:
        for name in SQLITE_NAMES:
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
    for name in ('ixm_period_start_cover', 'ixm_period_open_dob'):
        op.execute(f'DROP INDEX IF EXISTS {name}')
    op.execute('DROP INDEX IF EXISTS ixm_period_open_birth')
    op.execute('DROP INDEX IF EXISTS ixm_period_unit_end')
    op.drop_table('unit_birth_tally')
    op.drop_table('unit_period_tally')
