"""Training pages: the course catalogue, a center's classes and rosters, a lesson's attendance
sheet with its video status and sign-in code, a trainee's "my training", the deficits list,
fatal accidents and degree upgrades."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..core import policy
from ..core.db import db, utcnow
from ..core.forms import choices
from ..core.i18n import from_local, local_today, local_zone
from ..core.permissions import Role
from ..core.web import get_or_404, redraw_on_refusal, refuse, validated, xlsx_download
from ..core.xlsx import simple_table
from ..organisations.models import Classroom, MineEnterprise, Organisation, RegulatorUnit, TrainingCenter
from ..people import operations as people_ops
from ..people.idcard import IdNumberError
from ..people.models import Education, OperationType, Person, PersonnelCategory, Post
from . import ledger
from . import operations as ops
from .forms import (
    AccidentForm,
    AttendanceForm,
    CheckInForm,
    ClassForm,
    CourseForm,
    EnrolForm,
    LessonForm,
    RosterForm,
    SpecialTrainingForm,
    UpgradeForm,
)
from .models import Course, CourseKind, EducationUpgrade, FatalAccident, Lesson, TrainingClass, hours_text

bp = Blueprint("training", __name__, url_prefix="/training", template_folder="templates")


@bp.app_template_filter("hours")
def _hours_filter(tenths: int) -> str:
    return hours_text(tenths)


def _managed_centers() -> list[TrainingCenter]:
    return [
        c
        for c in db.session.scalars(select(TrainingCenter).order_by(TrainingCenter.name))
        if current_user.can("training.manage", c)
    ]


def _organisers() -> list[Organisation]:
    """The centers, the mines (for their own people) and the regulator units (for their
    officials) whose courses the user runs."""
    mines, units = [], []
    roles = {a.role for a in current_user.assignments}
    if roles & {Role.MINE_OFFICER, Role.ADMIN}:
        mines = [
            m
            for m in db.session.scalars(select(MineEnterprise).order_by(MineEnterprise.name))
            if current_user.can("training.manage", m)
        ]
    if roles & {Role.REGULATOR, Role.ADMIN}:
        units = [
            u
            for u in db.session.scalars(select(RegulatorUnit).order_by(RegulatorUnit.name))
            if current_user.can("staff_training.organise", u)
        ]
    return _managed_centers() + mines + units


def _parse_target(value: str) -> tuple[PersonnelCategory, OperationType | None]:
    category, _sep, kind = value.partition(":")
    return PersonnelCategory(category), OperationType(kind) if kind else None


def _parse_post(value: str) -> tuple[Post | None, OperationType | None]:
    if not value:
        return None, None
    post, _sep, kind = value.partition(":")
    return Post(post), OperationType(kind) if kind else None


# ----------------------------------------------------------------------------- courses


@bp.get("/courses")
@login_required
def courses():
    query = select(Course).order_by(Course.kind, Course.title)
    kind = request.args.get("kind", "")
    if kind in {k.value for k in CourseKind}:
        query = query.where(Course.kind == CourseKind(kind))
    category = request.args.get("category", "")
    rows = db.session.scalars(query).all()
    if category in {c.value for c in PersonnelCategory}:
        rows = [c for c in rows if any(t.category.value == category for t in c.targets)]
    rows = [c for c in rows if c.can_view(current_user)]
    return render_template(
        "training/courses.html",
        courses=rows,
        kind=kind,
        category=category,
        kinds=CourseKind,
        categories=PersonnelCategory,
        can_create=bool(_organisers()),
    )


def _modules(text: str) -> list[tuple[str, int]]:
    modules = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        title, sep, raw_hours = line.rpartition("|")
        if not sep or not title.strip():
            raise ops.TrainingError(
                _("Line %(n)d: write the module as “title | hours”.", n=number), field="modules"
            )
        try:
            modules.append((title.strip(), ops.parse_hours(raw_hours)))
        except ops.TrainingError as exc:
            raise ops.TrainingError(_("Line %(n)d: %(why)s", n=number, why=exc), field="modules") from None
    return modules


@bp.route("/courses/new", methods=["GET", "POST"])
@login_required
def new_course():
    centers = _organisers()
    if not centers:
        refuse(403, _("Only training-center staff, mine officers and regulators create courses."))
    form = CourseForm()
    form.center_id.choices = choices((c.id, c.name) for c in centers)
    if not form.is_submitted():
        return render_template("training/course_new.html", form=form)
    redraw_on_refusal("training/course_new.html", form)
    validated(form)
    center = next((c for c in centers if c.id == form.center_id.data), None)
    if center is None:
        refuse(403, _("Only the center's own staff create its courses."))
    course = ops.create_course(
        center,
        form.title.data,
        CourseKind(form.kind.data),
        targets=[_parse_target(v) for v in form.targets.data],
        modules=_modules(form.modules.data),
        actor=current_user,
        description=form.description.data or "",
    )
    return redirect(url_for("training.course", course_id=course.id))


def _course_page(course: Course) -> dict:
    return dict(
        course=course,
        can_manage=course.can_manage(current_user),
        can_mark_special=course.kind is CourseKind.SPECIAL
        and current_user.can("training.mark_special", course.center),
        classes=[c for c in course.classes if c.can_view(current_user)],
        # Its online lessons' page (learning.course) is for the organiser and the regulators.
        can_see_online=course.can_manage(current_user) or current_user.can("training.oversee", course.center),
    )


@bp.get("/courses/<int:course_id>")
@login_required
def course(course_id: int):
    course = get_or_404(Course, course_id, _("No such course."))
    if not course.can_view(current_user):
        refuse(403, _("A mine's courses are for its officer, its regulators and its trainees."))
    return render_template("training/course.html", **_course_page(course))


@bp.post("/courses/<int:course_id>/special-training")
@login_required
def mark_special_training(course_id: int):
    """A regulator makes a special course the year's special training of the 五职矿长 and
    主要负责人 (or of no year)."""
    course = get_or_404(Course, course_id, _("No such course."))
    if not current_user.can("training.mark_special", course.center):
        refuse(403, _("Regulators mark the year's special training of managers."))
    form = SpecialTrainingForm()
    redraw_on_refusal(
        "training/course.html", form, form_name="special_form", context=lambda: _course_page(course)
    )
    validated(form)
    ops.mark_special_training(course, form.year.data, actor=current_user)
    return redirect(url_for("training.course", course_id=course.id))


# ----------------------------------------------------------------------------- classes


@bp.get("/classes")
@login_required
def classes():
    if not (current_user.holds("training.manage") or current_user.holds("training.oversee")):
        refuse(403, _("Your roles do not include training classes."))
    rows = [
        c
        for c in db.session.scalars(
            select(TrainingClass).order_by(TrainingClass.starts_on.desc()).limit(1000)
        )
        if c.can_view(current_user)
    ]
    return render_template("training/classes.html", classes=rows)


def _class_form(course: Course) -> ClassForm:
    form = ClassForm()
    rooms = db.session.scalars(
        select(Classroom).where(Classroom.center_id == course.center_id).order_by(Classroom.name)
    ).all()
    form.classroom_id.choices = choices((r.id, r.name) for r in rooms)
    return form


@bp.route("/courses/<int:course_id>/classes/new", methods=["GET", "POST"])
@login_required
def new_class(course_id: int):
    course = get_or_404(Course, course_id, _("No such course."))
    if not course.can_manage(current_user):
        refuse(403, _("Only the center's own staff run its classes."))
    form = _class_form(course)
    if course.held_outside_classroom:
        del form.classroom_id  # held at the mine or the regulator unit
    if not form.is_submitted():
        return render_template("training/class_new.html", form=form, course=course)
    redraw_on_refusal("training/class_new.html", form, course=course)
    validated(form)
    classroom = None
    if not course.held_outside_classroom:
        classroom = db.session.get(Classroom, form.classroom_id.data)
        if classroom is None:
            raise ops.TrainingError(_("No such classroom."), field="classroom_id")
    training_class = ops.create_class(
        course, classroom, form.name.data, form.starts_on.data, form.ends_on.data, actor=current_user
    )
    return redirect(url_for("training.class_detail", class_id=training_class.id))


def _class_or_error(class_id: int, *, manage: bool = False) -> TrainingClass:
    training_class = get_or_404(TrainingClass, class_id, _("No such class."))
    if manage and not training_class.can_manage(current_user):
        refuse(403, _("Only the center's own staff run its classes."))
    if not training_class.can_view(current_user):
        refuse(403, _("This class is outside what you may see."))
    return training_class


def _lesson_form(training_class: TrainingClass) -> LessonForm:
    form = LessonForm(prefix="lesson")
    form.module_id.choices = choices(
        [
            (0, "—"),
            *((m.id, f"{m.title} ({hours_text(m.hours_tenths)})") for m in training_class.course.modules),
        ]
    )
    return form


def _class_context(
    training_class: TrainingClass, *, enrol_form=None, roster_form=None, lesson_form=None, roster_result=None
) -> dict:
    manage = training_class.can_manage(current_user)
    return dict(
        c=training_class,
        manage=manage,
        enrol_form=(enrol_form or EnrolForm(prefix="enrol")) if manage else None,
        roster_form=(roster_form or RosterForm(prefix="roster")) if manage else None,
        lesson_form=(lesson_form or _lesson_form(training_class)) if manage else None,
        roster_result=roster_result,
    )


def _class_page(training_class: TrainingClass, status: int = 200, **forms):
    return render_template("training/class.html", **_class_context(training_class, **forms)), status


def _redraw_class_page(training_class: TrainingClass, form, form_name: str) -> None:
    """A refusal of one of the class page's forms draws the page again with that form."""
    redraw_on_refusal(
        "training/class.html",
        form,
        form_name=form_name,
        context=lambda: _class_context(training_class, **{form_name: form}),
    )


