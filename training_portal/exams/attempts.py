"""The candidate's side of an attempt: start, save, submit, and closing overdue attempts.

Saves and submission are conditional updates, not check-then-act: whatever arrives in
parallel (two tabs, a retry, a save racing a submit, the deadline task), exactly one
outcome holds, and an attempt is graded once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, update

from question_bank import assembly
from question_bank import types as question_types
from question_bank.models import PaperItem

from ..accounts import operations as accounts
from ..core import audit, policy
from ..core.db import db, locked, utcnow
from ..core.errors import CONFLICT, REFUSED
from .applications import ExamError
from .models import AttemptState, ExamAttempt, IdentityCheck, SessionStatus


class AttemptClosed(ExamError):
    """The attempt takes no more answers (submitted, timed out, paused, terminated)."""

    status = CONFLICT


class LoggedOut(ExamError):
    """The log-in ended (logged out, idled out, too old, account deactivated) before the save
    was stored."""

    status = 401


DEVICE_COOKIE = "exam_device"


def device_hash(device: str | None) -> str | None:
    return hashlib.sha256(device.encode()).hexdigest() if device else None


def bind_device(attempt: ExamAttempt, device: str | None, *, candidate) -> None:
    """An attempt runs on one PC. Its first PC binds it; another PC takes over (with every
    saved answer) only after a proctor has allowed it, and only once."""
    wanted = device_hash(device)
    if attempt.device_hash == wanted or wanted is None and attempt.device_hash is None:
        return
    if attempt.device_hash is not None and not attempt.allowed_new_device:
        raise AttemptClosed(_l("This exam is running on another PC. A proctor can allow this one."))
    if attempt.device_hash is not None:
        audit.record("attempt.device_change", attempt, actor=candidate)
    attempt.device_hash, attempt.allowed_new_device = wanted, False
    db.session.flush()


def duration_minutes(attempt: ExamAttempt) -> int:
    """The paper's duration once drawn; before, the blueprint's that it will be drawn from."""
    return (attempt.paper or attempt.session.blueprint).duration_minutes


def remaining_seconds(attempt: ExamAttempt, now: datetime | None = None) -> int:
    if attempt.deadline is None:
        return attempt.paper.duration_minutes * 60 if attempt.paper else 0
    now = now or utcnow()
    if attempt.state is AttemptState.PAUSED and attempt.paused_at is not None:
        now = attempt.paused_at
    if attempt.state.finished:
        return 0
    return max(0, int((attempt.deadline - now).total_seconds()))


def start(attempt: ExamAttempt, *, candidate) -> None:
    """The candidate starts: their own paper is drawn and frozen, the server's clock runs."""
    if attempt.person_id != candidate.person_id:
        raise ExamError(_l("This is not your seat."), status=REFUSED)
    if attempt.session.status is not SessionStatus.OPEN:
        raise ExamError(_l("The proctors have not opened the session."), status=CONFLICT)
    if attempt.identity is not IdentityCheck.CONFIRMED:
        raise ExamError(_l("A proctor must check your identity at the seat first."), status=CONFLICT)
    locked(ExamAttempt, attempt.id)  # a proctor starting the room at the same moment: one start
    if attempt.state is not AttemptState.NOT_STARTED:
        return  # starting twice (a reload, a second tab) changes nothing
    begin(attempt, actor=candidate)


def begin(attempt: ExamAttempt, *, actor, paper=None) -> None:
    """The clock starts for a seat not started yet, by the candidate or by a proctor starting
    the room (统一开考): its own paper (``paper``, or one drawn now) is frozen, the server's
    deadline set. The caller has checked the seat and holds its row."""
    if attempt.paper_id is None:
        attempt.paper = paper or assembly.draw_papers(attempt.session.blueprint, 1)[0]
    now = utcnow()
    attempt.state = AttemptState.ANSWERING
    attempt.started_at = now
    attempt.deadline = now + timedelta(minutes=attempt.paper.duration_minutes)
    db.session.flush()
    audit.record(
        "attempt.start",
        attempt,
        actor=actor,
        after={"paper_id": attempt.paper_id, "deadline": attempt.deadline, "state": attempt.state},
    )


# What never changes once a paper is drawn, remembered by the process so that the busiest
# request of a sitting (the save) needs no query of its own but its UPDATE: attempt id ->
# (person id, paper id), and paper id -> {question id: number of options}.
_owners: dict[int, tuple[int, int]] = {}
_shapes: dict[int, dict[str, int]] = {}


# The number of options of a paper item, counted by the database: no JSON to decode.
_OPTIONS = func.json_array_length(PaperItem.option_order).label("options")

# The largest seq the database stores (saved_seq is a 32-bit integer column).
MAX_SEQ = 2**31 - 1


