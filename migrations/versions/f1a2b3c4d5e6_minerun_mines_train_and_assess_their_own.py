"""minerun: a mine runs courses and classes of its own (a class with no classroom) and assesses
its team leaders and front-line workers

Revision ID: f1a2b3c4d5e6
Revises: b7d1e0c4a9f2
Create Date: 2026-12-05 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1a2b3c4d5e6'
down_revision = 'b7d1e0c4a9f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('training_classes', schema=None) as batch_op:
        batch_op.alter_column('classroom_id', existing_type=sa.Integer(), nullable=True)

    op.create_table('training_mine_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('mine_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('principal', 'safety_manager', 'special_operator', 'team_leader', 'frontline_worker', 'regulator_official', name='personnelcategory', native_enum=False, length=40), nullable=False),
    sa.Column('state', sa.Enum('pending', 'passed', 'failed', name='assessmentstate', native_enum=False, length=40), nullable=False),
    sa.Column('written_score', sa.Integer(), nullable=False),
    sa.Column('written_on', sa.Date(), nullable=False),
    sa.Column('written_by_id', sa.Integer(), nullable=False),
    sa.Column('practical_items', sa.JSON(), nullable=False),
    sa.Column('practical_score', sa.Integer(), nullable=True),
    sa.Column('practical_on', sa.Date(), nullable=True),
    sa.Column('practical_by_id', sa.Integer(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['mine_id'], ['organisations.id'], name=op.f('fk_training_mine_assessments_mine_id_organisations')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_training_mine_assessments_person_id_people')),
    sa.ForeignKeyConstraint(['practical_by_id'], ['users.id'], name=op.f('fk_training_mine_assessments_practical_by_id_users')),
    sa.ForeignKeyConstraint(['written_by_id'], ['users.id'], name=op.f('fk_training_mine_assessments_written_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_mine_assessments'))
    )
    with op.batch_alter_table('training_mine_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_mine_assessments_mine_id'), ['mine_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_mine_assessments_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('training_mine_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_mine_assessments_person_id'))
        batch_op.drop_index(batch_op.f('ix_training_mine_assessments_mine_id'))

    op.drop_table('training_mine_assessments')
    with op.batch_alter_table('training_classes', schema=None) as batch_op:
        batch_op.alter_column('classroom_id', existing_type=sa.Integer(), nullable=False)
