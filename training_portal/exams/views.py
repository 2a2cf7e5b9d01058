"""Exam pages: my exams and applying, the reviewers' queue, sessions and the room."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from question_bank import types as question_types
from question_bank.models import Blueprint as PaperBlueprint

from ..accounts.models import User
from ..core import storage
from ..core.db import db
from ..core.forms import ButtonForm
from ..core.i18n import from_local
from ..core.web import get_or_404, redraw_on_refusal, refuse, validated, xlsx_download
from ..organisations.models import Region, ReviewUnit
from ..people import operations as people_ops
from ..people.models import OperationType, PersonnelCategory
from . import appeals as appeal_ops
from . import applications as app_ops
from . import attempts as attempt_ops
from . import evidence, validity
from . import identity as identity_ops
from . import practical as practical_ops
from . import report as report_ops
from . import sessions as session_ops
from .api import room_json
from .applications import ExamError
from .forms import (
    AppealDecisionForm,
    AppealForm,
    ApplicationForm,
    BulkTimeForm,
    FrameForm,
    IdentityDecisionForm,
    PracticalForm,
    ProctorForm,
    ReviewForm,
    RoomActionForm,
    ScoreForm,
    SeatForm,
    SessionForm,
    SignForm,
    ThirdExaminerForm,
)
from .models import (
    ApplicationStatus,
    ExamAppeal,
    ExamApplication,
    ExamAttempt,
    ExamSession,
    PracticalExam,
    PracticalStatus,
)

bp = Blueprint("exams", __name__, template_folder="templates")


@bp.get("/exams/")
@login_required
def mine():
    return render_template("exams/mine.html", **_mine_page())


def _applicant_person(form: ApplicationForm):
    """Trainees apply for themselves; a center's staff for its trainees and a mine's officer for
    its employees, by identity number. A number of nobody and a number of somebody else's
    candidate get the same answer."""
    if form.id_number.data:
        if not current_user.holds("exam.apply_for"):
            refuse(403, _("Only training centers and mines apply on a candidate's behalf."))
        person = people_ops.find_by_id_number(form.id_number.data)
        if person is None or not app_ops.may_apply_for(current_user, person):
            raise ExamError(app_ops.NOT_YOUR_CANDIDATE, field="id_number")
        return person
    if current_user.person is None:
        raise ExamError(_("Give the candidate's identity number."), field="id_number")
    return current_user.person


@bp.route("/exams/apply", methods=["GET", "POST"])
@login_required
def apply():
    form = ApplicationForm()
    if not form.is_submitted():
        return render_template("exams/apply.html", form=form)
    redraw_on_refusal("exams/apply.html", form)
    validated(form)
    person = _applicant_person(form)
    files = {}
    for kind in ("appointment_document", "diploma"):
        upload = getattr(form, kind).data
        if upload:
            files[kind] = evidence.store(upload.read(evidence.MAX_BYTES + 1))
    # The operation asks again who may apply for whom, and records the center applied through.
    application = app_ops.submit_application(
        person,
        PersonnelCategory(form.category.data),
        actor=current_user,
        operation_type=OperationType(form.operation_type.data) if form.operation_type.data else None,
        work_history=form.work_history.data or "",
        evidence=files,
    )
    return redirect(url_for("exams.application", application_id=application.id))


def _application_visible(application: ExamApplication) -> None:
    if not application.can_view(current_user):
        refuse(403, _("This application is outside what you may see."))


@bp.route("/exams/applications/<int:application_id>", methods=["GET", "POST"])
@login_required
def application(application_id: int):
    item = get_or_404(ExamApplication, application_id, _("No such application."))
    _application_visible(item)
    form = ReviewForm()
    unit = app_ops.reviewer_unit(current_user)
    may_review = (
        unit is not None
        and item.status is ApplicationStatus.SUBMITTED
        and item.review_by(unit[0]) is None
        and app_ops.conflict_of_interest(item, current_user) is None
    )
    if request.method == "POST":
        if not item.can_review(current_user):
            refuse(403, _("Only reviewers review applications."))
        redraw_on_refusal("exams/application.html", form, item=item, may_review=may_review)
        validated(form)
        app_ops.review_application(
            item,
            reviewer=current_user,
            approve=form.decision.data == "approve",
            reason=form.reason.data or "",
        )
        return redirect(url_for("exams.reviews"))
    return render_template("exams/application.html", item=item, form=form, may_review=may_review)


@bp.get("/exams/applications/<int:application_id>/evidence/<kind>")
@login_required
def evidence_file(application_id: int, kind: str):
    item = get_or_404(ExamApplication, application_id, _("No such application."))
    _application_visible(item)
    key = (item.evidence or {}).get(kind)
    if key is None:
        refuse(404, _("No such file."))
    return storage.send(
        key,
        mimetype=evidence.media_type(key),
        as_attachment=True,
        download_name=f"application-{item.id}-{kind}{key[key.rindex('.') :]}",
    )


@bp.get("/exams/reviews")
@login_required
def reviews():
    if not current_user.holds("application.review"):
        refuse(403, _("Only reviewers review applications."))
    return render_template(
        "exams/reviews.html",
        pending=app_ops.pending_for(current_user),
        unit=app_ops.reviewer_unit(current_user),
    )


def _need_scheduler() -> None:
    if not current_user.holds("exam.schedule"):
        refuse(403, _("Only the reviewing units schedule exam sessions."))


def _visible_sessions():
    query = select(ExamSession).order_by(ExamSession.starts_at.desc())
    return [s for s in db.session.scalars(query) if s.can_view(current_user)]


@bp.get("/exams/sessions")
@login_required
def sessions():
    if not (
        current_user.holds("exam.schedule")
        or current_user.holds("exam.proctor")
        or current_user.holds("exam.results")
    ):
        refuse(403, _("Your roles do not include exam sessions."))
    return render_template(
        "exams/sessions.html", sessions=_visible_sessions(), can_schedule=current_user.holds("exam.schedule")
    )


@bp.route("/exams/sessions/new", methods=["GET", "POST"])
@login_required
def new_session():
    _need_scheduler()
    form = SessionForm()
    blueprints = db.session.scalars(
        select(PaperBlueprint).where(PaperBlueprint.purpose == "exam").order_by(PaperBlueprint.name)
    ).all()
    form.blueprint_id.choices = [(b.id, b.name) for b in blueprints]
    # The exam site's region, chosen by whoever schedules (they know where the site is); the
    # owning unit's own region (the province, for the two reviewing units) is the default.
    regions = db.session.scalars(select(Region).order_by(Region.path)).all()
    form.region_id.choices = [(r.id, r.full_name) for r in regions]
    unit = app_ops.reviewer_unit(current_user)
    if not form.is_submitted() and unit is not None:
        form.region_id.data = unit[1].region_id
    if not form.is_submitted():
        return render_template("exams/session_new.html", form=form)
    redraw_on_refusal("exams/session_new.html", form)
    validated(form)
    blueprint = db.session.get(PaperBlueprint, form.blueprint_id.data)
    region = db.session.get(Region, form.region_id.data) if form.region_id.data else None
    if blueprint is None:
        raise ExamError(_("Choose a blueprint."), field="blueprint_id")
    if region is None:
        raise ExamError(_("Choose the region of the exam site."), field="region_id")
    created = session_ops.create_session(
        name=form.name.data,
        site=form.site.data,
        room=form.room.data,
        starts_at=from_local(form.starts_at.data),
        category=PersonnelCategory(form.category.data),
        operation_type=OperationType(form.operation_type.data) if form.operation_type.data else None,
        blueprint=blueprint,
        seats=form.seats.data,
        actor=current_user,
        region=region,
    )
    return redirect(url_for("exams.session", session_id=created.id))


def _session_visible(session: ExamSession) -> None:
    if not session.can_view(current_user):
        refuse(403, _("This session is outside what you may see."))


def _session_page(item: ExamSession) -> dict:
    can_schedule = item.can_schedule(current_user)
    is_proctor = item.can_proctor(current_user)
    room = room_json(item) if is_proctor else session_ops.room_state(item)
    return dict(
        item=item,
        waiting=session_ops.waiting_for(item) if can_schedule else [],
        proctors=session_ops.proctor_choices() if can_schedule else [],
        room=room,
        room_json=room if is_proctor else None,
        is_proctor=is_proctor,
        can_schedule=can_schedule,
    )


@bp.get("/exams/sessions/<int:session_id>")
@login_required
def session(session_id: int):
    item = get_or_404(ExamSession, session_id, _("No such session."))
    _session_visible(item)
    return render_template("exams/session.html", **_session_page(item))


def _session_act(
    session_id: int, form, proctors_only: bool = False, schedulers_only: bool = False
) -> ExamSession:
    """The session, checked, with its form validated; a refusal redraws the session page
    with the message."""
    item = get_or_404(ExamSession, session_id, _("No such session."))
    _session_visible(item)
    if proctors_only and not item.can_proctor(current_user):
        refuse(403, _("Only the room's two proctors act in it."))
    if schedulers_only and not item.can_schedule(current_user):
        refuse(403, _("Only the reviewers of the unit that runs this session schedule it."))
    redraw_on_refusal(
        "exams/session.html", form, form_name="refused_form", context=lambda: _session_page(item)
    )
    validated(form)
    return item


def _back_to(item: ExamSession):
    return redirect(url_for("exams.session", session_id=item.id))


@bp.post("/exams/sessions/<int:session_id>/proctors")
@login_required
def assign_proctor(session_id: int):
    form = ProctorForm()
    item = _session_act(session_id, form, schedulers_only=True)
    user = get_or_404(User, form.user_id.data, _("No such account."))
    session_ops.assign_proctor(item, user, actor=current_user)
    return _back_to(item)


@bp.post("/exams/sessions/<int:session_id>/seats")
@login_required
def seat(session_id: int):
    form = SeatForm()
    item = _session_act(session_id, form, schedulers_only=True)
    application = get_or_404(ExamApplication, form.application_id.data, _("No such application."))
    session_ops.seat(item, application, actor=current_user)
    return _back_to(item)


@bp.post("/exams/sessions/<int:session_id>/open")
@login_required
def open_session(session_id: int):
    item = _session_act(session_id, ButtonForm(), proctors_only=True)
    session_ops.open_session(item, proctor=current_user)
    return _back_to(item)


@bp.post("/exams/sessions/<int:session_id>/sign")
@login_required
def sign(session_id: int):
    form = SignForm()
    item = _session_act(session_id, form, proctors_only=True)
    session_ops.sign(item, proctor=current_user, remarks=(form.remarks.data or "")[:2000])
    return _back_to(item)


@bp.post("/exams/sessions/<int:session_id>/start-all")
@login_required
def start_all(session_id: int):
    """统一开考: the seats whose identity is confirmed start together."""
    item = _session_act(session_id, ButtonForm(), proctors_only=True)
    session_ops.start_all(item, proctor=current_user)
    return _back_to(item)


@bp.post("/exams/sessions/<int:session_id>/add-time-all")
@login_required
def add_time_all(session_id: int):
    form = BulkTimeForm()
    item = _session_act(session_id, form, proctors_only=True)
    session_ops.add_time_all(item, proctor=current_user, minutes=form.minutes.data, reason=form.reason.data)
    return _back_to(item)


# Each act at a seat: (attempt, proctor, reason, minutes).
ROOM_ACTIONS = {
    "confirm": lambda a, u, r, m: session_ops.check_identity(a, proctor=u, confirm=True, reason=r),
    "refuse": lambda a, u, r, m: session_ops.check_identity(a, proctor=u, confirm=False, reason=r),
    "pause": lambda a, u, r, m: session_ops.pause(a, proctor=u, reason=r),
    "resume": lambda a, u, r, m: session_ops.resume(a, proctor=u),
    "add_time": lambda a, u, r, m: session_ops.add_time(a, proctor=u, minutes=m, reason=r),
    "irregularity": lambda a, u, r, m: session_ops.record_irregularity(a, proctor=u, reason=r),
    "terminate": lambda a, u, r, m: session_ops.terminate(a, proctor=u, reason=r),
    "allow_new_device": lambda a, u, r, m: session_ops.allow_new_device(a, proctor=u),
}


@bp.post("/exams/attempts/<int:attempt_id>/action")
@login_required
def room_action(attempt_id: int):
    attempt = get_or_404(ExamAttempt, attempt_id, _("No such seat."))
    if not attempt.session.can_proctor(current_user):
        refuse(403, _("Only the room's two proctors act in it."))
    form = RoomActionForm()
    session = attempt.session
    redraw_on_refusal(
        "exams/session.html",
        form,
        form_name="refused_form",
        context=lambda: _session_page(session),
        refused_seat=attempt.seat,
    )
    validated(form)
    ROOM_ACTIONS[form.action.data](attempt, current_user, form.reason.data or "", form.minutes.data or 0)
    # Back to the room with the seat's panel open: the proctor sees what the act changed.
    return redirect(url_for("exams.session", session_id=attempt.session_id, _anchor=f"seat-{attempt.id}"))


@bp.get("/exams/attempts/<int:attempt_id>/photo")
@login_required
def candidate_photo(attempt_id: int):
    """The photo on record, for the proctor checking identity at the seat."""
    attempt = get_or_404(ExamAttempt, attempt_id, _("No such seat."))
    if not attempt.session.can_proctor(current_user):
        refuse(403, _("Only the room's two proctors act in it."))
    if attempt.person.photo_key is None:
        refuse(404, _("No photo on record."))
    return storage.send(attempt.person.photo_key, mimetype="image/jpeg", max_age=0)


def _seat_for_proctor(attempt_id: int) -> ExamAttempt:
    attempt = get_or_404(ExamAttempt, attempt_id, _("No such seat."))
    if not attempt.session.can_proctor(current_user):
        refuse(403, _("Only the room's two proctors act in it."))
    return attempt


def _identity_page(attempt: ExamAttempt) -> dict:
    return dict(attempt=attempt, threshold=identity_ops.faces.threshold())


@bp.route("/exams/attempts/<int:attempt_id>/identity", methods=["GET", "POST"])
@login_required
def identity_check(attempt_id: int):
    """The check-in at a seat (验证身份): the photo on record, the camera's face compared with
    it on the server, and the proctor's decision."""
    attempt = _seat_for_proctor(attempt_id)
    form = IdentityDecisionForm()
    if request.method == "POST":
        redraw_on_refusal("exams/identity.html", form, context=lambda: _identity_page(attempt))
        validated(form)
        session_ops.check_identity(
            attempt,
            proctor=current_user,
            confirm=form.decision.data == "confirm",
            reason=(form.reason.data or "")[:2000],
        )
        return redirect(url_for("exams.identity_check", attempt_id=attempt.id))
    return render_template("exams/identity.html", form=form, **_identity_page(attempt))


