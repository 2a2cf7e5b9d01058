"""警示教育 pages: bulletins (the regulator writes and forwards one, sees who has read it; a
mine's officer reads and acknowledges it) and warning-education days (a mine records them, the
regulator sees per mine whether one was held this year)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..core import storage
from ..core.db import db
from ..core.forms import ButtonForm, choices
from ..core.i18n import local_today
from ..core.web import get_or_404, redraw_on_refusal, refuse, validated
from ..organisations.models import MineEnterprise, RegulatorUnit
from ..organisations.operations import mines_of
from . import operations as ops
from .forms import BulletinForm, WarningDayForm
from .models import Bulletin, BulletinDelivery, WarningDay, mine_officer_of

bp = Blueprint("warnings", __name__, url_prefix="/warnings", template_folder="templates")


def _upload(field) -> tuple[bytes, str]:
    upload = field.data
    if not upload:
        return b"", ""
    return upload.read(ops.MAX_BYTES + 1), upload.filename or ""


# ----------------------------------------------------------------------------- bulletins


def _sending_units() -> list[RegulatorUnit]:
    """A regulator sends in the name of its own unit (an administrator of any)."""
    if current_user.can("warning.send_bulletin", None):
        candidates = db.session.scalars(select(RegulatorUnit).order_by(RegulatorUnit.name))
    else:
        candidates = [o for o in current_user.organisations() if isinstance(o, RegulatorUnit)]
    return [u for u in candidates if u.review_unit is None and current_user.can("warning.send_bulletin", u)]


@bp.get("/bulletins")
@login_required
def bulletins():
    if not (current_user.holds("warning.send_bulletin") or current_user.holds("warning.receive_bulletin")):
        refuse(403, _("Regulators forward accident bulletins; mine officers read them."))
    rows = [
        b
        for b in db.session.scalars(select(Bulletin).order_by(Bulletin.issued_on.desc(), Bulletin.id.desc()))
        if b.can_view(current_user)
    ]
    return render_template(
        "warnings/bulletins.html", rows=rows, can_send=bool(_sending_units()), user=current_user
    )


def _bulletin_form() -> tuple[BulletinForm, list[RegulatorUnit]]:
    units = _sending_units()
    if not units:
        refuse(403, _("Only regulators forward accident bulletins."))
    form = BulletinForm()
    form.unit_id.choices = choices((u.id, u.name) for u in units)
    form.mines.choices = choices((m.id, m.name) for m in mines_of(current_user))
    if not form.is_submitted():
        form.issued_on.data = local_today()
    return form, units


@bp.route("/bulletins/new", methods=["GET", "POST"])
@login_required
def new_bulletin():
    form, units = _bulletin_form()
    if not form.is_submitted():
        return render_template("warnings/bulletin_new.html", form=form)
    redraw_on_refusal("warnings/bulletin_new.html", form)
    validated(form)
    unit = next((u for u in units if u.id == form.unit_id.data), None)
    if unit is None:
        raise ops.WarningError(_("Choose your unit."), field="unit_id")
    in_reach = [m for m in mines_of(current_user) if unit.region.contains(m.region)]
    if form.to.data == "all":
        mines = in_reach
    else:
        mines = [m for m in in_reach if m.id in set(form.mines.data or [])]
        if len(mines) != len(set(form.mines.data or [])):
            raise ops.WarningError(_("Choose mines of the unit's jurisdiction."), field="mines")
    data, name = _upload(form.attachment)
    bulletin = ops.send_bulletin(
        unit,
        form.title.data,
        form.issued_on.data,
        form.summary.data,
        form.lessons.data,
        mines,
        actor=current_user,
        attachment=data,
        attachment_name=name,
    )
    return redirect(url_for("warnings.bulletin", bulletin_id=bulletin.id))


def _bulletin_or_error(bulletin_id: int) -> Bulletin:
    bulletin = get_or_404(Bulletin, bulletin_id, _("No such bulletin."))
    if not bulletin.can_view(current_user):
        refuse(403, _("This bulletin was not forwarded to your mine."))
    return bulletin


@bp.get("/bulletins/<int:bulletin_id>")
@login_required
def bulletin(bulletin_id: int):
    bulletin = _bulletin_or_error(bulletin_id)
    return render_template(
        "warnings/bulletin.html",
        b=bulletin,
        manage=bulletin.can_manage(current_user),
        mine=bulletin.delivery_for(current_user),
        form=ButtonForm(),
    )


@bp.post("/bulletins/<int:bulletin_id>/deliveries/<int:delivery_id>/read")
@login_required
def acknowledge(bulletin_id: int, delivery_id: int):
    bulletin = _bulletin_or_error(bulletin_id)
    delivery = get_or_404(BulletinDelivery, delivery_id, _("No such bulletin."))
    if delivery.bulletin_id != bulletin.id or delivery not in bulletin.delivery_for(current_user):
        refuse(403, _("The mine's own officer acknowledges its bulletins."))
    validated(ButtonForm())
    ops.acknowledge(delivery, actor=current_user)
    return redirect(url_for("warnings.bulletin", bulletin_id=bulletin.id))


@bp.get("/bulletins/<int:bulletin_id>/attachment")
@login_required
def attachment(bulletin_id: int):
    bulletin = _bulletin_or_error(bulletin_id)
    if not bulletin.attachment_key:
        refuse(404, _("This bulletin has no attachment."))
    return storage.send(
        bulletin.attachment_key, as_attachment=True, download_name=f"bulletin-{bulletin.id}.pdf"
    )


# ----------------------------------------------------------------------------- warning days


def _recording_mines() -> list[MineEnterprise]:
    """The mines whose own officer the user is (an administrator records for none)."""
    return [m for m in mines_of(current_user) if mine_officer_of(current_user, "warning.record_day", m)]


def _days_page(form: WarningDayForm | None = None) -> dict:
    year = request.args.get("year", type=int) or local_today().year
    if not 2000 <= year <= local_today().year + 1:
        refuse(400, _("Choose a year between 2000 and next year."))
    mines = [
        m
        for m in mines_of(current_user)
        if current_user.can("warning.oversee", m) or current_user.can("warning.record_day", m)
    ]
    held = ops.days_held([m.id for m in mines], year)
    recording = _recording_mines()
    if form is None and recording:
        form = WarningDayForm()
    if form is not None:
        form.mine_id.choices = choices((m.id, m.name) for m in recording)
    return dict(rows=[(m, held.get(m.id, [])) for m in mines], year=year, form=form)


@bp.get("/days")
@login_required
def days():
    if not (current_user.holds("warning.oversee") or current_user.holds("warning.record_day")):
        refuse(403, _("Mines record their warning-education days; regulators follow them."))
    return render_template("warnings/days.html", **_days_page())


@bp.post("/days")
@login_required
def record_day():
    mines = _recording_mines()
    if not mines:
        refuse(403, _("The mine's own officer records its warning-education days."))
    form = WarningDayForm()
    redraw_on_refusal("warnings/days.html", form, context=lambda: _days_page(form))
    form.mine_id.choices = choices((m.id, m.name) for m in mines)
    validated(form)
    mine = next((m for m in mines if m.id == form.mine_id.data), None)
    if mine is None:
        raise ops.WarningError(_("Choose your mine."), field="mine_id")
    data, name = _upload(form.evidence)
    ops.record_day(
        mine,
        form.held_on.data,
        form.theme.data,
        form.attendance.data,
        form.notes.data or "",
        actor=current_user,
        evidence=data,
        evidence_name=name,
    )
    return redirect(url_for("warnings.days"))


@bp.get("/days/<int:day_id>/evidence")
@login_required
def day_evidence(day_id: int):
    day = get_or_404(WarningDay, day_id, _("No such warning-education day."))
    if not day.can_view(current_user):
        refuse(403, _("This mine is outside your jurisdiction."))
    if not day.evidence_key:
        refuse(404, _("No file was attached."))
    return storage.send(
        day.evidence_key,
        as_attachment=True,
        download_name=f"warning-day-{day.id}{storage.suffix_of(day.evidence_key)}",
    )