def _remember(cache: dict, key: int, value) -> None:
    if len(cache) > 100_000:
        cache.clear()
    cache[key] = value


def forget_remembered() -> None:
    """For a database that starts again from id 1 (the tests wipe theirs); ids are never
    reused otherwise."""
    _owners.clear()
    _shapes.clear()


def _paper_shape(paper_id: int) -> dict[str, int]:
    shape = _shapes.get(paper_id)
    if shape is None:
        rows = db.session.execute(
            select(PaperItem.position, _OPTIONS).where(PaperItem.paper_id == paper_id)
        ).all()
        shape = {str(position): options for position, options in rows}
        _remember(_shapes, paper_id, shape)
    return shape


def owner_and_paper(attempt_id: int) -> tuple[int, int | None] | None:
    """(person id, paper id) of an attempt."""
    known = _owners.get(attempt_id)
    if known is not None:
        return known
    row = db.session.execute(
        select(ExamAttempt.person_id, ExamAttempt.paper_id).where(ExamAttempt.id == attempt_id)
    ).first()
    if row is None:
        return None
    if row.paper_id is not None:
        _remember(_owners, attempt_id, (row.person_id, row.paper_id))
    return row.person_id, row.paper_id


def valid_seq(seq: object) -> bool:
    """A save's seq: a whole number (not a bool, not a float) that the database can store."""
    return isinstance(seq, int) and not isinstance(seq, bool) and 1 <= seq <= MAX_SEQ


def validate_answers(paper_id: int, answers: object) -> dict[str, list[int]]:
    """The answer sheet as the client sent it, checked against the paper; ValueError if bad."""
    options = _paper_shape(paper_id)
    if not isinstance(answers, dict):
        raise ValueError("answers must be an object keyed by question id")
    clean: dict[str, list[int]] = {}
    for key, chosen in answers.items():
        if key not in options:
            raise ValueError(f"no question {key!r} on this paper")
        if not isinstance(chosen, list) or not all(
            isinstance(k, int) and not isinstance(k, bool) and 0 <= k < options[key] for k in chosen
        ):
            raise ValueError(f"answer to {key!r} must be a list of option numbers")
        clean[key] = sorted(set(chosen))
    return clean


def _conditional_save():
    """Store the sheet only for a live log-in of the attempt's candidate, while the attempt is
    answering, before its deadline, on its PC, and if the seq is newer: the database checks it
    all in this one statement, so a log-in ended or a submit made a moment before the save
    leaves nothing stored."""
    table = ExamAttempt.__table__
    now = bindparam("now", type_=table.c.deadline.type)
    return (
        update(table)
        .where(
            table.c.id == bindparam("attempt_id"),
            table.c.person_id == accounts.LIVE_SESSION_PERSON,
            table.c.state == AttemptState.ANSWERING,
            table.c.deadline > now,
            table.c.saved_seq < bindparam("seq"),
            table.c.device_hash.is_(None) | (table.c.device_hash == bindparam("device")),
        )
        .values(
            answers=bindparam("sheet", type_=table.c.answers.type),
            saved_seq=bindparam("seq"),
            last_saved_at=now,
        )
        .returning(table.c.deadline)
    )


_SAVE = _conditional_save()


def save_answers(
    attempt_id: int,
    session_token: str | None,
    answers: dict[str, list[int]],
    seq: int,
    device: str | None = None,
) -> tuple[int, int]:
    """Store the whole answer sheet if ``seq`` is newer than what is stored; return the
    stored seq and the remaining seconds. ``session_token`` is the candidate's log-in
    (``User.session_token``). Raises AttemptClosed after submission, the deadline, or during
    a pause, and LoggedOut when the log-in ended before the save."""
    now = utcnow()
    deadline = db.session.execute(
        _SAVE,
        accounts.live_session_params(session_token, now)
        | {"attempt_id": attempt_id, "seq": seq, "device": device_hash(device), "sheet": answers, "now": now},
    ).scalar()
    if deadline is not None:
        return seq, max(0, int((deadline - now).total_seconds()))
    attempt = db.session.get(ExamAttempt, attempt_id, populate_existing=True)
    if attempt.device_hash is not None and attempt.device_hash != device_hash(device):
        raise AttemptClosed(_l("This exam is running on another PC. A proctor can allow this one."))
    if attempt.state is not AttemptState.ANSWERING or attempt.deadline <= now:
        raise AttemptClosed(_closed_reason(attempt, now))
    if attempt.saved_seq < seq:  # all else held: the log-in is what failed
        raise LoggedOut(_l("Please log in."))
    return attempt.saved_seq, remaining_seconds(attempt, now)  # an older save arriving late


