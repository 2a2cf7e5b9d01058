"""learning: online lessons with verified study time, warning-education films and their
assignment to mines, viewings; online hour credits; uploads for purposes other than recordings

Revision ID: c5e8a1f3b7d2
Revises: f1a2b3c4d5e6
Create Date: 2026-12-06 01:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5e8a1f3b7d2'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None


def _video_columns():
    return [
        sa.Column('video_key', sa.String(length=80), nullable=True),
        sa.Column('video_sha256', sa.String(length=64), nullable=True),
        sa.Column('video_bytes', sa.BigInteger(), nullable=True),
        sa.Column('duration_s', sa.Float(), nullable=True),
        sa.Column('width', sa.Integer(), nullable=True),
        sa.Column('height', sa.Integer(), nullable=True),
    ]


def upgrade():
    op.create_table('ln_lessons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    *_video_columns(),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_ln_lessons_course_id_training_courses')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ln_lessons_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ln_lessons'))
    )
    with op.batch_alter_table('ln_lessons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ln_lessons_course_id'), ['course_id'], unique=False)

    op.create_table('ln_materials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('storage_key', sa.String(length=80), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['lesson_id'], ['ln_lessons.id'], name=op.f('fk_ln_materials_lesson_id_ln_lessons')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ln_materials_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ln_materials'))
    )
    with op.batch_alter_table('ln_materials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ln_materials_lesson_id'), ['lesson_id'], unique=False)

    op.create_table('ln_films',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('case_summary', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    *_video_columns(),
    sa.ForeignKeyConstraint(['owner_id'], ['organisations.id'], name=op.f('fk_ln_films_owner_id_organisations')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ln_films_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ln_films'))
    )
    with op.batch_alter_table('ln_films', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ln_films_owner_id'), ['owner_id'], unique=False)

    op.create_table('ln_film_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('film_id', sa.Integer(), nullable=False),
    sa.Column('mine_id', sa.Integer(), nullable=False),
    sa.Column('posts', sa.JSON(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['film_id'], ['ln_films.id'], name=op.f('fk_ln_film_assignments_film_id_ln_films')),
    sa.ForeignKeyConstraint(['mine_id'], ['organisations.id'], name=op.f('fk_ln_film_assignments_mine_id_organisations')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_ln_film_assignments_assigned_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ln_film_assignments'))
    )
    with op.batch_alter_table('ln_film_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ln_film_assignments_film_id'), ['film_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ln_film_assignments_mine_id'), ['mine_id'], unique=False)

    op.create_table('ln_viewings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.Integer(), nullable=True),
    sa.Column('film_id', sa.Integer(), nullable=True),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=True),
    sa.Column('position', sa.Float(), nullable=False),
    sa.Column('interaction_at', sa.DateTime(), nullable=True),
    sa.Column('idle_prompt', sa.Boolean(), nullable=False),
    sa.Column('pending_s', sa.Float(), nullable=False),
    sa.Column('credited_s', sa.Float(), nullable=False),
    sa.Column('check_at_s', sa.Float(), nullable=False),
    sa.Column('check_open_at', sa.DateTime(), nullable=True),
    sa.Column('check', sa.JSON(), nullable=True),
    sa.Column('checks_passed', sa.Integer(), nullable=False),
    sa.Column('checks_failed', sa.Integer(), nullable=False),
    sa.Column('refused', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('watched_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_ln_viewings_person_id_people')),
    sa.ForeignKeyConstraint(['lesson_id'], ['ln_lessons.id'], name=op.f('fk_ln_viewings_lesson_id_ln_lessons')),
    sa.ForeignKeyConstraint(['film_id'], ['ln_films.id'], name=op.f('fk_ln_viewings_film_id_ln_films')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ln_viewings')),
    sa.UniqueConstraint('person_id', 'lesson_id', name=op.f('uq_ln_viewings_person_id_lesson_id')),
    sa.UniqueConstraint('person_id', 'film_id', name=op.f('uq_ln_viewings_person_id_film_id'))
    )
    with op.batch_alter_table('ln_viewings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ln_viewings_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ln_viewings_lesson_id'), ['lesson_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ln_viewings_film_id'), ['film_id'], unique=False)

    with op.batch_alter_table('training_hour_credits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=10), nullable=False, server_default='classroom'))
        batch_op.add_column(sa.Column('viewing_id', sa.Integer(), nullable=True))
        batch_op.alter_column('attendance_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('lesson_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_training_hour_credits_viewing_id_ln_viewings'), 'ln_viewings', ['viewing_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_training_hour_credits_viewing_id_year'), ['viewing_id', 'year'])
        batch_op.create_index(batch_op.f('ix_training_hour_credits_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_hour_credits_viewing_id'), ['viewing_id'], unique=False)

    with op.batch_alter_table('pr_uploads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=60), nullable=True))
        batch_op.alter_column('starts_at', existing_type=sa.DateTime(), nullable=True)
        batch_op.alter_column('ends_at', existing_type=sa.DateTime(), nullable=True)


def downgrade():
    op.execute("DELETE FROM pr_uploads WHERE purpose IS NOT NULL")
    with op.batch_alter_table('pr_uploads', schema=None) as batch_op:
        batch_op.alter_column('ends_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column('starts_at', existing_type=sa.DateTime(), nullable=False)
        batch_op.drop_column('purpose')

    op.execute("DELETE FROM training_hour_credits WHERE source = 'online'")
    with op.batch_alter_table('training_hour_credits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_hour_credits_viewing_id'))
        batch_op.drop_index(batch_op.f('ix_training_hour_credits_source'))
        batch_op.drop_constraint(batch_op.f('uq_training_hour_credits_viewing_id_year'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_training_hour_credits_viewing_id_ln_viewings'), type_='foreignkey')
        batch_op.alter_column('lesson_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('attendance_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('viewing_id')
        batch_op.drop_column('source')

    for table in ('ln_viewings', 'ln_film_assignments', 'ln_films', 'ln_materials', 'ln_lessons'):
        op.drop_table(table)
