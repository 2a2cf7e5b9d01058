"""Regulator pages: compliance per mine, inspections and spot tests (the QR code of the phone's
link and the result as it comes; the phone's own page is ``phone.py``),
reassignment orders, and the search with its Excel export."""

from __future__ import annotations

from datetime import date

import segno
from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from question_bank import assembly
from question_bank import types as question_types
from question_bank.models import Paper

from ..core import policy
from ..core.db import db, utcnow
from ..core.forms import ButtonForm
from ..core.i18n import local_today
from ..core.web import get_or_404, redraw_on_refusal, refuse, validated, xlsx_download, xlsx_stream
from ..core.xlsx import simple_table, write_table
from ..organisations.models import MineEnterprise, MineKind, Organisation
from ..organisations.operations import mines_of, visible_organisations
from ..people import departments
from ..people.models import PersonPost
from ..safety_culture import operations as culture
from . import dashboard as board
from . import operations as ops
from .forms import InspectionForm, OrderResponseForm, SpotTestForm, spot_answers_form
from .models import Inspection, OrderStatus, ReassignmentOrder, SpotTest
from .operations import phone as phone_ops

bp = Blueprint("regulator", __name__, url_prefix="/regulator", template_folder="templates")


def _need(permission: str, reason: str) -> None:
    if not current_user.holds(permission):
        refuse(403, reason)


def _mine_or_error(mine_id: int) -> MineEnterprise:
    mine = get_or_404(MineEnterprise, mine_id, _("No such mine."))
    if not current_user.can("compliance.view", mine):
        refuse(403, _("This mine is outside your jurisdiction."))
    return mine


def _compliance_query() -> ops.ComplianceQuery:
    """The list's filters from the query string: a region within the viewer's jurisdiction (the
    whole of it without one), a kind of mine, a status (``problems=1``: the old link)."""
    region = None
    code = request.args.get("region", "").strip()
    if code:
        try:
            region = board.region_for(current_user, code)
        except board.OutsideJurisdiction:
            refuse(403, _("This region is outside your jurisdiction."))
        except LookupError:
            refuse(404, _("No such region."))
    kind = request.args.get("kind", "").strip()
    kind = MineKind(kind) if kind in {k.value for k in MineKind} else None
    status = request.args.get("status", "")
    if status not in ops.Status.CHOICES:
        status = ops.Status.PROBLEMS if request.args.get("problems") == "1" else ops.Status.ALL
    scope = visible_organisations(current_user).with_only_columns(Organisation.id)
    return ops.ComplianceQuery(scope, region=region, kind=kind, status=status)


def _filters(query: ops.ComplianceQuery) -> dict:
    """The query string of the list's filters, for the pager and the export."""
    return {
        k: v
        for k, v in {
            "region": query.region.code if query.region else None,
            "kind": query.kind.value if query.kind else None,
            "status": query.status if query.status != ops.Status.ALL else None,
        }.items()
        if v
    }


@bp.get("/compliance")
@login_required
def compliance():
    _need("compliance.view", _("Only regulators and mine officers see 五职矿长 compliance."))
    query = _compliance_query()
    # Past the last page the pager says so; a number no database offset holds is a 404 with why.
    number = request.args.get("page", 1, type=int) or 1
    if number > 1_000_000:
        refuse(404, _("No such page."))
    page = ops.compliance_page(query, number)
    ids = [r.mine.id for r in page.rows]
    today = local_today()
    return render_template(
        "regulator/compliance.html",
        page=page,
        rows=page.rows,
        query=query,
        filters=_filters(query),
        statuses=(
            (ops.Status.ALL, _("All mines")),
            (ops.Status.PROBLEMS, _("Non-compliant only")),
            (ops.Status.FIRST_MISSED, _("First assessment missed")),
        ),
        kinds=list(MineKind),
        regions=board.regions_within(current_user),
        late=ops.late_applications(select(MineEnterprise.id).where(MineEnterprise.id.in_(query.scope))),
        first_months=policy.get("manager.first_assessment_months"),
        heads=departments.heads(ids, today),
        of_mine=departments.of_mine,
        culture_overdue={m.id for m, *_ in culture.required_mines(ids, today, overdue_only=True)}
        if ids
        else set(),
    )


@bp.get("/compliance.xlsx")
@login_required
def compliance_export():
    """The whole filtered list, written as the query's cursor yields it (never all in memory)."""
    _need("compliance.view", _("Only regulators and mine officers see 五职矿长 compliance."))
    query = _compliance_query()

    def write(target):
        write_table(target, "五职矿长", ops.COMPLIANCE_EXPORT_HEADER, ops.compliance_export_rows(query))

    return xlsx_stream(write, "compliance.xlsx")