def _closed_reason(attempt: ExamAttempt, now: datetime) -> str:
    if attempt.state is AttemptState.PAUSED:
        return str(_l("A proctor has paused your exam."))
    if attempt.state is AttemptState.ANSWERING and attempt.deadline <= now:
        return str(_l("The time is up."))
    return str(_l("The exam is %(state)s.", state=attempt.state.label))


def _finish(
    attempt: ExamAttempt, state: AttemptState, finished_at: datetime, from_states: tuple[AttemptState, ...]
) -> bool:
    """Move to a final state only if still in one of ``from_states``; grade if we moved it."""
    result = db.session.execute(
        update(ExamAttempt)
        .where(ExamAttempt.id == attempt.id, ExamAttempt.state.in_(from_states))
        .values(state=state, finished_at=finished_at)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(attempt)
    if result.rowcount != 1:
        return False
    if attempt.paper_id is not None:  # a seat terminated before its start has nothing to grade
        grade(attempt)
    return True


def grade(attempt: ExamAttempt) -> None:
    answers = {int(k): v for k, v in (attempt.answers or {}).items()}
    score, item_scores = assembly.grade_paper(attempt.paper, answers)
    attempt.score, attempt.item_scores = score, item_scores
    attempt.passed = passes(attempt)
    db.session.flush()
    audit.record(
        "attempt.grade", attempt, after={"state": attempt.state, "score": score, "passed": attempt.passed}
    )


def passes(attempt: ExamAttempt) -> bool:
    """The policy's pass mark, scaled to the paper's total points."""
    if attempt.score is None or attempt.paper is None:
        return False
    pass_mark = policy.get("exam.pass_mark") * attempt.paper.total_points / policy.get("exam.total_points")
    return attempt.score >= pass_mark


def submit(attempt: ExamAttempt, *, candidate) -> ExamAttempt:
    """Hand in. A second submit, or a submit after the deadline task, returns what is there."""
    if attempt.person_id != candidate.person_id:
        raise ExamError(_l("This is not your seat."), status=REFUSED)
    now = utcnow()
    if attempt.deadline is not None and attempt.deadline <= now:
        _finish(attempt, AttemptState.TIMED_OUT, attempt.deadline, (AttemptState.ANSWERING,))
    elif _finish(attempt, AttemptState.SUBMITTED, now, (AttemptState.ANSWERING,)):
        audit.record("attempt.submit", attempt, actor=candidate, after={"finished_at": now})
    if attempt.state is AttemptState.NOT_STARTED:
        raise ExamError(_l("The exam has not started."), status=CONFLICT)
    if attempt.state is AttemptState.PAUSED:
        raise AttemptClosed(_closed_reason(attempt, now))
    return attempt


def close_overdue(now: datetime | None = None) -> int:
    """Time out every attempt past its deadline, open page or not; the finish recorded is
    the deadline, not the moment this task ran."""
    now = now or utcnow()
    overdue = db.session.scalars(
        select(ExamAttempt).where(ExamAttempt.state == AttemptState.ANSWERING, ExamAttempt.deadline <= now)
    ).all()
    closed = 0
    for attempt in overdue:
        closed += _finish(attempt, AttemptState.TIMED_OUT, attempt.deadline, (AttemptState.ANSWERING,))
    return closed


def result_json(attempt: ExamAttempt, *, with_review: bool = False) -> dict:
    """What the candidate may know: the score only once both proctors have signed; the right
    answers and the 解析 only when the caller has asked ``attempt.can_review(user)``."""
    body = {
        "id": attempt.id,
        "state": attempt.state.value,
        "finished_at": attempt.finished_at.isoformat() if attempt.finished_at else None,
        "published": attempt.session.results_published,
    }
    if attempt.session.results_published:
        body |= {"score": attempt.score, "passed": attempt.passed}
        if attempt.paper is not None:
            body["total_points"] = attempt.paper.total_points
        if with_review and attempt.result_visible:
            body["review"] = review(attempt)
    return body


def review(attempt: ExamAttempt) -> list[dict]:
    """Each question as the candidate saw it (by type in the registry's order, as the exam
    client shows the paper, so the numbers are the same), with their answer, the right one,
    the 解析 and the points earned. Only for pages that have asked ``attempt.can_review(user)``."""
    answers = attempt.answers or {}
    scores = attempt.item_scores or []
    rows = []
    for k, q in enumerate(assembly.paper_view(attempt.paper, with_answers=True)):
        key = str(q["position"])
        earned = scores[k] if k < len(scores) else 0.0
        rows.append({"id": key, **q, "answer": answers.get(key, []), "score": earned})
    order = list(question_types.labels())
    return sorted(rows, key=lambda r: order.index(r["type"]) if r["type"] in order else len(order))
