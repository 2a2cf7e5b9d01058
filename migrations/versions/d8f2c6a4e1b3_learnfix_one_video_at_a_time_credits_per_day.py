"""learnfix: a viewing's last counted report (one video at a time per person)

Revision ID: d8f2c6a4e1b3
Revises: c3a7e91d2b40
Create Date: 2026-12-06 02:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8f2c6a4e1b3'
down_revision = 'c3a7e91d2b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ln_viewings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('counted_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('ln_viewings', schema=None) as batch_op:
        batch_op.drop_column('counted_at')