def _mine_page(mine: MineEnterprise) -> dict:
    inspections = db.session.scalars(
        select(Inspection).where(Inspection.mine_id == mine.id).order_by(Inspection.inspected_on.desc())
    ).all()
    orders = db.session.scalars(
        select(ReassignmentOrder)
        .where(ReassignmentOrder.mine_id == mine.id)
        .order_by(ReassignmentOrder.id.desc())
    ).all()
    return dict(
        mine=mine,
        result=ops.compliance([mine])[0],
        heads=departments.heads_of(mine, local_today()),
        inspections=inspections,
        orders=orders,
        today=local_today(),
        can_inspect=current_user.can("inspection.conduct", mine),
    )


@bp.get("/mines/<int:mine_id>")
@login_required
def mine(mine_id: int):
    return render_template("regulator/mine.html", **_mine_page(_mine_or_error(mine_id)))


@bp.post("/mines/<int:mine_id>/inspections")
@login_required
def record_inspection(mine_id: int):
    mine = _mine_or_error(mine_id)
    if not current_user.can("inspection.conduct", mine):
        refuse(403, _("Only regulators inspect mines."))
    form = InspectionForm()
    redraw_on_refusal(
        "regulator/mine.html", form, form_name="inspection_form", context=lambda: _mine_page(mine)
    )
    validated(form)
    inspection = ops.record_inspection(
        mine, form.inspected_on.data, form.inspectors.data or "", form.findings.data or "", actor=current_user
    )
    return redirect(url_for("regulator.inspection", inspection_id=inspection.id))


def _inspection_or_error(inspection_id: int) -> Inspection:
    inspection = get_or_404(Inspection, inspection_id, _("No such inspection."))
    if not inspection.can_view(current_user):
        refuse(403, _("This inspection is outside your jurisdiction."))
    return inspection


def _inspection_page(inspection: Inspection) -> dict:
    return dict(
        inspection=inspection,
        testable=ops.spot_testable_at(inspection.mine),
        can_conduct=inspection.can_conduct(current_user),
    )


@bp.get("/inspections/<int:inspection_id>")
@login_required
def inspection(inspection_id: int):
    return render_template(
        "regulator/inspection.html", **_inspection_page(_inspection_or_error(inspection_id))
    )


@bp.post("/inspections/<int:inspection_id>/spot-tests")
@login_required
def start_spot_test(inspection_id: int):
    inspection = _inspection_or_error(inspection_id)
    if not inspection.can_conduct(current_user):
        refuse(403, _("Only regulators run spot tests."))
    form = SpotTestForm()
    redraw_on_refusal(
        "regulator/inspection.html", form, form_name="spot_form", context=lambda: _inspection_page(inspection)
    )
    validated(form)
    post = db.session.get(PersonPost, form.post_id.data)
    if post is None:
        raise ops.RegulatorError(_("Choose the person to test."), field="post_id")
    test = ops.start_spot_test(inspection, post, actor=current_user)
    return _with_new_link(test)


def _test_or_error(test_id: int) -> SpotTest:
    test = get_or_404(SpotTest, test_id, _("No such spot test."))
    if not (test.can_take(current_user) or test.inspection.can_view(current_user)):
        refuse(403, _("This spot test is outside what you may see."))
    return test


def _spot_test_page(test: SpotTest, link: phone_ops.Issued | None = None) -> dict:
    paper = db.session.get(Paper, test.paper_id)
    url = url_for("spot_phone.page", token=link.token, _external=True) if link else None
    return dict(
        test=test,
        paper=paper,
        questions=[] if test.finished_at else assembly.paper_view(paper),
        can_take=test.can_take(current_user),
        can_conduct=test.inspection.can_conduct(current_user),
        status=spot_status(test),
        link_url=url,
        qr=segno.make(url, error="m").svg_data_uri(scale=5, border=2) if url else None,
        now=utcnow(),
        type_labels=question_types.labels(),
    )


def _with_new_link(test: SpotTest):
    """The page with a new QR code. Its token exists only in this answer (the portal keeps an
    HMAC of it), so the page is drawn here rather than redirected to."""
    link = phone_ops.issue_link(test, actor=current_user)
    return render_template("regulator/spot_test.html", **_spot_test_page(test, link))