@bp.get("/classes/<int:class_id>")
@login_required
def class_detail(class_id: int):
    return _class_page(_class_or_error(class_id))


@bp.post("/classes/<int:class_id>/enrol")
@login_required
def enrol(class_id: int):
    training_class = _class_or_error(class_id, manage=True)
    form = EnrolForm(prefix="enrol")
    _redraw_class_page(training_class, form, "enrol_form")
    validated(form)
    person = people_ops.find_by_id_number(form.id_number.data)
    if person is None:
        raise ops.TrainingError(
            _("No record for this identity number; import it with a roster."), field="id_number"
        )
    try:
        post, kind = _parse_post(form.post.data)
    except ValueError as exc:
        raise ops.TrainingError(str(exc), field="post") from None
    ops.enrol(training_class, person, actor=current_user, post=post, operation_type=kind)
    return redirect(url_for("training.class_detail", class_id=class_id))


@bp.post("/classes/<int:class_id>/roster")
@login_required
def import_roster(class_id: int):
    training_class = _class_or_error(class_id, manage=True)
    form = RosterForm(prefix="roster")
    if not form.validate_on_submit():
        return _class_page(training_class, 422, roster_form=form)
    upload = form.roster.data
    data = upload.read(5 * 1024 * 1024 + 1) if upload else b""
    if not data:
        form.roster.errors.append(_("Choose the roster file."))
        return _class_page(training_class, 422, roster_form=form)
    if len(data) > 5 * 1024 * 1024:
        form.roster.errors.append(_("The roster file is larger than 5 MB."))
        return _class_page(training_class, 422, roster_form=form)
    result = ops.import_roster(training_class, data, actor=current_user)
    if result.errors:
        return _class_page(training_class, 422, roster_form=form, roster_result=result)
    return _class_page(training_class, roster_result=result)


