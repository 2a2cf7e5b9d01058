"""Pages of the question bank: questions, import and export, blueprints, statistics."""

from __future__ import annotations

import io

from flask import Blueprint as FlaskBlueprint
from flask import redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from training_portal.core.db import db
from training_portal.core.web import get_or_404, refuse

from . import access, assembly, formats
from . import operations as ops
from .data import QuestionData
from .formats.common import (
    LETTERS,
    UnknownAppliesTo,
    applies_to_codes,
    applies_to_error,
    applies_to_label,
    split_list,
)
from .forms import BlueprintForm, ImportForm, QuestionForm
from .models import Blueprint, ItemStatistic, Question, QuestionStatus, QuestionVersion

bp = FlaskBlueprint("questions", __name__, url_prefix="/questions", template_folder="templates")
PAGE_SIZE = 50


def _need(check, reason: str) -> None:
    if not check(current_user):
        refuse(403, reason)


def _question_or_404(question_id: int) -> Question:
    return get_or_404(Question, question_id, _("No such question."))


@bp.get("/")
@login_required
def index():
    _need(access.can_see, _("The question bank is kept by the reviewing units."))
    status = request.args.get("status", "")
    category = request.args.get("category", "").strip()
    page = max(request.args.get("page", 1, type=int), 1)
    query = select(Question, QuestionVersion).join(
        QuestionVersion, Question.current_version_id == QuestionVersion.id
    )
    if status in QuestionStatus._value2member_map_:
        query = query.where(Question.status == status)
    if category:
        query = query.where(
            (QuestionVersion.category == category)
            | QuestionVersion.category.startswith(category + "/", autoescape=True)
        )
    rows = db.session.execute(
        query.order_by(Question.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).all()
    counts = dict(db.session.execute(select(Question.status, func.count()).group_by(Question.status)).all())
    return render_template(
        "questions/index.html",
        rows=rows[:PAGE_SIZE],
        counts=counts,
        status=status,
        category=category,
        page=page,
        more=len(rows) > PAGE_SIZE,
        Status=QuestionStatus,
        can_edit=access.can_edit(current_user),
        can_review=access.can_review(current_user),
    )


@bp.get("/<int:question_id>")
@login_required
def detail(question_id: int):
    _need(access.can_see, _("The question bank is kept by the reviewing units."))
    question = _question_or_404(question_id)
    return render_template(
        "questions/detail.html",
        question=question,
        letters=LETTERS,
        can_edit=access.can_edit(current_user),
        can_review=access.can_review(current_user) and question.author_id != current_user.id,
    )


def _form_data(form: QuestionForm) -> QuestionData | None:
    options = [(getattr(form, f).data or "").strip() for f in QuestionForm.OPTION_FIELDS]
    while options and not options[-1]:
        options.pop()
    if form.type.data == "true_false" and not options:
        options = ["对", "错"]
    letters = form.answer.data.strip().upper()
    if form.type.data == "true_false" and letters in ("对", "错"):
        letters = "A" if letters == "对" else "B"
    if any(ch not in LETTERS[: len(options)] for ch in letters):
        form.answer.errors.append(_("The answer names an option that is not there."))
        return None
    try:
        applies_to = applies_to_codes(split_list(form.applies_to.data))
    except UnknownAppliesTo as exc:
        form.applies_to.errors.append(str(applies_to_error(exc.args[0])))
        return None
    return QuestionData(
        type=form.type.data,
        stem=form.stem.data,
        stem_format="html" if form.stem_is_html.data else "text",
        options=options,
        correct=sorted({LETTERS.index(ch) for ch in letters}),
        explanation=form.explanation.data or "",
        category=form.category.data or "",
        knowledge_point=form.knowledge_point.data or "",
        difficulty=form.difficulty.data,
        applies_to=applies_to,
        external_id=(form.external_id.data or "").strip(),
        points=form.points.data,
    )


def _keep_unshown(data: QuestionData, version) -> None:
    """What the form does not show stays as the file gave it: the formats, each option's
    feedback (while the options keep their number), the combined feedback, the option order."""
    data.options_format = version.options_format
    data.explanation_format = version.explanation_format
    if len(version.option_feedback or []) == len(data.options):
        data.option_feedback = list(version.option_feedback)
    data.feedback = dict(version.feedback or {})
    data.shuffle = version.shuffle_options


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    _need(access.can_edit, _("Only the bank's editors write questions."))
    form = QuestionForm()
    if form.validate_on_submit():
        data = _form_data(form)
        if data is not None:
            try:
                question = ops.create_question(data, actor=current_user)
            except ops.BankError as exc:
                form.form_errors.append(str(exc))
            else:
                return redirect(url_for("questions.detail", question_id=question.id))
    return render_template("questions/form.html", form=form, question=None), (
        422 if form.is_submitted() else 200
    )


@bp.route("/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit(question_id: int):
    _need(access.can_edit, _("Only the bank's editors write questions."))
    question = _question_or_404(question_id)
    form = QuestionForm()
    if not form.is_submitted():
        v = question.current_version
        form.process(
            data={
                "type": v.type,
                "stem": v.stem,
                "stem_is_html": v.stem_format == "html",
                "answer": "".join(LETTERS[i] for i in v.correct),
                "explanation": v.explanation,
                "category": v.category,
                "knowledge_point": v.knowledge_point,
                "difficulty": v.author_difficulty,
                "applies_to": "、".join(applies_to_label(c) for c in v.applies_to),
                "points": v.points,
                "external_id": question.external_id or "",
                **dict(zip(QuestionForm.OPTION_FIELDS, v.options, strict=False)),
            }
        )
    elif form.validate():
        data = _form_data(form)
        if data is not None:
            data.external_id = question.external_id or ""
            _keep_unshown(data, question.current_version)
            try:
                ops.edit_question(question, data, actor=current_user)
            except ops.BankError as exc:
                form.form_errors.append(str(exc))
            else:
                return redirect(url_for("questions.detail", question_id=question.id))
    return render_template("questions/form.html", form=form, question=question), (
        422 if form.is_submitted() else 200
    )


ACTIONS = {"approve", "reject", "activate", "retire"}


def _apply(question: Question, action: str, note: str) -> None:
    if action in ("approve", "reject"):
        _need(access.can_review, _("Only reviewers review questions."))
        ops.review_question(question, reviewer=current_user, approve=action == "approve", note=note)
    elif action == "activate":
        _need(access.can_edit, _("Only the bank's editors change a question's status."))
        ops.activate_question(question, actor=current_user)
    else:
        _need(access.can_edit, _("Only the bank's editors change a question's status."))
        ops.retire_question(question, actor=current_user)


@bp.post("/<int:question_id>/status")
@login_required
def change_status(question_id: int):
    _need(access.can_see, _("The question bank is kept by the reviewing units."))
    question = _question_or_404(question_id)
    action = request.form.get("action", "")
    if action not in ACTIONS:
        refuse(400, _("Unknown action."))
    try:
        _apply(question, action, request.form.get("note", ""))
    except ops.BankError as exc:
        refuse(409, exc)
    return redirect(url_for("questions.detail", question_id=question.id))


@bp.post("/bulk")
@login_required
def bulk():
    """One action on many questions; all or nothing."""
    _need(access.can_see, _("The question bank is kept by the reviewing units."))
    action = request.form.get("action", "")
    ids = request.form.getlist("ids", type=int)
    if action not in ACTIONS - {"reject"} or not ids:
        refuse(400, _("Choose questions and an action."))
    questions = db.session.scalars(select(Question).where(Question.id.in_(ids))).all()
    if len(questions) != len(set(ids)):
        refuse(404, _("No such question."))
    for question in questions:
        try:
            _apply(question, action, "")
        except ops.BankError as exc:
            refuse(409, _("Question %(id)s: %(reason)s", id=question.id, reason=exc))
    return redirect(
        request.form.get("back")
        if request.form.get("back", "").startswith("/questions")
        else url_for("questions.index")
    )


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_page():
    _need(access.can_edit, _("Only the bank's editors import questions."))
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        report = ops.import_questions(
            data, fmt=form.format.data, filename=upload.filename or "", actor=current_user
        )
        return render_template("questions/import.html", form=form, report=report), (200 if report.ok else 422)
    return render_template("questions/import.html", form=form, report=report), (
        422 if form.is_submitted() else 200
    )


@bp.get("/import/template.xlsx")
@login_required
def import_template():
    _need(access.can_edit, _("Only the bank's editors import questions."))
    return send_file(
        io.BytesIO(formats.excel.template()),
        as_attachment=True,
        download_name="question-bank-template.xlsx",
        mimetype=formats.MEDIA_TYPES["xlsx"],
    )


@bp.get("/export")
@login_required
def export():
    _need(access.can_edit, _("Only the bank's editors export questions."))
    fmt = request.args.get("format", "xlsx")
    if fmt not in formats.FORMATS:
        refuse(400, _("Unknown format."))
    category = request.args.get("category", "")
    questions = [ops.question_data(v, q.external_id) for q, v in ops.questions_in(category)]
    return send_file(
        io.BytesIO(formats.write(questions, fmt)),
        as_attachment=True,
        download_name="question-bank" + formats.FILE_SUFFIX[fmt],
        mimetype=formats.MEDIA_TYPES[fmt],
    )


@bp.get("/blueprints")
@login_required
def blueprints():
    _need(access.can_see, _("The question bank is kept by the reviewing units."))
    items = db.session.scalars(select(Blueprint).order_by(Blueprint.name)).all()
    return render_template(
        "questions/blueprints.html", blueprints=items, can_edit=access.can_edit(current_user)
    )


def _blueprint_or_404(blueprint_id: int) -> Blueprint:
    return get_or_404(Blueprint, blueprint_id, _("No such blueprint."))


def _sections(form: BlueprintForm) -> list[ops.SectionSpec]:
    rows = [entry.form for entry in form.sections]
    return [
        ops.SectionSpec(
            f.type.data, f.count.data, f.points.data, f.category.data or "", f.knowledge_point.data or ""
        )
        for f in rows
        if f.type.data and f.count.data and f.points.data
    ]


def _blueprint_page(form: BlueprintForm, blueprint: Blueprint | None, status: int = 200):
    pools = assembly.load_pools(blueprint) if blueprint is not None else []
    missing = assembly.explain(blueprint, assembly.shortfalls(pools)) if blueprint is not None else []
    return render_template(
        "questions/blueprint.html", form=form, blueprint=blueprint, pools=pools, shortfalls=missing
    ), status


@bp.route("/blueprints/new", methods=["GET", "POST"], defaults={"blueprint_id": None})
@bp.route("/blueprints/<int:blueprint_id>", methods=["GET", "POST"])
@login_required
def blueprint(blueprint_id: int | None):
    _need(access.can_see, _("The question bank is kept by the reviewing units."))
    existing = _blueprint_or_404(blueprint_id) if blueprint_id is not None else None
    form = BlueprintForm(obj=existing if request.method == "GET" else None)
    if request.method == "POST":
        _need(access.can_edit, _("Only the bank's editors build blueprints."))
        if form.validate_on_submit():
            try:
                saved = ops.save_blueprint(
                    existing,
                    name=form.name.data,
                    target=form.target.data.strip(),
                    purpose=form.purpose.data,
                    duration_minutes=form.duration_minutes.data,
                    target_facility=form.target_facility.data,
                    partial_credit=form.partial_credit.data,
                    sections=_sections(form),
                    actor=current_user,
                )
            except ops.BankError as exc:
                form.form_errors.append(str(exc))
            else:
                return redirect(url_for("questions.blueprint", blueprint_id=saved.id))
        return _blueprint_page(form, existing, 422)
    return _blueprint_page(form, existing)


@bp.get("/blueprints/<int:blueprint_id>/preview")
@login_required
def preview(blueprint_id: int):
    """A paper as a candidate would get it, with the answers, not stored."""
    _need(access.can_see, _("The question bank is kept by the reviewing units."))
    blueprint = _blueprint_or_404(blueprint_id)
    pools = assembly.load_pools(blueprint)
    missing = assembly.shortfalls(pools)
    if missing:
        return _blueprint_page(BlueprintForm(obj=blueprint), blueprint, 409)
    draw = assembly.assembler_for(blueprint, pools=pools).draw()
    versions = {
        v.id: v
        for v in db.session.scalars(
            select(QuestionVersion).where(QuestionVersion.id.in_([vid for _, vid, _ in draw.items]))
        )
    }
    items = [(versions[vid], points) for _, vid, points in draw.items]
    return render_template(
        "questions/preview.html",
        blueprint=blueprint,
        items=items,
        expected=draw.expected_score,
        letters=LETTERS,
    )


@bp.get("/statistics")
@login_required
def statistics():
    _need(access.can_see, _("The question bank is kept by the reviewing units."))
    rows = db.session.execute(
        select(ItemStatistic, QuestionVersion)
        .join(QuestionVersion)
        .where(ItemStatistic.flag.is_not(None))
        .order_by(ItemStatistic.discrimination_index)
    ).all()
    return render_template("questions/statistics.html", rows=rows)