def _result_text(test: SpotTest) -> str:
    verdict = _("Passed") if test.passed else _("Failed: reassignment ordered")
    return f"{verdict} · {_('Score')} {test.score:g}"


def spot_status(test: SpotTest) -> dict:
    """Where the test stands, for the regulator's page (drawn, then polled)."""
    paper = db.session.get(Paper, test.paper_id)
    answered = len(test.answers or {})
    if test.finished_at is not None:
        state, label = "finished", _("Handed in")
    elif utcnow() >= test.deadline:
        state, label = "expired", _("The time is over; nothing was handed in from the phone.")
    elif test.link_opened_at is not None:
        state, label = "opened", _("Being answered on the phone")
    else:
        state, label = "waiting", _("Waiting for the phone to open the link")
    return {
        "id": test.id,
        "state": state,
        "label": label,
        "answered": answered,
        "total": len(paper.items),
        "progress": _("%(answered)d of %(total)d answered", answered=answered, total=len(paper.items)),
        "score": test.score,
        "passed": test.passed,
        "result": _result_text(test) if test.finished_at is not None else None,
    }


@bp.get("/spot-tests/<int:test_id>")
@login_required
def spot_test(test_id: int):
    return render_template("regulator/spot_test.html", **_spot_test_page(_test_or_error(test_id)))


@bp.get("/spot-tests/<int:test_id>/status")
@login_required
def spot_test_status(test_id: int):
    """``{"state": "waiting"|"opened"|"expired"|"finished", "label", "answered", "total",
    "progress", "score", "passed", "result"}``: what the regulator's page polls."""
    test = get_or_404(SpotTest, test_id, _("No such spot test."))
    if not test.inspection.can_view(current_user):
        refuse(403, _("This spot test is outside what you may see."))
    return jsonify(spot_status(test))


@bp.post("/spot-tests/<int:test_id>/link")
@login_required
def new_spot_link(test_id: int):
    """A new QR code: the old link, and the phone that held it, stop working."""
    test = get_or_404(SpotTest, test_id, _("No such spot test."))
    if not test.inspection.can_conduct(current_user):
        refuse(403, _("Only regulators run spot tests."))
    validated(ButtonForm())
    return _with_new_link(test)


@bp.post("/spot-tests/<int:test_id>")
@login_required
def submit_spot_test(test_id: int):
    test = _test_or_error(test_id)
    if not test.can_take(current_user):
        refuse(403, _("The regulator who started it, or the manager tested, hands it in."))
    form = spot_answers_form(db.session.get(Paper, test.paper_id))
    redraw_on_refusal(
        "regulator/spot_test.html", form, form_name="answers_form", context=lambda: _spot_test_page(test)
    )
    validated(form)
    ops.submit_spot_test(test, form.answers(), actor=current_user)
    return redirect(url_for("regulator.spot_test", test_id=test.id))


def _orders_page() -> dict:
    mines = {m.id for m in mines_of(current_user)}
    rows = db.session.scalars(
        select(ReassignmentOrder)
        .where(ReassignmentOrder.mine_id.in_(mines))
        .order_by(ReassignmentOrder.status, ReassignmentOrder.id.desc())
    ).all()
    return dict(rows=rows, statuses=OrderStatus)


@bp.get("/orders")
@login_required
def orders():
    if not (current_user.holds("inspection.conduct") or current_user.holds("order.respond")):
        refuse(403, _("Only regulators and mine officers see reassignment orders."))
    return render_template("regulator/orders.html", **_orders_page())


def _order_or_error(order_id: int, permission: str) -> ReassignmentOrder:
    order = get_or_404(ReassignmentOrder, order_id, _("No such order."))
    if not current_user.can(permission, order.mine):
        refuse(403, _("This order is not yours to act on."))
    return order


@bp.post("/orders/<int:order_id>/respond")
@login_required
def respond(order_id: int):
    order = _order_or_error(order_id, "order.respond")
    form = OrderResponseForm()
    redraw_on_refusal(
        "regulator/orders.html", form, form_name="order_form", context=_orders_page, refused=order.id
    )
    validated(form)
    ops.respond_to_order(order, form.response.data or "", actor=current_user)
    return redirect(url_for("regulator.orders"))


@bp.post("/orders/<int:order_id>/close")
@login_required
def close(order_id: int):
    order = _order_or_error(order_id, "inspection.conduct")
    form = ButtonForm()
    redraw_on_refusal(
        "regulator/orders.html", form, form_name="order_form", context=_orders_page, refused=order.id
    )
    validated(form)
    ops.close_order(order, actor=current_user)
    return redirect(url_for("regulator.orders"))


