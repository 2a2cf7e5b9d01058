"""exam sessions have an owning unit and the region of their site

So that a sitting can be asked who may see it: the scheduling reviewers' unit owns it, and
regulators see it when their jurisdiction contains the exam site's region.

Existing sittings: the owner is the creator's unit (a reviewer assignment first), the region
that unit's region, else the province (the root region).

Revision ID: e4133b3e618f
Revises: 7a1c2e9d4b10
Create Date: 2026-12-04 14:30:02.211556

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4133b3e618f'
down_revision = '7a1c2e9d4b10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exam_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('region_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_exam_sessions_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_sessions_region_id'), ['region_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_exam_sessions_organisation_id_organisations'), 'organisations', ['organisation_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_exam_sessions_region_id_regions'), 'regions', ['region_id'], ['id'])

    op.execute(
        "UPDATE exam_sessions SET organisation_id = ("
        " SELECT ra.organisation_id FROM role_assignments ra"
        " WHERE ra.user_id = exam_sessions.created_by_id AND ra.organisation_id IS NOT NULL"
        " ORDER BY CASE WHEN ra.role = 'reviewer' THEN 0 ELSE 1 END, ra.id LIMIT 1)")
    op.execute(
        "UPDATE exam_sessions SET region_id = COALESCE("
        " (SELECT o.region_id FROM organisations o WHERE o.id = exam_sessions.organisation_id),"
        " (SELECT r.id FROM regions r WHERE r.parent_id IS NULL ORDER BY r.id LIMIT 1))")

    with op.batch_alter_table('exam_sessions', schema=None) as batch_op:
        batch_op.alter_column('region_id', existing_type=sa.Integer(), nullable=False)


def downgrade():
    with op.batch_alter_table('exam_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_exam_sessions_region_id_regions'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_exam_sessions_organisation_id_organisations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_exam_sessions_region_id'))
        batch_op.drop_index(batch_op.f('ix_exam_sessions_organisation_id'))
        batch_op.drop_column('region_id')
        batch_op.drop_column('organisation_id')
