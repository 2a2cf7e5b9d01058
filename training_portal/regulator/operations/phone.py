"""The spot test on the tested person's own phone: a one-time link the regulator's page shows as
a QR code, and the exam client's protocol spoken through it.

- The token: 32 random bytes (``secrets.token_urlsafe``), in the link only. Only an HMAC of it
  (keyed with the app's secret key) is stored, so neither a copy of the database nor anyone
  reading it can open the test; a new link for the same test replaces the old one.
- It opens that one test and nothing else: the phone is logged in as nobody, and the link is
  the only key the phone's page and its API take.
- Single use: the first phone that opens it holds it (a random cookie, stored as an HMAC as
  well); another phone with the same link is refused. The hand-in uses it up, and it expires
  with the test's deadline (a few minutes' grace to hand in what the phone kept offline).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from question_bank.models import Paper

from ...core import audit
from ...core.db import db, locked, utcnow
from ...core.errors import CONFLICT
from ..models import SpotTest
from ._base import RegulatorError
from .inspections import submit_spot_test

# Time after the deadline in which a phone that was offline may still hand in: what it saved
# before the deadline counts, nothing typed later (see ``submit_spot_test``).
HAND_IN_GRACE = timedelta(minutes=5)
GONE = 410


class LinkRefused(RegulatorError):
    """A link that opens nothing (404), or not any more (410), or not on this phone (409)."""


@dataclass
class Issued:
    token: str
    expires_at: datetime


def _digest(purpose: str, secret: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"spot-{purpose}:{secret}".encode(), hashlib.sha256).hexdigest()


def issue_link(test: SpotTest, *, actor, now: datetime | None = None) -> Issued:
    """A new link for the test; any older one (and the phone holding it) stops working."""
    now = now or utcnow()
    test = locked(SpotTest, test.id)
    if test.finished_at is not None:
        raise RegulatorError(_l("This spot test has been handed in."), status=CONFLICT)
    if now >= test.deadline:
        raise RegulatorError(_l("The time for this spot test is over."), status=CONFLICT)
    token = secrets.token_urlsafe(32)
    replaced = test.link_hash is not None
    test.link_hash = _digest("link", token)
    test.link_expires_at = test.deadline + HAND_IN_GRACE
    test.link_opened_at = test.device_hash = None
    db.session.flush()
    audit.record(
        "spot_test.link",
        test,
        actor=actor,
        organisation=test.inspection.mine,
        after={"expires_at": test.link_expires_at, "replaced": replaced},
    )
    return Issued(token, test.link_expires_at)


def test_for_link(token: str, now: datetime | None = None) -> SpotTest:
    """The test the link opens; refused with the reason where it opens none, or no more."""
    now = now or utcnow()
    test = None
    if token and len(token) <= 100:
        test = db.session.scalar(select(SpotTest).where(SpotTest.link_hash == _digest("link", token)))
    if test is None:
        raise LinkRefused(_l("This link opens no spot test."), status=404)
    if test.finished_at is not None:
        raise LinkRefused(_l("This spot test has been handed in; the link is used up."), status=GONE)
    if now >= test.link_expires_at:
        raise LinkRefused(_l("This link has expired; ask the regulator for a new code."), status=GONE)
    return test


def check_phone(test: SpotTest, device: str | None) -> None:
    """Refused on any phone but the one that opened the link first."""
    if test.device_hash is not None and not (
        device and hmac.compare_digest(test.device_hash, _digest("device", device))
    ):
        raise LinkRefused(
            _l("This link has been opened on another phone; ask the regulator for a new code."),
            status=CONFLICT,
        )


def open_on_phone(test: SpotTest, now: datetime | None = None) -> str | None:
    """The first opening: this phone holds the link from now on. Returns the phone's secret
    (for its cookie), or None when this phone held it already."""
    if test.device_hash is not None:
        return None
    device = secrets.token_urlsafe(32)
    test.device_hash = _digest("device", device)
    test.link_opened_at = now or utcnow()
    db.session.flush()
    audit.record(
        "spot_test.open", test, organisation=test.inspection.mine, after={"opened_at": test.link_opened_at}
    )
    return device


def remaining_seconds(test: SpotTest, now: datetime | None = None) -> int:
    return max(0, int((test.deadline - (now or utcnow())).total_seconds()))


def phone_json(test: SpotTest) -> dict:
    """What the exam client reads (``state``, ``paper``, ``answers``, ``saved_seq``,
    ``remaining_s``); a question's id is its position on the paper."""
    from question_bank import assembly

    paper = db.session.get(Paper, test.paper_id)
    questions = [q | {"id": q["position"]} for q in assembly.paper_view(paper)]
    remaining = remaining_seconds(test)
    return {
        "state": "answering" if remaining > 0 else "timed_out",
        "paper": questions,
        "answers": dict(test.answers or {}),
        "saved_seq": test.saved_seq,
        "remaining_s": remaining,
        "duration_s": paper.duration_minutes * 60,
    }


def _clean(paper: Paper, answers: object) -> dict[str, list[int]]:
    if not isinstance(answers, dict):
        raise RegulatorError(_l("answers must be an object keyed by question number."))
    options = {str(item.position): len(item.option_order) for item in paper.items}
    clean = {}
    for key, chosen in answers.items():
        if key not in options:
            raise RegulatorError(_l("Question %(n)s is not on this paper.", n=str(key)[:10]))
        if not isinstance(chosen, list) or not all(
            isinstance(c, int) and not isinstance(c, bool) and 0 <= c < options[key] for c in chosen
        ):
            raise RegulatorError(_l("An answer is not one of the options."))
        if chosen:
            clean[key] = sorted(set(chosen))
    return clean


def save_phone_sheet(test: SpotTest, answers: object, seq: int, now: datetime | None = None) -> int:
    """The phone's whole answer sheet, kept if ``seq`` is newer. After the deadline a sheet is
    acknowledged (the client stops sending it and hands in) but its answers are not kept."""
    test = locked(SpotTest, test.id)
    clean = _clean(db.session.get(Paper, test.paper_id), answers)
    if seq > test.saved_seq:
        if (now or utcnow()) < test.deadline:
            test.answers = clean
        test.saved_seq = seq
        db.session.flush()
    return test.saved_seq


def hand_in_from_phone(test: SpotTest, now: datetime | None = None) -> SpotTest:
    """The phone's hand-in: the answers the server holds are graded; the link is used up."""
    test = locked(SpotTest, test.id)
    audit.record(
        "spot_test.hand_in",
        test,
        organisation=test.inspection.mine,
        after={"via": "phone", "answered": len(test.answers or {}), "saved_seq": test.saved_seq},
    )
    saved = {int(k): v for k, v in (test.answers or {}).items()}
    # Graded and finished: the link is used up (``test_for_link`` refuses it from now on).
    return submit_spot_test(test, saved, actor=None)
