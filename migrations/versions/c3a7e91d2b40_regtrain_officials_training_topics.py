"""regtrain: regulator officials' own training — the editable list of topics and what a course
for officials adds (its topic, its form, whether it is the year's 第一课); 警示教育 — accident
bulletins forwarded to mines with a read receipt per mine, and mines' warning-education days

The plan's topics to begin with (政治理论 for the 第一课, 隐蔽致灾因素普查, 应急救援, 水害, 瓦斯, 冲击地压,
new laws, big data and AI).

Revision ID: c3a7e91d2b40
Revises: c5e8a1f3b7d2
Create Date: 2026-12-06 01:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c3a7e91d2b40"
down_revision = "c5e8a1f3b7d2"
branch_labels = None
depends_on = None

TOPICS = (
    ("political_theory", "政治理论（第一课）", "Political theory (the first lesson)"),
    ("hidden_hazards", "隐蔽致灾因素普查", "Survey of hidden disaster-causing factors"),
    ("emergency_rescue", "应急救援", "Emergency rescue"),
    ("water", "水害防治", "Water hazard control"),
    ("gas", "瓦斯防治", "Gas control"),
    ("rock_burst", "冲击地压防治", "Rock burst control"),
    ("new_laws", "新法律法规", "New laws and regulations"),
    ("big_data_ai", "大数据与人工智能", "Big data and AI"),
)


def upgrade():
    op.create_table(
        "staff_training_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_training_topics")),
        sa.UniqueConstraint("key", name=op.f("uq_staff_training_topics_key")),
    )
    topics = sa.table(
        "staff_training_topics",
        sa.column("key", sa.String),
        sa.column("name", sa.String),
        sa.column("name_en", sa.String),
        sa.column("position", sa.Integer),
        sa.column("retired", sa.Boolean),
    )
    op.bulk_insert(
        topics,
        [
            {"key": key, "name": name, "name_en": name_en, "position": n, "retired": False}
            for n, (key, name, name_en) in enumerate(TOPICS, start=1)
        ],
    )
    op.create_table(
        "staff_training_courses",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column(
            "form",
            sa.Enum("seminar", "lecture", "field", "other", name="staffcourseform", native_enum=False, length=40),
            nullable=False,
        ),
        sa.Column("first_lesson", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["training_courses.id"], name=op.f("fk_staff_training_courses_course_id_training_courses")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["staff_training_topics.id"], name=op.f("fk_staff_training_courses_topic_id_staff_training_topics")
        ),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_staff_training_courses")),
    )
    with op.batch_alter_table("staff_training_courses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_training_courses_topic_id"), ["topic_id"], unique=False)

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
    with op.batch_alter_table("staff_training_courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_training_courses_topic_id"))
    op.drop_table("staff_training_courses")
    op.drop_table("staff_training_topics")
