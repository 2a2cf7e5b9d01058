"""learnfix: a viewing's last counted report (one video at a time per person); online hour
credits per viewing and day (each keeps the date it was earned), not per viewing and year

Revision ID: d8f2c6a4e1b3
Revises: a9c4e2d7f310
Create Date: 2026-12-06 02:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8f2c6a4e1b3'
down_revision = 'a9c4e2d7f310'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ln_viewings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('training_hour_credits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_training_hour_credits_viewing_id_year'), type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_training_hour_credits_viewing_id_earned_on'), ['viewing_id', 'earned_on']
        )


def downgrade():
    # A viewing's rows of one year become one again before the per-year key comes back: its
    # last row (the latest day) takes the year's sum, the others go.
    lasts = "SELECT MAX(id) FROM training_hour_credits WHERE viewing_id IS NOT NULL GROUP BY viewing_id, year"
    same = "o.viewing_id = training_hour_credits.viewing_id AND o.year = training_hour_credits.year"
    op.execute(
        f"UPDATE training_hour_credits SET tenths = (SELECT SUM(o.tenths) FROM training_hour_credits o"
        f" WHERE {same}) WHERE id IN ({lasts})"
    )
    op.execute(f"DELETE FROM training_hour_credits WHERE viewing_id IS NOT NULL AND id NOT IN ({lasts})")
    with op.batch_alter_table('training_hour_credits', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_training_hour_credits_viewing_id_earned_on'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_training_hour_credits_viewing_id_year'), ['viewing_id', 'year'])
    with op.batch_alter_table('ln_viewings', schema=None) as batch_op:
        batch_op.drop_column('counted_at')