@bp.get("/roster-template.xlsx")
@login_required
def roster_template():
    data = simple_table("花名册", ops.ROSTER_COLUMNS, [("张三", "110101199003070011", "", "瓦斯检查作业")])
    return xlsx_download(data, "roster-template.xlsx")


@bp.post("/classes/<int:class_id>/lessons")
@login_required
def add_lesson(class_id: int):
    training_class = _class_or_error(class_id, manage=True)
    form = _lesson_form(training_class)
    _redraw_class_page(training_class, form, "lesson_form")
    validated(form)
    module = next((m for m in training_class.course.modules if m.id == form.module_id.data), None)
    ops.add_lesson(
        training_class,
        form.title.data,
        from_local(form.starts_at.data),
        from_local(form.ends_at.data),
        ops.parse_hours(form.hours.data),
        actor=current_user,
        module=module,
    )
    return redirect(url_for("training.class_detail", class_id=class_id))


# ----------------------------------------------------------------------------- attendance


def _lesson_or_error(lesson_id: int, *, manage: bool = False) -> Lesson:
    lesson = get_or_404(Lesson, lesson_id, _("No such lesson."))
    training_class = lesson.training_class
    if manage and not training_class.can_manage(current_user):
        refuse(403, _("Only the center's own staff mark attendance."))
    if not (
        training_class.can_manage(current_user) or current_user.can("training.oversee", training_class.center)
    ):
        refuse(403, _("This lesson is outside what you may see."))
    return lesson


