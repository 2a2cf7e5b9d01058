"""regtrain: regulator officials' own training — the editable list of topics and what a course
for officials adds (its topic, its form, whether it is the year's 第一课)

The plan's topics to begin with (政治理论 for the 第一课, 隐蔽致灾因素普查, 应急救援, 水害, 瓦斯, 冲击地压,
new laws, big data and AI).

Revision ID: c3a7e91d2b40
Revises: f1a2b3c4d5e6
Create Date: 2026-12-06 01:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c3a7e91d2b40"
down_revision = "f1a2b3c4d5e6"
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


def downgrade():
    with op.batch_alter_table("staff_training_courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_training_courses_topic_id"))
    op.drop_table("staff_training_courses")
    op.drop_table("staff_training_topics")
