"""identity: the check-in's face comparison on the seat (branch identity)

Revision ID: b7d1e0c4a9f2
Revises: 3f8e2a61c0d7
Create Date: 2026-12-05 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d1e0c4a9f2'
down_revision = '3f8e2a61c0d7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_distance', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('identity_same_person', sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table('exam_attempts', schema=None) as batch_op:
        batch_op.drop_column('identity_same_person')
        batch_op.drop_column('identity_distance')