def _sheet(lesson: Lesson) -> dict:
    signed = {a.person_id: a for a in lesson.attendance}
    rows = [(e, signed.get(e.person_id)) for e in lesson.training_class.enrolments]
    return dict(lesson=lesson, rows=rows, manage=lesson.training_class.can_manage(current_user), now=utcnow())


@bp.get("/lessons/<int:lesson_id>")
@login_required
def lesson(lesson_id: int):
    return render_template("training/lesson.html", **_sheet(_lesson_or_error(lesson_id)))


@bp.post("/lessons/<int:lesson_id>/attendance")
@login_required
def mark_attendance(lesson_id: int):
    lesson = _lesson_or_error(lesson_id, manage=True)
    form = AttendanceForm()
    redraw_on_refusal(
        "training/lesson.html", form, form_name="attendance_form", context=lambda: _sheet(lesson)
    )
    validated(form)
    if form.action.data == "out_all":
        ops.sign_out_everyone(lesson, actor=current_user)
    else:
        person = next(
            (e.person for e in lesson.training_class.enrolments if e.person_id == form.person_id.data), None
        )
        if person is None:
            raise ops.TrainingError(_("Choose a trainee on the roster."), field="person_id")
        at = from_local(form.at.data) if form.at.data else utcnow()
        (ops.sign_in if form.action.data == "in" else ops.sign_out)(lesson, person, at=at, actor=current_user)
    return redirect(url_for("training.lesson", lesson_id=lesson.id))


@bp.get("/lessons/<int:lesson_id>/code")
@login_required
def lesson_code_page(lesson_id: int):
    lesson = _lesson_or_error(lesson_id, manage=True)
    return render_template("training/code.html", lesson=lesson, code=ops.lesson_code(lesson, utcnow()))


@bp.get("/lessons/<int:lesson_id>/code.json")
@login_required
def lesson_code(lesson_id: int):
    lesson = _lesson_or_error(lesson_id, manage=True)
    now = utcnow()
    return jsonify(
        {
            "code": ops.lesson_code(lesson, now),
            "seconds_left": ops.CODE_SECONDS - int(now.timestamp()) % ops.CODE_SECONDS,
            "signed_in": len(lesson.attendance),
        }
    )


@bp.route("/check-in", methods=["GET", "POST"])
@login_required
def check_in():
    if current_user.person is None:
        refuse(403, _("This account is not linked to a person."))
    form = CheckInForm()
    if not form.is_submitted():
        return render_template("training/check_in.html", form=form, done=None)
    redraw_on_refusal("training/check_in.html", form, done=None)
    validated(form)
    try:
        done = ops.check_in_with_code(current_user.person, form.code.data)
    except ops.TrainingError as exc:
        exc.field = exc.field or "code"  # every refusal of a code is said beside it
        raise
    return render_template("training/check_in.html", form=form, done=done)


# ----------------------------------------------------------------------------- hours and what is due


@bp.get("/me")
@login_required
def me():
    person = current_user.person
    if person is None:
        refuse(403, _("This account is not linked to a person."))
    today = local_today()
    classes = db.session.scalars(
        select(TrainingClass)
        .where(TrainingClass.enrolments.any(person_id=person.id))
        .order_by(TrainingClass.starts_on.desc())
    ).all()
    return render_template(
        "training/me.html",
        person=person,
        hours=ledger.course_year_hours(person),
        lines=ledger.ledger(person, today),
        classes=classes,
        today=today,
        verified_only=ledger.verified_only(),
    )


@bp.get("/deficits")
@login_required
def deficits():
    if not current_user.holds("person.view_record"):
        refuse(403, _("Your roles do not include people's training."))
    today = local_today()
    year = request.args.get("year", type=int) or today.year
    if not 2000 <= year <= today.year + 1:
        refuse(400, _("Choose a year between 2000 and next year."))
    rows = ledger.deficits(people_ops.visible_people(current_user), year)
    return render_template("training/deficits.html", rows=rows, year=year, this_year=today.year)


