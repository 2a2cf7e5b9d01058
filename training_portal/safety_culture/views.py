"""安全文化 pages: the jurisdiction's completion against the deadline, a mine's milestones with
their reports, and the excellent cases every user may read."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..core import policy, storage
from ..core.db import db
from ..core.web import get_or_404, redraw_on_refusal, refuse, validated
from ..organisations.models import MineEnterprise
from ..organisations.operations import mines_of
from . import operations as ops
from .forms import MilestoneDecisionForm, MilestoneReportForm, MilestoneTemplateForm
from .models import EXCELLENT_CASE, MilestoneReport, MilestoneTemplate, templates

bp = Blueprint("safety_culture", __name__, url_prefix="/safety-culture", template_folder="templates")


@bp.get("/")
@login_required
def index():
    if not current_user.holds("compliance.view"):
        refuse(403, _("Only regulators and mine officers follow safety-culture milestones."))
    rows = ops.progress(mines_of(current_user))
    return render_template(
        "safety_culture/index.html",
        rows=rows,
        rate=ops.completion_rate(rows),
        deadline=policy.get("safety_culture.deadline"),
        overdue=sum(r.overdue for r in rows),
    )


def _mine_or_error(mine_id: int) -> MineEnterprise:
    mine = get_or_404(MineEnterprise, mine_id, _("No such mine."))
    if not current_user.can("compliance.view", mine):
        refuse(403, _("This mine is outside your jurisdiction."))
    return mine


def _mine_page(mine: MineEnterprise) -> dict:
    return dict(
        mine=mine,
        progress=ops.progress([mine])[0],
        milestones=templates(),
        can_report=current_user.can("order.respond", mine),
        can_decide=current_user.can("inspection.conduct", mine),
        deadline=policy.get("safety_culture.deadline"),
        excellent_case=EXCELLENT_CASE,
    )


@bp.get("/mines/<int:mine_id>")
@login_required
def mine(mine_id: int):
    return render_template("safety_culture/mine.html", **_mine_page(_mine_or_error(mine_id)))


@bp.post("/mines/<int:mine_id>/milestones/<milestone>")
@login_required
def report(mine_id: int, milestone: str):
    mine = _mine_or_error(mine_id)
    if not current_user.can("order.respond", mine):
        refuse(403, _("The mine's own safety officer reports its milestones."))
    form = MilestoneReportForm()
    redraw_on_refusal(
        "safety_culture/mine.html",
        form,
        form_name="report_form",
        context=lambda: _mine_page(mine),
        refused=milestone,
    )
    validated(form)
    upload = form.evidence.data
    data = upload.read(ops.EVIDENCE_MAX_BYTES + 1) if upload else b""
    ops.report(
        mine, milestone, form.note.data or "", data, upload.filename if upload else "", actor=current_user
    )
    return redirect(url_for("safety_culture.mine", mine_id=mine.id))


def _report_or_error(report_id: int) -> MilestoneReport:
    row = get_or_404(MilestoneReport, report_id, _("No such report."))
    if not (row.published or current_user.can("compliance.view", row.mine)):
        refuse(403, _("This report is outside your jurisdiction."))
    return row


@bp.post("/reports/<int:report_id>/decide")
@login_required
def decide(report_id: int):
    row = _report_or_error(report_id)
    if not current_user.can("inspection.conduct", row.mine):
        refuse(403, _("Only regulators accept or send back milestones."))
    form = MilestoneDecisionForm()
    mine = row.mine
    redraw_on_refusal(
        "safety_culture/mine.html",
        form,
        form_name="decide_form",
        context=lambda: _mine_page(mine),
        refused=row.milestone,
    )
    validated(form)
    ops.decide(
        row,
        form.decision.data == "accept",
        form.note.data or "",
        actor=current_user,
        publish=form.publish.data,
    )
    return redirect(url_for("safety_culture.mine", mine_id=row.mine_id))


@bp.get("/reports/<int:report_id>/evidence")
@login_required
def evidence(report_id: int):
    row = _report_or_error(report_id)
    return storage.send(
        row.evidence_key,
        as_attachment=True,
        download_name=f"{row.milestone}{storage.suffix_of(row.evidence_key)}",
    )


@bp.get("/cases")
@login_required
def cases():
    rows = db.session.scalars(
        select(MilestoneReport)
        .where(MilestoneReport.published.is_(True))
        .order_by(MilestoneReport.decided_at.desc())
    ).all()
    return render_template("safety_culture/cases.html", rows=rows)


# ----------------------------------------------------------------------------- the templates


def _need_admin() -> None:
    if not current_user.can("policy.edit", None):
        refuse(403, _("Administrators only."))


def _templates_page() -> dict:
    return dict(rows=templates(with_retired=True), excellent_case=EXCELLENT_CASE)


@bp.get("/milestones")
@login_required
def milestones():
    """The administrator's milestone templates (the plan's eight to begin with)."""
    _need_admin()
    return render_template("safety_culture/milestones.html", **_templates_page())


@bp.post("/milestones")
@login_required
def add_milestone():
    _need_admin()
    form = MilestoneTemplateForm()
    redraw_on_refusal("safety_culture/milestones.html", form, form_name="add_form", context=_templates_page)
    validated(form)
    ops.add_template(
        form.key.data or "", form.title.data, form.title_en.data or "", form.position.data, actor=current_user
    )
    return redirect(url_for("safety_culture.milestones"))


@bp.post("/milestones/<int:template_id>")
@login_required
def edit_milestone(template_id: int):
    _need_admin()
    row = get_or_404(MilestoneTemplate, template_id, _("No such milestone."))
    form = MilestoneTemplateForm()
    redraw_on_refusal(
        "safety_culture/milestones.html",
        form,
        form_name="edit_form",
        context=_templates_page,
        refused=row.id,
    )
    validated(form)
    ops.edit_template(
        row,
        form.title.data,
        form.title_en.data or "",
        form.position.data,
        form.retired.data,
        actor=current_user,
    )
    return redirect(url_for("safety_culture.milestones"))
