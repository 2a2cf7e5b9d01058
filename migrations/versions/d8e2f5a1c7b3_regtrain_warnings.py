"""regtrain: 警示教育 — accident bulletins forwarded to mines with a read receipt per mine, and
mines' warning-education days

Revision ID: d8e2f5a1c7b3
Revises: c3a7e91d2b40
Create Date: 2026-12-06 01:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d8e2f5a1c7b3"
down_revision = "c3a7e91d2b40"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "warning_bulletins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("lessons", sa.Text(), nullable=False),
        sa.Column("attachment_key", sa.String(length=80), nullable=True),
        sa.Column("attachment_name", sa.String(length=200), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["sent_by_id"], ["users.id"], name=op.f("fk_warning_bulletins_sent_by_id_users")),
        sa.ForeignKeyConstraint(["unit_id"], ["organisations.id"], name=op.f("fk_warning_bulletins_unit_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_bulletins")),
    )
    with op.batch_alter_table("warning_bulletins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warning_bulletins_unit_id"), ["unit_id"], unique=False)
    op.create_table(
        "warning_bulletin_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulletin_id", sa.Integer(), nullable=False),
        sa.Column("mine_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("read_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bulletin_id"], ["warning_bulletins.id"], name=op.f("fk_warning_bulletin_deliveries_bulletin_id_warning_bulletins")
        ),
        sa.ForeignKeyConstraint(
            ["mine_id"], ["organisations.id"], name=op.f("fk_warning_bulletin_deliveries_mine_id_organisations")
        ),
        sa.ForeignKeyConstraint(["read_by_id"], ["users.id"], name=op.f("fk_warning_bulletin_deliveries_read_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_bulletin_deliveries")),
        sa.UniqueConstraint("bulletin_id", "mine_id", name=op.f("uq_warning_bulletin_deliveries_bulletin_id_mine_id")),
    )
    with op.batch_alter_table("warning_bulletin_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warning_bulletin_deliveries_bulletin_id"), ["bulletin_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_warning_bulletin_deliveries_mine_id"), ["mine_id"], unique=False)
    op.create_table(
        "warning_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mine_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("theme", sa.String(length=200), nullable=False),
        sa.Column("attendance", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("evidence_key", sa.String(length=80), nullable=True),
        sa.Column("evidence_name", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mine_id"], ["organisations.id"], name=op.f("fk_warning_days_mine_id_organisations")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_warning_days_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warning_days")),
    )
    with op.batch_alter_table("warning_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warning_days_held_on"), ["held_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_warning_days_mine_id"), ["mine_id"], unique=False)


def downgrade():
    with op.batch_alter_table("warning_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_days_mine_id"))
        batch_op.drop_index(batch_op.f("ix_warning_days_held_on"))
    op.drop_table("warning_days")
    with op.batch_alter_table("warning_bulletin_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_bulletin_deliveries_mine_id"))
        batch_op.drop_index(batch_op.f("ix_warning_bulletin_deliveries_bulletin_id"))
    op.drop_table("warning_bulletin_deliveries")
    with op.batch_alter_table("warning_bulletins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warning_bulletins_unit_id"))
    op.drop_table("warning_bulletins")
