"""线上学习 and 警示教育 pages: a course's online lessons and who studied them, the study page
on a phone, the film library, assigning a film to a mine's staff and the share who watched."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from ..core.db import db
from ..core.web import get_or_404, redraw_on_refusal, refuse, validated
from ..organisations.models import MineEnterprise, Organisation
from ..training.models import Course, Enrolment, TrainingClass
from . import operations as ops
from .forms import AssignForm, FilmForm, LessonForm, MaterialForm
from .models import FilmAssignment, LessonMaterial, OnlineLesson, Viewing, WarningFilm

bp = Blueprint("learning", __name__, url_prefix="/learning", template_folder="templates")


def _my_lessons() -> list[OnlineLesson]:
    if current_user.person_id is None:
        return []
    courses = (
        select(TrainingClass.course_id)
        .join(Enrolment, Enrolment.class_id == TrainingClass.id)
        .where(Enrolment.person_id == current_user.person_id)
    )
    return list(
        db.session.scalars(
            select(OnlineLesson)
            .where(OnlineLesson.course_id.in_(courses), OnlineLesson.video_key.is_not(None))
            .order_by(OnlineLesson.course_id, OnlineLesson.id)
        )
    )


def _my_films() -> list[tuple[WarningFilm, FilmAssignment]]:
    person = current_user.person
    if person is None:
        return []
    mines = {p.organisation_id for p in person.current_posts if p.organisation_id}
    assignments = db.session.scalars(
        select(FilmAssignment).where(FilmAssignment.mine_id.in_(mines)).order_by(FilmAssignment.due_on)
    )
    return [(a.film, a) for a in assignments if a.film.has_video and ops.in_assignment(a, person)]


def _courses_seen() -> list[Course]:
    """The courses whose online lessons the user runs (all of their units' courses) or
    oversees (those with online lessons, of organisers in their jurisdiction)."""
    own = [o.id for o in current_user.organisations()]
    with_lessons = select(OnlineLesson.course_id)
    query = (
        select(Course)
        .where(or_(Course.center_id.in_(own), Course.id.in_(with_lessons)))
        .order_by(Course.title)
    )
    return [
        c
        for c in db.session.scalars(query)
        if c.can_manage(current_user) or current_user.can("training.oversee", c.center)
    ]


def _film_owners() -> list[Organisation]:
    return [o for o in current_user.organisations() if current_user.can("learning.add_film", o)]


def _assignable_mines() -> list[MineEnterprise]:
    return [
        m
        for m in db.session.scalars(select(MineEnterprise).order_by(MineEnterprise.name))
        if current_user.can("learning.assign_film", m)
    ]


def _shares_seen() -> list[ops.Share]:
    """Assignments of the mines the user oversees or assigns to, with their share watched."""
    rows = db.session.scalars(select(FilmAssignment).order_by(FilmAssignment.assigned_at.desc()).limit(500))
    return [ops.share(a) for a in rows if a.can_view(current_user)]


def _in_library() -> bool:
    return bool(_film_owners() or _assignable_mines())


@bp.get("/")
@login_required
def index():
    return render_template(
        "learning/index.html",
        lessons=_my_lessons(),
        films=_my_films(),
        watched={
            v.film_id
            for v in db.session.scalars(
                select(Viewing).where(
                    Viewing.person_id == current_user.person_id, Viewing.watched_at.is_not(None)
                )
            )
        },
        courses=_courses_seen(),
        library=_in_library(),
    )


# ----------------------------------------------------------------------------- lessons


def _course_page(course: Course) -> dict:
    lessons = db.session.scalars(
        select(OnlineLesson).where(OnlineLesson.course_id == course.id).order_by(OnlineLesson.id)
    ).all()
    return {"course": course, "lessons": lessons, "may_manage": course.can_manage(current_user)}


@bp.get("/courses/<int:course_id>")
@login_required
def course(course_id: int):
    course = get_or_404(Course, course_id, _("No such course."))
    if not (course.can_manage(current_user) or current_user.can("training.oversee", course.center)):
        refuse(403, _("A course's online lessons are managed by its organiser and seen by its regulators."))
    return render_template("learning/course.html", form=LessonForm(), **_course_page(course))


@bp.post("/courses/<int:course_id>/lessons")
@login_required
def add_lesson(course_id: int):
    course = get_or_404(Course, course_id, _("No such course."))
    if not course.can_manage(current_user):
        refuse(403, _("Only the course's organiser adds its lessons."))
    form = LessonForm()
    redraw_on_refusal("learning/course.html", form, context=lambda: _course_page(course))
    validated(form)
    lesson = ops.add_lesson(course, form.title.data, actor=current_user)
    return redirect(url_for("learning.lesson", online_lesson_id=lesson.id), 303)


def _overseen_lesson(online_lesson_id: int) -> OnlineLesson:
    lesson = get_or_404(OnlineLesson, online_lesson_id, _("No such lesson."))
    if not lesson.can_oversee(current_user):
        refuse(403, _("A lesson's page is for its organiser and the regulators over it."))
    return lesson


def _lesson_page(lesson: OnlineLesson) -> dict:
    viewings = db.session.scalars(
        select(Viewing).where(Viewing.lesson_id == lesson.id).order_by(Viewing.credited_s.desc())
    ).all()
    return {
        "lesson": lesson,
        "viewings": viewings,
        "may_manage": lesson.can_manage(current_user),
        "chunk": current_app.config["RECORDING_CHUNK_BYTES"],
        "material_form": MaterialForm(),
        "reason_labels": reason_labels(),
    }


def reason_labels() -> dict[str, object]:
    """Why playback time was not counted (``playback``'s reasons, and a failed check)."""
    return {
        "paused": _l("paused"),
        "skipped": _l("skipped ahead"),
        "muted_hidden": _l("muted and hidden"),
        "too_fast": _l("too fast"),
        "parallel": _l("watching another video at the same time"),
        "idle": _l("idle"),
        "check_open": _l("check question open"),
        "check_missed": _l("check unanswered"),
        "check_failed": _l("wrong check answer"),
    }


@bp.get("/lessons/<int:online_lesson_id>")
@login_required
def lesson(online_lesson_id: int):
    return render_template("learning/lesson.html", **_lesson_page(_overseen_lesson(online_lesson_id)))


@bp.post("/lessons/<int:online_lesson_id>/materials")
@login_required
def add_material(online_lesson_id: int):
    lesson = _overseen_lesson(online_lesson_id)
    if not lesson.can_manage(current_user):
        refuse(403, _("Only the course's organiser adds its materials."))
    form = MaterialForm()
    redraw_on_refusal(
        "learning/lesson.html", form, form_name="material_form", context=lambda: _lesson_page(lesson)
    )
    validated(form)
    data = ops.read_material(form.file.data.stream)
    ops.add_material(lesson, form.title.data or "", form.file.data.filename or "", data, actor=current_user)
    return redirect(url_for("learning.lesson", online_lesson_id=lesson.id), 303)


def _may_see_lesson(lesson: OnlineLesson) -> bool:
    return lesson.can_study(current_user) or lesson.can_oversee(current_user)


@bp.get("/materials/<int:material_id>.pdf")
@login_required
def material(material_id: int):
    item = get_or_404(LessonMaterial, material_id, _("No such material."))
    if not _may_see_lesson(item.lesson):
        refuse(404, _("No such material."))
    return ops.storage.send(item.storage_key, mimetype="application/pdf", download_name=f"{item.title}.pdf")


@bp.get("/lessons/<int:online_lesson_id>/video")
@login_required
def lesson_video(online_lesson_id: int):
    lesson = get_or_404(OnlineLesson, online_lesson_id, _("No such lesson."))
    if not _may_see_lesson(lesson) or not lesson.has_video:
        refuse(404, _("No such lesson."))
    return ops.storage.send(lesson.video_key, mimetype="video/mp4", conditional=True, max_age=0)


@bp.get("/lessons/<int:online_lesson_id>/study")
@login_required
def study(online_lesson_id: int):
    lesson = get_or_404(OnlineLesson, online_lesson_id, _("No such lesson."))
    if not lesson.can_study(current_user) or not lesson.has_video:
        refuse(404, _("No such lesson."))
    return render_template(
        "learning/study.html",
        title=lesson.title,
        subtitle=lesson.course.title,
        materials=lesson.materials,
        target={"lesson_id": lesson.id},
        video_url=url_for("learning.lesson_video", online_lesson_id=lesson.id),
    )


# ----------------------------------------------------------------------------- films


@bp.get("/films/")
@login_required
def films():
    if not _in_library():
        refuse(403, _("The film library is for regulators, centers and mines' officers."))
    return render_template(
        "learning/films.html",
        films=db.session.scalars(select(WarningFilm).order_by(WarningFilm.created_at.desc())).all(),
        form=FilmForm(),
        may_add=bool(_film_owners()),
        shares=_shares_seen(),
    )


@bp.post("/films/")
@login_required
def add_film():
    owners = _film_owners()
    if not owners:
        refuse(403, _("Regulators and centers add films to the library."))
    form = FilmForm()
    redraw_on_refusal(
        "learning/films.html",
        form,
        context=lambda: {
            "films": db.session.scalars(select(WarningFilm).order_by(WarningFilm.created_at.desc())).all(),
            "may_add": True,
            "shares": _shares_seen(),
        },
    )
    validated(form)
    film = ops.add_film(owners[0], form.title.data, form.case_summary.data or "", actor=current_user)
    return redirect(url_for("learning.film", film_id=film.id), 303)


def _film_page(film: WarningFilm, form: AssignForm | None = None) -> dict:
    mines = _assignable_mines()
    return {
        "film": film,
        "may_manage": film.can_manage(current_user),
        "form": form or AssignForm(mines),
        "may_assign": bool(mines),
        "shares": [ops.share(a) for a in film.assignments if a.can_view(current_user)],
        "chunk": current_app.config["RECORDING_CHUNK_BYTES"],
    }


@bp.get("/films/<int:film_id>")
@login_required
def film(film_id: int):
    film = get_or_404(WarningFilm, film_id, _("No such film."))
    if not _in_library():
        refuse(403, _("The film library is for regulators, centers and mines' officers."))
    return render_template("learning/film.html", **_film_page(film))


@bp.post("/films/<int:film_id>/assign")
@login_required
def assign(film_id: int):
    film = get_or_404(WarningFilm, film_id, _("No such film."))
    mines = _assignable_mines()
    if not mines:
        refuse(403, _("Regulators and mines' officers assign films."))
    form = AssignForm(mines)
    redraw_on_refusal("learning/film.html", form, context=lambda: _film_page(film, form))
    validated(form)
    mine = get_or_404(MineEnterprise, form.mine.data, _("No such mine."))
    ops.assign_film(film, mine, posts=form.posts.data or [], due_on=form.due_on.data, actor=current_user)
    return redirect(url_for("learning.film", film_id=film.id), 303)


@bp.get("/assignments/<int:film_assignment_id>")
@login_required
def assignment(film_assignment_id: int):
    item = get_or_404(FilmAssignment, film_assignment_id, _("No such assignment."))
    if not item.can_view(current_user):
        refuse(403, _("An assignment is seen by its mine and the regulators over it."))
    return render_template("learning/assignment.html", share=ops.share(item))


@bp.get("/films/<int:film_id>/video")
@login_required
def film_video(film_id: int):
    film = get_or_404(WarningFilm, film_id, _("No such film."))
    if not film.has_video or not (ops.in_audience(film, current_user.person) or _in_library()):
        refuse(404, _("No such film."))
    return ops.storage.send(film.video_key, mimetype="video/mp4", conditional=True, max_age=0)


@bp.get("/films/<int:film_id>/watch")
@login_required
def watch(film_id: int):
    film = get_or_404(WarningFilm, film_id, _("No such film."))
    if not film.has_video or not ops.in_audience(film, current_user.person):
        refuse(404, _("No such film."))
    return render_template(
        "learning/study.html",
        title=film.title,
        subtitle=film.case_summary,
        materials=[],
        target={"film_id": film.id},
        video_url=url_for("learning.film_video", film_id=film.id),
    )
