"""certificates: an index on (person_id, category) that carries the validity columns, so that the
五职 compliance list reads whether a holder's certificate is in force from the index alone

Revision ID: a9c4e2d7f310
Revises: c3a7e91d2b40
Create Date: 2026-12-06 02:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a9c4e2d7f310'
down_revision = 'c3a7e91d2b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(
            'ix_certificates_person_validity',
            ['person_id', 'category'],
            unique=False,
            postgresql_include=['status', 'valid_until', 'next_review_on', 'suspended_until'],
        )


def downgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('ix_certificates_person_validity')
