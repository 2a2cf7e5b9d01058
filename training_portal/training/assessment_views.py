"""A mine's assessments of its team leaders and front-line workers: the list (the mine's
officer, the regulators over the mine and the inspectorate), the written test's score and the
岗位实操 rubric, recorded by the mine's officer."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..core.db import db
from ..core.forms import choices
from ..core.web import get_or_404, redraw_on_refusal, refuse, validated
from ..organisations.models import MineEnterprise
from ..people import categories
from ..people import operations as people_ops
from ..people.models import PersonnelCategory
from . import operations as ops
from .forms import PracticalForm, WrittenTestForm
from .models import MineAssessment
from .views import bp


def _assessing_mines() -> list[MineEnterprise]:
    """The mines of the user's own assignments that the user assesses for, each asked (a mine's
    officer covers their own mine only), not every mine of the province."""
    if current_user.can("training.assess", None):  # an administrator, for any mine
        return list(db.session.scalars(select(MineEnterprise).order_by(MineEnterprise.name)))
    mines = {o.id: o for o in current_user.organisations() if isinstance(o, MineEnterprise)}
    return sorted((m for m in mines.values() if current_user.can("training.assess", m)), key=lambda m: m.name)


def _oversees_training() -> bool:
    """A regulator or the inspectorate, asked of their own units (jurisdiction and unit)."""
    # ``None``: what belongs to no organisation, which an administrator alone is granted.
    return any(current_user.can("training.oversee", o) for o in [*current_user.organisations(), None])


def _written_form(mines: list[MineEnterprise]) -> WrittenTestForm:
    form = WrittenTestForm(prefix="written")
    form.mine_id.choices = choices((m.id, m.name) for m in mines)
    form.category.choices = choices((c.code, c.label) for c in categories.mine_trained())
    return form


def _list_context(form=None) -> dict:
    mines = _assessing_mines()
    rows = [
        a
        for a in db.session.scalars(
            select(MineAssessment)
            .order_by(MineAssessment.written_on.desc(), MineAssessment.id.desc())
            .limit(1000)
        )
        if a.can_view(current_user)
    ]
    return dict(assessments=rows, form=(form or _written_form(mines)) if mines else None)


@bp.get("/assessments")
@login_required
def assessments():
    if not (_assessing_mines() or _oversees_training()):
        refuse(403, _("Mine assessments are for mine officers and regulators."))
    return render_template("training/assessments.html", **_list_context())


@bp.post("/assessments")
@login_required
def record_written():
    mines = _assessing_mines()
    if not mines:
        refuse(403, _("A mine's officer records its assessments."))
    form = _written_form(mines)
    redraw_on_refusal("training/assessments.html", form, context=lambda: _list_context(form))
    validated(form)
    mine = next((m for m in mines if m.id == form.mine_id.data), None)
    if mine is None:
        refuse(403, _("A mine's officer records its own mine's assessments."))
    if form.category.data not in {c.code for c in categories.mine_trained()}:
        raise ops.TrainingError(_("Choose team leader or front-line worker."), field="category")
    person = people_ops.find_by_id_number(form.id_number.data)
    if person is None:
        raise ops.TrainingError(_("No record for this identity number."), field="id_number")
    assessment = ops.record_written(
        mine,
        person,
        PersonnelCategory(form.category.data),
        form.score.data,
        on=form.on.data,
        actor=current_user,
    )
    return redirect(url_for("training.assessment", assessment_id=assessment.id))


def _assessment_or_error(assessment_id: int) -> MineAssessment:
    assessment = get_or_404(MineAssessment, assessment_id, _("No such assessment."))
    if not assessment.can_view(current_user):
        refuse(403, _("This assessment is outside what you may see."))
    return assessment


def _detail(assessment: MineAssessment, form=None) -> dict:
    record = assessment.can_record(current_user)
    return dict(a=assessment, form=(form or PracticalForm(prefix="practical")) if record else None)


@bp.get("/assessments/<int:assessment_id>")
@login_required
def assessment(assessment_id: int):
    found = _assessment_or_error(assessment_id)
    return render_template("training/assessment.html", **_detail(found))


@bp.post("/assessments/<int:assessment_id>/practical")
@login_required
def record_practical(assessment_id: int):
    found = _assessment_or_error(assessment_id)
    if not found.can_record(current_user):
        refuse(403, _("A mine's officer records its assessments."))
    form = PracticalForm(prefix="practical")
    redraw_on_refusal("training/assessment.html", form, context=lambda: _detail(found, form))
    validated(form)
    ops.record_practical(found, ops.parse_rubric(form.rubric.data), on=form.on.data, actor=current_user)
    return redirect(url_for("training.assessment", assessment_id=assessment_id))