@bp.post("/exams/attempts/<int:attempt_id>/identity/compare")
@login_required
def identity_compare(attempt_id: int):
    """JSON for the check-in page's script: the camera's frame against the photo on record."""
    attempt = _seat_for_proctor(attempt_id)
    form = FrameForm()
    validated(form)
    upload = form.frame.data
    if upload is None:
        refuse(422, _("The camera sent no picture."))
    result = identity_ops.compare(
        attempt, upload.read(identity_ops.MAX_FRAME_BYTES + 1), proctor=current_user
    )
    return {
        "distance": result.distance,
        "threshold": result.threshold,
        "similarity": result.similarity,
        "same_person": result.same_person,
        "verdict": _("Likely the same person") if result.same_person else _("Likely NOT the same person"),
    }


@bp.get("/exam/<int:attempt_id>")
@login_required
def client(attempt_id: int):
    """The exam client: a plain page and a small script that talks to the attempt API."""
    attempt = get_or_404(ExamAttempt, attempt_id, _("No such seat."))
    if current_user.person_id is None or attempt.person_id != current_user.person_id:
        refuse(404, _("No such seat."))  # as the API does: someone else's id reveals nothing
    return render_template(
        "exams/client.html",
        attempt=attempt,
        type_labels=question_types.labels(),
        duration_minutes=attempt_ops.duration_minutes(attempt),
        review=attempt_ops.review(attempt) if attempt.can_review(current_user) else None,
    )


