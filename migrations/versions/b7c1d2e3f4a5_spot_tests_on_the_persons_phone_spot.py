"""spot tests on the tested person's phone: a one-time link (hashed), the phone holding it,
the exam client's save counter (branch spot)

Revision ID: b7c1d2e3f4a5
Revises: e4db48e0aaab
Create Date: 2026-12-05 21:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c1d2e3f4a5'
down_revision = 'e4db48e0aaab'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reg_spot_tests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('link_expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('link_opened_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('device_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('saved_seq', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_reg_spot_tests_link_hash'), ['link_hash'])


def downgrade():
    with op.batch_alter_table('reg_spot_tests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_reg_spot_tests_link_hash'), type_='unique')
        batch_op.drop_column('saved_seq')
        batch_op.drop_column('device_hash')
        batch_op.drop_column('link_opened_at')
        batch_op.drop_column('link_expires_at')
        batch_op.drop_column('link_hash')