@bp.get("/search")
@login_required
def search():
    _need("person.view_record", _("Your roles do not include looking people up."))
    text = request.args.get("q", "").strip()[:40]
    people = ops.search_people(current_user, text)
    return render_template("regulator/search.html", q=text, people=people, badges=ops.badges(people))


@bp.get("/search.xlsx")
@login_required
def search_export():
    _need("person.view_record", _("Your roles do not include looking people up."))
    people = ops.search_people(current_user, request.args.get("q", "").strip()[:40], limit=5000)
    found = ops.badges(people)
    table = [
        (
            p.name,
            p.id_number,
            p.employer.name if p.employer else "",
            "、".join(x.label for x in p.current_posts),
            " ".join(found[p.id]),
        )
        for p in people
    ]
    data = simple_table("查询结果", ("姓名", "身份证号", "单位", "岗位", "状态"), table)
    return xlsx_download(data, "people.xlsx")


@bp.get("/centers")
@login_required
def centers():
    """Training-center oversight: video coverage, verified hours, pass rates against the province,
    irregularities and revoked certificates traced to each center, 考教分离."""
    from ..organisations.models import TrainingCenter
    from . import oversight

    # A center's staff see their own center (they keep its classrooms); a mine's officer, who
    # runs the mine's own training, has no center to see.
    visible = [
        c
        for c in db.session.scalars(select(TrainingCenter).order_by(TrainingCenter.name))
        if current_user.can("training.oversee", c) or current_user.can("training.manage", c)
    ]
    # A regulator whose jurisdiction has no training center sees an empty list, not a refusal:
    # asked of the regulator's own unit, with its jurisdiction.
    units = [*current_user.organisations(), None]  # None: an administrator's, with no unit
    if not visible and not any(current_user.can("training.oversee", o) for o in units):
        refuse(403, _("Your roles do not include training-center oversight."))
    province = oversight.province_rates()
    rows = [oversight.oversee(c, province) for c in visible]
    rows.sort(key=lambda r: (not r.flags, r.center.name))  # flagged centers first
    return render_template("regulator/centers.html", rows=rows, province=province)


# ----------------------------------------------------------------------------- dashboards


def _dashboard_region():
    _need("dashboard.view", _("Only regulators see the dashboards."))
    code = request.args.get("region", "").strip()
    try:
        return board.region_for(current_user, code or None)
    except board.OutsideJurisdiction:
        refuse(403, _("This region is outside your jurisdiction."))
    except LookupError:
        refuse(404, _("No such region."))


def _dashboard_day() -> tuple[date, int | None]:
    """The day the dashboard is computed for and the past year picked (None: this year)."""
    today = local_today()
    on = board.as_of(request.args.get("year", type=int), today)
    return on, (on.year if on.year != today.year else None)


def _metric_or_404(key: str):
    metric = board.METRICS.get(key)
    if metric is None:
        refuse(404, _("No such figure."))
    return metric


@bp.get("/dashboard")
@login_required
def dashboard():
    """Province / city / county: each figure for the region and for each region below it, as a
    chart and a table; every number links to the list behind it."""
    region = _dashboard_region()
    on, year = _dashboard_day()
    below = board.children(region)
    figures = {key: board.figures(metric, region, below, on) for key, metric in board.METRICS.items()}
    return render_template(
        "regulator/dashboard.html",
        region=region,
        below=below,
        trail=board.trail(region, current_user),
        metrics=board.METRICS,
        figures=figures,
        on=on,
        year=year,
        years=board.years(local_today()),
    )


@bp.get("/dashboard/<key>")
@login_required
def dashboard_list(key: str):
    region = _dashboard_region()
    metric = _metric_or_404(key)
    on, year = _dashboard_day()
    figure, listing = metric.compute(region, on)
    return render_template(
        "regulator/dashboard_list.html",
        region=region,
        trail=board.trail(region, current_user),
        metric=metric,
        figure=figure,
        listing=listing,
        on=on,
        year=year,
    )


@bp.get("/dashboard/<key>.xlsx")
@login_required
def dashboard_export(key: str):
    region = _dashboard_region()
    metric = _metric_or_404(key)
    listing = metric.compute(region, _dashboard_day()[0])[1]
    data = simple_table(str(metric.label)[:31], tuple(str(c) for c in listing.columns), listing.rows)
    return xlsx_download(data, f"{key}-{region.code}.xlsx")