def _practical_visible(item) -> None:
    if not item.can_view(current_user):
        refuse(403, _("This practical exam is outside what you may see."))


def _practicals_page() -> dict:
    schedule = current_user.holds("exam.schedule")
    items = practical_ops.visible_to(current_user)
    waiting = practical_ops.ready_for(current_user) if schedule else []
    ready = [(a, sitting) for a, sitting in waiting if not validity.expired(a)]
    stale = [(a, validity.expiry_reason(a)) for a, _ in waiting if validity.expired(a)]
    examiners = (
        [(u, session_ops.proctor_unit(u)[0]) for u in practical_ops.examiner_choices()] if schedule else []
    )
    # One examiner from each unit, preselected: what the policy asks by default.
    defaults = [next((u.id for u, unit in examiners if unit is wanted), None) for wanted in ReviewUnit]
    return dict(items=items, ready=ready, stale=stale, examiners=examiners, defaults=defaults)


@bp.route("/exams/practicals", methods=["GET", "POST"])
@login_required
def practicals():
    if not (current_user.holds("exam.schedule") or current_user.holds("exam.proctor")):
        refuse(403, _("Your roles do not include practical exams."))
    if request.method == "POST":
        _need_scheduler()
        form = PracticalForm()
        redraw_on_refusal("exams/practicals.html", form, form_name="create_form", context=_practicals_page)
        validated(form)
        written = get_or_404(ExamAttempt, form.attempt_id.data, _("No such seat."))
        if not written.session.can_schedule(current_user):
            refuse(403, _("Only the unit that owns the sitting schedules its practical exams."))
        examiners = [
            get_or_404(User, f.data, _("No such account.")) for f in (form.examiner1, form.examiner2)
        ]
        created = practical_ops.create(written, examiners, actor=current_user)
        return redirect(url_for("exams.practical", practical_id=created.id))
    return render_template("exams/practicals.html", **_practicals_page())