@bp.get("/coverage")
@login_required
def coverage():
    """培训教室监控视频联网: per classroom, the share of this year's class hours that analysed
    video covers, against the policy's target; regulators see every center they oversee."""
    centers = [
        c
        for c in db.session.scalars(select(TrainingCenter).order_by(TrainingCenter.name))
        if current_user.can("training.manage", c) or current_user.can("training.oversee", c)
    ]
    if not centers:
        refuse(403, _("Your roles do not include classroom video coverage."))
    now = utcnow()
    year = request.args.get("year", type=int) or datetime.now(local_zone()).year
    if not 2000 <= year <= now.year + 1:
        refuse(400, _("Choose a year between 2000 and next year."))
    rows = [(center, ledger.coverage(center, year, now)) for center in centers]
    return render_template(
        "training/coverage.html",
        rows=rows,
        year=year,
        target=policy.get("classrooms.video_coverage_target_percent"),
    )


# ----------------------------------------------------------------------------- accidents, degrees


def _accident_form() -> AccidentForm:
    form = AccidentForm()
    mines = [
        m
        for m in db.session.scalars(select(MineEnterprise).order_by(MineEnterprise.name))
        if current_user.can("training.record_accident", m)
    ]
    form.mine_id.choices = choices((m.id, m.name) for m in mines)
    return form


@bp.route("/accidents", methods=["GET", "POST"])
@login_required
def accidents():
    if not current_user.holds("training.record_accident"):
        refuse(403, _("Only regulators record fatal accidents."))
    form = _accident_form()
    if not form.is_submitted():
        return render_template("training/accidents.html", form=form, rows=_accidents())
    redraw_on_refusal("training/accidents.html", form, context=lambda: {"rows": _accidents()})
    validated(form)
    mine = db.session.get(MineEnterprise, form.mine_id.data)
    if mine is None or not current_user.can("training.record_accident", mine):
        raise ops.TrainingError(_("Choose a mine in your jurisdiction."), field="mine_id")
    responsible, unknown = [], []
    for line in (form.responsible.data or "").split():
        try:
            person = people_ops.find_by_id_number(line)
        except IdNumberError:
            person = None
        (unknown if person is None else responsible).append(person or line)
    if unknown:  # every unknown number said beside the field, not only the first
        form.responsible.errors = [_("No record for %(n)s.", n=n) for n in unknown]
        raise ops.TrainingError(form.responsible.errors[0], field="responsible")
    ops.record_accident(
        mine, form.occurred_on.data, form.description.data, responsible=responsible, actor=current_user
    )
    return redirect(url_for("training.accidents"))


def _accidents() -> list[FatalAccident]:
    return [
        a
        for a in db.session.scalars(select(FatalAccident).order_by(FatalAccident.occurred_on.desc()))
        if current_user.can("training.record_accident", a.mine)
    ]


@bp.route("/people/<int:person_id>/education", methods=["GET", "POST"])
@login_required
def education(person_id: int):
    person = get_or_404(Person, person_id, _("No such person."))
    if not person.can_view_record(current_user):
        refuse(403, _("This person is outside your organisations."))
    can_edit = person.can_edit(current_user)
    form = UpgradeForm()

    def page() -> dict:
        rows = db.session.scalars(
            select(EducationUpgrade)
            .where(EducationUpgrade.person_id == person.id)
            .order_by(EducationUpgrade.completed_on)
        ).all()
        return dict(person=person, rows=rows, today=local_today())

    if request.method != "POST":
        return render_template("training/education.html", form=form if can_edit else None, **page())
    if not can_edit:
        refuse(403, _("Only the employer's safety officer records degree upgrades."))
    redraw_on_refusal("training/education.html", form, context=page)
    validated(form)
    upload = form.evidence.data
    evidence = upload.read(ops.EVIDENCE_MAX_BYTES + 1) if upload else b""
    ops.record_education_upgrade(
        person,
        Education(form.education.data),
        form.institution.data,
        form.completed_on.data,
        evidence,
        actor=current_user,
        field_of_study=form.field_of_study.data or "",
        mining_related=form.mining_related.data,
    )
    return redirect(url_for("training.education", person_id=person.id))
