"""question files keep HTML answers, feedback, option order and an identity without ids

Answers and explanations may be sanitised HTML (images in answers, links in feedback); each
option may have its feedback, the question Moodle's combined feedback; ``shuffleanswers=false``
keeps the author's order; a question imported without an id is known by a fingerprint of its
content within its category. Existing versions are plain text, shuffled, without feedback.

Revision ID: 5e2d8c41a7b3
Revises: e4133b3e618f
Create Date: 2026-12-05 08:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e2d8c41a7b3'
down_revision = 'e4133b3e618f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('qb_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_qb_questions_fingerprint'), ['fingerprint'], unique=False)

    with op.batch_alter_table('qb_question_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('options_format', sa.String(length=10), nullable=False,
                                      server_default='text'))
        batch_op.add_column(sa.Column('explanation_format', sa.String(length=10), nullable=False,
                                      server_default='text'))
        batch_op.add_column(sa.Column('option_feedback', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('feedback', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('shuffle_options', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('qb_question_versions', schema=None) as batch_op:
        batch_op.drop_column('shuffle_options')
        batch_op.drop_column('feedback')
        batch_op.drop_column('option_feedback')
        batch_op.drop_column('explanation_format')
        batch_op.drop_column('options_format')

    with op.batch_alter_table('qb_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qb_questions_fingerprint'))
        batch_op.drop_column('fingerprint')