def _practical_page(item: PracticalExam) -> dict:
    mine = (
        next((e for e in item.examiners if e.user_id == current_user.id), None)
        if practical_ops.can_score(item, current_user)
        else None
    )
    can_schedule = item.written_attempt.session.can_schedule(current_user)
    # The same list add_third checks against: only the eligible are offered.
    choices = (
        practical_ops.third_examiner_choices(item)
        if can_schedule and item.status is PracticalStatus.NEEDS_THIRD
        else []
    )
    written = item.written_attempt
    return dict(
        item=item,
        expired=(
            validity.expiry_reason(written) if item.passed is None and validity.expired(written) else None
        ),
        mine=mine,
        scores=practical_ops.visible_scores(item, current_user),
        can_schedule=can_schedule,
        examiners=[(u, session_ops.proctor_unit(u)[0]) for u in choices],
    )


@bp.route("/exams/practicals/<int:practical_id>", methods=["GET", "POST"])
@login_required
def practical(practical_id: int):
    item = get_or_404(PracticalExam, practical_id, _("No such practical exam."))
    _practical_visible(item)
    if request.method == "POST":
        if not practical_ops.can_score(item, current_user):
            refuse(403, _("Only this exam's examiners score it."))
        form = ScoreForm()
        redraw_on_refusal(
            "exams/practical.html", form, form_name="score_form", context=lambda: _practical_page(item)
        )
        validated(form)
        practical_ops.score(item, examiner=current_user, item_scores=form.score.data)
        return redirect(url_for("exams.practical", practical_id=item.id))
    return render_template("exams/practical.html", **_practical_page(item))


