"""Officials' training pages: a unit head's list of officials (short of hours or missing the
第一课 first, with an Excel export), one official's record of a year, a course's topic and 第一课
flag, and the administrator's list of topics."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..core.db import db
from ..core.forms import choices
from ..core.i18n import local_today
from ..core.web import get_or_404, redraw_on_refusal, refuse, validated, xlsx_download
from ..core.xlsx import simple_table
from ..organisations.models import RegulatorUnit
from ..people.models import Person
from ..training.models import Course
from . import operations as ops
from . import records
from .forms import CourseProfileForm, TopicForm
from .models import StaffCourseForm, StaffTopic

bp = Blueprint("staff_training", __name__, url_prefix="/staff-training", template_folder="templates")


def _year() -> int:
    today = local_today()
    year = request.args.get("year", type=int) or today.year
    if not 2000 <= year <= today.year + 1:
        refuse(400, _("Choose a year between 2000 and next year."))
    return year


def _overseen_units() -> list[RegulatorUnit]:
    return [
        u
        for u in db.session.scalars(select(RegulatorUnit).order_by(RegulatorUnit.name))
        if current_user.can("staff_training.oversee", u)
    ]


def _officials_rows(year: int, *, short_only: bool) -> tuple[list[RegulatorUnit], list[records.OfficialYear]]:
    units, today = _overseen_units(), local_today()  # asked of each unit, with jurisdiction
    if not units:
        refuse(403, _("Regulators see the training of their units' officials."))
    people = records.officials_of(units, *records.year_span(year, today))  # those of the year
    rows = records.years_of(people, year, today)
    if short_only:
        rows = [r for r in rows if not r.complete]
    rows.sort(key=lambda r: (r.complete, -r.short, r.person.name))
    return units, rows


@bp.get("/officials")
@login_required
def officials():
    year = _year()
    short_only = request.args.get("short") == "1"
    units, rows = _officials_rows(year, short_only=short_only)
    return render_template(
        "staff_training/officials.html", rows=rows, units=units, year=year, short_only=short_only
    )


def _hours(tenths: int) -> int | float:
    """Tenths of a 学时 as a number a spreadsheet sums: ``36``, ``2.5``."""
    return tenths // 10 if tenths % 10 == 0 else tenths / 10


@bp.get("/officials.xlsx")
@login_required
def officials_export():
    year = _year()
    _units, rows = _officials_rows(year, short_only=request.args.get("short") == "1")
    header = [
        _("Name"),
        _("Unit"),
        _("第一课"),
        _("Hours done"),
        _("Hours required"),
        _("Short"),
        _("Missing"),
    ]
    data = simple_table(
        _("Officials' training %(year)d", year=year),
        header,
        (
            (
                r.person.name,
                "、".join(u.name for u in r.units),
                r.first_lesson.on.isoformat() if r.first_lesson else "",
                _hours(r.done),
                _hours(r.required),
                _hours(r.short),
                "；".join(r.missing),
            )
            for r in rows
        ),
    )
    return xlsx_download(data, f"officials-training-{year}.xlsx")


def can_see_record(person: Person, year: int) -> bool:
    """The official, and the regulators of a unit where they held the post in ``year``, or of a
    unit above it."""
    if current_user.person_id == person.id:
        return True
    posts = records.official_posts(person, *records.year_span(year, local_today()))
    return any(current_user.can("staff_training.oversee", p.organisation) for p in posts)


@bp.get("/officials/<int:official_id>")
@login_required
def record(official_id: int):
    year = _year()
    person = db.session.get(Person, official_id)
    # Access first, and one answer for no such person, no official and not yours: the page
    # must not tell who is an official to whoever may not see their record.
    if person is None or not records.official_posts(person) or not can_see_record(person, year):
        refuse(
            404,
            _(
                "No such official's training record (an official's record is for the official and "
                "the heads of their unit)."
            ),
        )
    (row,) = records.years_of([person], year, local_today())
    return render_template("staff_training/record.html", r=row, year=year, this_year=local_today().year)


@bp.get("/me")
@login_required
def me():
    if current_user.person is None or not records.official_posts(current_user.person):
        refuse(403, _("This account is not linked to a regulator official."))
    return redirect(url_for("staff_training.record", official_id=current_user.person_id))


# ----------------------------------------------------------------------------- a course's profile


def _profile_form(course: Course) -> CourseProfileForm:
    row = ops.profile(course)
    form = CourseProfileForm(
        topic_id=row.topic_id if row and row.topic_id else 0,
        form=row.form.value if row else StaffCourseForm.SEMINAR.value,
        first_lesson=row.first_lesson if row else False,
    )
    listed = ops.topics()
    if row and row.topic and row.topic not in listed:
        listed.append(row.topic)
    form.topic_id.choices = choices([(0, "—"), *((t.id, t.label) for t in listed)])
    return form


def course_profile(course: Course) -> dict | None:
    """What the course page shows of a course for officials (None for any other course)."""
    if not ops.for_officials(course):
        return None
    can_edit = course.can_manage(current_user)
    return {"row": ops.profile(course), "form": _profile_form(course) if can_edit else None}


@bp.post("/courses/<int:course_id>/profile")
@login_required
def set_profile(course_id: int):
    course = get_or_404(Course, course_id, _("No such course."))
    if not course.can_manage(current_user):
        refuse(403, _("Only the course's organiser sets its topic and 第一课."))
    form = _profile_form(course)
    validated(form)
    topic = db.session.get(StaffTopic, form.topic_id.data) if form.topic_id.data else None
    if form.topic_id.data and topic is None:
        raise ops.StaffTrainingError(_("No such topic."), field="topic_id")
    ops.set_profile(
        course, topic, StaffCourseForm(form.form.data), form.first_lesson.data, actor=current_user
    )
    return redirect(url_for("training.course", course_id=course.id))


# ----------------------------------------------------------------------------- topics (admin)


def _need_admin() -> None:
    if not current_user.can("policy.edit", None):
        refuse(403, _("Administrators only."))


def _topics_page() -> dict:
    return dict(rows=ops.topics(with_retired=True))


@bp.get("/topics")
@login_required
def topics():
    _need_admin()
    return render_template("staff_training/topics.html", **_topics_page())


@bp.post("/topics")
@login_required
def add_topic():
    _need_admin()
    form = TopicForm()
    redraw_on_refusal("staff_training/topics.html", form, form_name="add_form", context=_topics_page)
    validated(form)
    ops.add_topic(
        form.key.data or "", form.name.data, form.name_en.data or "", form.position.data, actor=current_user
    )
    return redirect(url_for("staff_training.topics"))


@bp.post("/topics/<int:topic_id>")
@login_required
def edit_topic(topic_id: int):
    _need_admin()
    row = get_or_404(StaffTopic, topic_id, _("No such topic."))
    form = TopicForm()
    redraw_on_refusal(
        "staff_training/topics.html", form, form_name="edit_form", context=_topics_page, refused=row.id
    )
    validated(form)
    ops.edit_topic(
        row,
        form.name.data,
        form.name_en.data or "",
        form.position.data,
        form.retired.data,
        actor=current_user,
    )
    return redirect(url_for("staff_training.topics"))
