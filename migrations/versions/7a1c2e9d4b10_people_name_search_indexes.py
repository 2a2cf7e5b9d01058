"""people: name search indexes on PostgreSQL (character pairs, surname prefix)

A partial Chinese name is mostly two characters, too short for pg_trgm's trigrams; a GIN
index over the name's character pairs finds any two-character part, and a pattern index
serves the surname (one character) as a prefix. SQLite keeps its plain LIKE.

Revision ID: 7a1c2e9d4b10
Revises: 59bedfc83baf
Create Date: 2026-11-30 01:45:00

"""
from alembic import op

revision = "7a1c2e9d4b10"
down_revision = "59bedfc83baf"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION portal_bigrams(t text) RETURNS text[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
            SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}')
            FROM generate_series(1, char_length(t) - 1) AS i
        $$""")
    op.execute("CREATE INDEX ix_people_name_bigrams ON people USING gin (portal_bigrams(name))")
    op.execute("CREATE INDEX ix_people_name_prefix ON people (name text_pattern_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_people_name_prefix")
    op.execute("DROP INDEX ix_people_name_bigrams")
    op.execute("DROP FUNCTION portal_bigrams(text)")