@bp.post("/exams/practicals/<int:practical_id>/third")
@login_required
def practical_third(practical_id: int):
    item = get_or_404(PracticalExam, practical_id, _("No such practical exam."))
    if not item.written_attempt.session.can_schedule(current_user):
        refuse(403, _("Only the unit that owns the sitting schedules its practical exams."))
    form = ThirdExaminerForm()
    redraw_on_refusal(
        "exams/practical.html", form, form_name="third_form", context=lambda: _practical_page(item)
    )
    validated(form)
    examiner = get_or_404(User, form.examiner.data, _("No such account."))
    practical_ops.add_third(item, examiner, actor=current_user)
    return redirect(url_for("exams.practical", practical_id=item.id))


@bp.get("/exams/sessions/<int:session_id>/report")
@login_required
def sitting_report(session_id: int):
    item = get_or_404(ExamSession, session_id, _("No such session."))
    _session_visible(item)
    return render_template("exams/report.html", report=report_ops.build(item))


@bp.get("/exams/sessions/<int:session_id>/report.xlsx")
@login_required
def sitting_report_xlsx(session_id: int):
    item = get_or_404(ExamSession, session_id, _("No such session."))
    _session_visible(item)
    return xlsx_download(report_ops.to_xlsx(report_ops.build(item)), f"sitting-{item.id}.xlsx")


