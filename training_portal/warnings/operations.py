"""Forwarding accident bulletins, their read receipts, and warning-education days. Each
decision is audited and the mines' officers are told in the same transaction."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import RoleAssignment, User
from ..core import audit, storage
from ..core.db import db, locked, utcnow
from ..core.errors import CONFLICT, DomainError
from ..core.i18n import local_today
from ..core.permissions import Role
from ..notifications import operations as notes
from ..organisations.models import MineEnterprise, RegulatorUnit
from .models import Bulletin, BulletinDelivery, WarningDay

MAX_BYTES = storage.EVIDENCE_MAX_BYTES
EARLIEST = date(2000, 1, 1)  # the pages list the years from 2000

notes.register(
    "bulletin_received",
    _l("%(unit)s forwards the accident bulletin “%(title)s” to %(mine)s: read it and acknowledge it."),
    title=_l("Accident bulletin"),
)


class WarningError(DomainError):
    """Refused by a rule of bulletins or warning-education days."""


def _text(value: str, field: str, limit: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise WarningError(_l("This field is required."), field=field)
    return value[:limit] if limit else value


def _past_date(value: date, field: str, future: object) -> date:
    """A date from ``EARLIEST`` to today; ``future`` says why a later one is refused."""
    if value < EARLIEST:
        raise WarningError(_l("Give a date from %(d)s on.", d=EARLIEST.isoformat()), field=field)
    if value > local_today():
        raise WarningError(future, field=field)
    return value


def _officers(mine: MineEnterprise) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.role == Role.MINE_OFFICER, RoleAssignment.organisation_id == mine.id)
            .order_by(User.id)
        )
    )


def send_bulletin(
    unit: RegulatorUnit,
    title: str,
    issued_on: date,
    summary: str,
    lessons: str,
    mines: list[MineEnterprise],
    *,
    actor,
    attachment: bytes = b"",
    attachment_name: str = "",
) -> Bulletin:
    """Write the bulletin and forward it to ``mines`` (each in the unit's jurisdiction)."""
    title = _text(title, "title", 200)
    summary, lessons = _text(summary, "summary"), _text(lessons, "lessons")
    _past_date(issued_on, "issued_on", _l("A bulletin is dated on or before the day it is forwarded."))
    if not mines:
        raise WarningError(_l("Choose the mines to forward the bulletin to."), field="mines")
    outside = [m.name for m in mines if not unit.region.contains(m.region)]
    if outside:
        raise WarningError(
            _l("%(mines)s lie outside the unit's jurisdiction.", mines="、".join(outside)), field="mines"
        )
    key = None
    if attachment:
        if len(attachment) > MAX_BYTES:
            raise WarningError(_l("The file is larger than 10 MB."), field="attachment")
        if not attachment.startswith(b"%PDF-"):
            raise WarningError(_l("The attachment must be a PDF file."), field="attachment")
        key = storage.save_evidence("bulletins", attachment)
    bulletin = Bulletin(
        unit=unit,
        title=title,
        issued_on=issued_on,
        summary=summary,
        lessons=lessons,
        attachment_key=key,
        attachment_name=attachment_name[:200] if key else "",
        sent_by_id=actor.id,
        deliveries=[BulletinDelivery(mine=m) for m in dict.fromkeys(mines)],
    )
    db.session.add(bulletin)
    db.session.flush()
    audit.record(
        "bulletin.send",
        bulletin,
        actor=actor,
        organisation=unit,
        after={"title": title, "issued_on": issued_on, "mines": [d.mine_id for d in bulletin.deliveries]},
    )
    link = f"/warnings/bulletins/{bulletin.id}"  # a plain path, as every notice's (jobs have no request)
    for delivery in bulletin.deliveries:
        for officer in _officers(delivery.mine):
            notes.notify(
                officer,
                f"bulletin:{bulletin.id}:{delivery.mine_id}",
                "bulletin_received",
                {"unit": unit.name, "title": title, "mine": delivery.mine.name},
                link,
            )
    return bulletin


def acknowledge(delivery: BulletinDelivery, *, actor) -> BulletinDelivery:
    """The mine's officer has read the bulletin: the receipt says who and when (once)."""
    delivery = locked(BulletinDelivery, delivery.id)
    if delivery.read_at is not None:
        raise WarningError(_l("The mine has acknowledged this bulletin already."), status=CONFLICT)
    delivery.read_at, delivery.read_by_id = utcnow(), actor.id
    db.session.flush()
    audit.record(
        "bulletin.read",
        delivery,
        actor=actor,
        organisation=delivery.mine,
        after={"bulletin_id": delivery.bulletin_id, "read_at": delivery.read_at},
    )
    return delivery


def record_day(
    mine: MineEnterprise,
    held_on: date,
    theme: str,
    attendance: int,
    notes_text: str,
    *,
    actor,
    evidence: bytes = b"",
    evidence_name: str = "",
) -> WarningDay:
    """警示教育日 held at ``mine``: its date, theme, head count, notes and a photo or PDF."""
    theme = _text(theme, "theme", 200)
    if attendance < 1:
        raise WarningError(_l("Give the number of people who attended."), field="attendance")
    _past_date(held_on, "held_on", _l("A warning-education day is recorded once held."))
    key = None
    if evidence:
        try:
            key = storage.save_evidence("warning_days", evidence)
        except storage.FileRefused as exc:
            raise WarningError(str(exc.reason), field="evidence") from exc
    day = WarningDay(
        mine=mine,
        held_on=held_on,
        theme=theme,
        attendance=attendance,
        notes=(notes_text or "").strip(),
        evidence_key=key,
        evidence_name=evidence_name[:200] if key else "",
        recorded_by_id=actor.id,
    )
    db.session.add(day)
    db.session.flush()
    audit.record(
        "warning_day.record",
        day,
        actor=actor,
        organisation=mine,
        after={"held_on": held_on, "theme": theme, "attendance": attendance},
    )
    return day


def days_held(mine_ids: list[int], year: int) -> dict[int, list[WarningDay]]:
    """Each mine's warning-education days of ``year``."""
    rows = db.session.scalars(
        select(WarningDay)
        .where(
            WarningDay.mine_id.in_(mine_ids),
            WarningDay.held_on >= date(year, 1, 1),
            WarningDay.held_on <= date(year, 12, 31),
        )
        .order_by(WarningDay.held_on)
    )
    out: dict[int, list[WarningDay]] = {}
    for row in rows:
        out.setdefault(row.mine_id, []).append(row)
    return out