def _mine_page() -> dict:
    person = current_user.person
    applications = (
        db.session.scalars(
            select(ExamApplication)
            .where(ExamApplication.person_id == person.id)
            .order_by(ExamApplication.submitted_at.desc())
        ).all()
        if person
        else []
    )
    attempts = (
        db.session.scalars(
            select(ExamAttempt).where(ExamAttempt.person_id == person.id).order_by(ExamAttempt.id.desc())
        ).all()
        if person
        else []
    )
    # A passed written exam says until when it counts for the practical exam and the certificate.
    passes = {
        a.id: (validity.valid_until(a), validity.expiry_reason(a) if validity.expired(a) else None)
        for a in attempts
        if a.session.results_published and a.passed
    }
    return dict(applications=applications, attempts=attempts, passes=passes)


@bp.post("/exams/attempts/<int:attempt_id>/appeal")
@login_required
def appeal(attempt_id: int):
    attempt = get_or_404(ExamAttempt, attempt_id, _("No such seat."))
    if attempt.person_id != current_user.person_id:
        refuse(403, _("This is not your seat."))
    form = AppealForm()
    redraw_on_refusal(
        "exams/mine.html", form, form_name="appeal_form", context=_mine_page, refused=attempt.id
    )
    validated(form)
    appeal_ops.appeal(attempt, candidate=current_user, reason=(form.reason.data or "")[:4000])
    return redirect(url_for("exams.mine"))


def _appeals_page() -> dict:
    return dict(appeals=[a for a in appeal_ops.open_appeals() if a.can_decide(current_user)])


@bp.get("/exams/appeals")
@login_required
def appeals():
    if not current_user.holds("application.review"):
        refuse(403, _("Only reviewers review applications."))
    return render_template("exams/appeals.html", **_appeals_page())


@bp.post("/exams/appeals/<int:appeal_id>/decide")
@login_required
def decide_appeal(appeal_id: int):
    if not current_user.holds("application.review"):
        refuse(403, _("Only reviewers review applications."))
    item = get_or_404(ExamAppeal, appeal_id, _("No such appeal."))
    if not item.can_decide(current_user):
        refuse(403, _("Only reviewers review applications."))
    form = AppealDecisionForm()
    redraw_on_refusal(
        "exams/appeals.html", form, form_name="decide_form", context=_appeals_page, refused=item.id
    )
    validated(form)
    appeal_ops.decide(
        item,
        reviewer=current_user,
        upheld=form.decision.data == "uphold",
        reason=(form.reason.data or "")[:4000],
    )
    return redirect(url_for("exams.appeals"))
