"""Practice, mock exams and the wrong-answer book (错题本).

Questions come from the active bank only, and only those that apply to the learner's posts:
a question whose ``applies_to`` is empty applies to everyone, otherwise it must name the
personnel category or the operation type of one of the learner's current posts. Grading is
the question type's own (``question_bank.types``); a mock's paper is drawn by the bank's
assembler from the blueprint for the learner's post, but stored here, never as a bank paper,
so it reaches neither the exam record nor the item statistics. Operations flush; the request
commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from question_bank import assembly, types
from question_bank.models import Blueprint, Question, QuestionStatus, QuestionVersion

from ..core import policy
from ..core.db import db, locked, utcnow
from ..people.models import Person
from .models import PracticeItem, PracticeRound, RoundMode, RoundState, Shown, WrongAnswer, owned_by

MAX_CATEGORY = 200


class PracticeError(ValueError):
    """A request practice cannot meet; ``str()`` is the reason for the learner."""

    def __init__(self, reason, status: int = 409) -> None:
        super().__init__(str(reason))
        self.status = status


# ----------------------------------------------------------------------------- what applies


def targets_of(person: Person | None) -> set[str]:
    """The personnel categories and operation types of a person's current posts."""
    if person is None:
        return set()
    found = set()
    for post in person.current_posts:
        found.add(post.post.personnel_category.value)
        if post.operation_type is not None:
            found.add(post.operation_type.value)
    return found


def _in_category(path: str, prefix: str) -> bool:
    return not prefix or path == prefix or path.startswith(prefix + "/")


@dataclass(frozen=True)
class Candidate:
    question_id: int
    version_id: int
    type: str
    category: str
    n_options: int
    points: float


def applicable(
    person: Person | None, category: str = "", question_ids: Iterable[int] | None = None
) -> list[Candidate]:
    """The active questions (their current versions) that apply to ``person``, in ``category``
    (a path prefix), optionally only among ``question_ids``."""
    targets = targets_of(person)
    query = (
        select(
            Question.id,
            QuestionVersion.id,
            QuestionVersion.type,
            QuestionVersion.category,
            QuestionVersion.applies_to,
            func.json_array_length(QuestionVersion.options),
            QuestionVersion.points,
        )
        .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
        .where(Question.status == QuestionStatus.ACTIVE)
        .order_by(Question.id)
    )
    if question_ids is not None:
        query = query.where(Question.id.in_(list(question_ids)))
    return [
        Candidate(qid, vid, qtype, path, n, points)
        for qid, vid, qtype, path, applies, n, points in db.session.execute(query)
        if (not applies or targets & set(applies)) and _in_category(path or "", category)
    ]


def categories(person: Person | None) -> list[tuple[str, int]]:
    """Every category path (and each of its parents) of the questions that apply, with how
    many questions it holds: what a learner may choose to practise."""
    counts: dict[str, int] = {}
    for c in applicable(person):
        parts = (c.category or "").split("/")
        for depth in range(1, len(parts) + 1):
            path = "/".join(parts[:depth])
            if path:
                counts[path] = counts.get(path, 0) + 1
    return sorted(counts.items())


def mock_blueprint(person: Person | None) -> Blueprint | None:
    """The exam blueprint for the learner's post: one for their operation type before one for
    their whole category; the newest of equals."""
    targets = targets_of(person)
    if not targets:
        return None
    rows = db.session.scalars(
        select(Blueprint)
        .where(Blueprint.purpose == "exam", Blueprint.target.in_(targets))
        .order_by(Blueprint.updated_at.desc(), Blueprint.id.desc())
    ).all()
    categories_only = {p.post.personnel_category.value for p in person.current_posts}
    return min(rows, key=lambda b: b.target in categories_only, default=None)


# ----------------------------------------------------------------------------- starting a round


def _order(n_options: int, qtype: str, rng: np.random.Generator) -> list[int]:
    return rng.permutation(n_options).tolist() if types.get(qtype).shuffle_options else list(range(n_options))


def start_round(user, mode: str, category: str = "", rng: np.random.Generator | None = None) -> PracticeRound:
    """A new round for ``user``: practice (some questions of a category), the wrong-answer
    book, or a mock exam with its timer running."""
    rng = rng or np.random.default_rng()
    if mode not in set(RoundMode):
        raise PracticeError(_l("mode must be practice, mock or wrong_book."), 400)
    if not isinstance(category, str) or len(category) > MAX_CATEGORY:
        raise PracticeError(
            _l("category must be a category path of at most %(n)d characters.", n=MAX_CATEGORY), 400
        )
    person = user.person
    if person is None or not person.current_posts:
        raise PracticeError(
            _l("Practice needs a personal record with a post: ask your employer to record your post."), 403
        )
    category = category.strip().strip("/")
    mode = RoundMode(mode)
    if mode is RoundMode.MOCK:
        return _start_mock(user, person, rng)
    if mode is RoundMode.WRONG_BOOK:
        in_book = db.session.scalars(
            select(WrongAnswer.question_id).where(
                WrongAnswer.user_id == user.id, WrongAnswer.left_at.is_(None)
            )
        ).all()
        if not in_book:
            raise PracticeError(_l("Your wrong-answer book is empty."))
        pool = applicable(person, category, in_book)
    else:
        pool = applicable(person, category)
    if not pool:
        raise PracticeError(_l("No active question applies to your post in this category."))
    chosen = rng.permutation(len(pool))[: max(1, policy.get("practice.questions_per_round"))]
    practice = PracticeRound(user_id=user.id, mode=mode, category=category)
    practice.items = [
        PracticeItem(
            position=k,
            question_id=pool[i].question_id,
            version_id=pool[i].version_id,
            points=pool[i].points,
            option_order=_order(pool[i].n_options, pool[i].type, rng),
        )
        for k, i in enumerate(chosen.tolist(), start=1)
    ]
    practice.total_points = sum(item.points for item in practice.items)
    db.session.add(practice)
    db.session.flush()
    return practice


def _start_mock(user, person: Person, rng: np.random.Generator) -> PracticeRound:
    blueprint = mock_blueprint(person)
    if blueprint is None:
        raise PracticeError(_l("There is no exam blueprint for your post yet."))
    try:
        assembler = assembly.assembler_for(blueprint, rng)
    except ValueError:
        raise PracticeError(_l("The active bank cannot fill a mock paper for your post yet.")) from None
    draw = assembler.draw()
    owners = dict(
        db.session.execute(
            select(QuestionVersion.id, QuestionVersion.question_id).where(
                QuestionVersion.id.in_([vid for _, vid, _ in draw.items])
            )
        ).all()
    )
    now = utcnow()
    mock = PracticeRound(
        user_id=user.id,
        mode=RoundMode.MOCK,
        blueprint=blueprint,
        partial_credit=blueprint.partial_credit,
        created_at=now,
        deadline=now + timedelta(minutes=blueprint.duration_minutes),
    )
    mock.items = [
        PracticeItem(
            position=k,
            question_id=owners[vid],
            version_id=vid,
            points=points,
            option_order=_order(n, assembler.pools[pool].type, rng),
        )
        for k, ((pool, vid, points), n) in enumerate(
            zip(draw.items, draw.option_counts, strict=True), start=1
        )
    ]
    mock.total_points = sum(points for _, _, points in draw.items)
    db.session.add(mock)
    db.session.flush()
    return mock


# ----------------------------------------------------------------------------- answers


def check_answer(question: Shown, answer: object, *, allow_empty: bool = False) -> list[int]:
    """The answer as sent (indices into the options as shown), checked; PracticeError if bad."""
    n = len(question.option_order)
    if not isinstance(answer, list) or not all(
        isinstance(k, int) and not isinstance(k, bool) for k in answer
    ):
        raise PracticeError(_l("answer must be a list of option numbers."), 400)
    if any(not 0 <= k < n for k in answer):
        raise PracticeError(_l("This question has options 0 to %(last)d only.", last=n - 1), 400)
    chosen = sorted(set(answer))
    if not chosen and not allow_empty:
        raise PracticeError(_l("Choose at least one option."), 400)
    if len(chosen) > 1 and question.type != types.MultipleChoice.name:
        raise PracticeError(_l("This question takes one option."), 400)
    return chosen


def _grade(question: Shown, answer: list[int], partial: bool) -> tuple[float, bool]:
    """The question type's own grading, on the options in their original order: (score, all
    right)."""
    qtype = types.get(question.type)
    original = [question.option_order[k] for k in answer]
    full = qtype.grade(question.correct, original, question.points, False) >= question.points
    return qtype.grade(question.correct, original, question.points, partial), full


def feedback(question: Shown, answer: list[int]) -> dict:
    """What the learner sees after answering: right or not, the right options (as shown) and
    the 解析."""
    correct = [pos for pos, k in enumerate(question.option_order) if k in question.correct]
    return {
        "correct": _grade(question, answer, False)[1],
        "answer": correct,
        "explanation": question.explanation,
    }


@dataclass(frozen=True)
class Answerable:
    """One question of a round, read for its answer in one query without the ORM's objects: the
    answer of a practice question is the busiest request of practice."""

    round_id: int
    user_id: int
    mode: RoundMode
    item_id: int
    question_id: int
    answer: list[int] | None
    question: Shown
    in_book: bool  # the question is in the learner's wrong-answer book now

    def can_answer(self, user) -> bool:
        return owned_by(self.user_id, user)


_ANSWERABLE = (
    select(
        PracticeRound.user_id,
        PracticeRound.mode,
        PracticeItem.id,
        PracticeItem.answer,
        PracticeItem.option_order,
        PracticeItem.points,
        QuestionVersion.type,
        QuestionVersion.correct,
        QuestionVersion.explanation,
        WrongAnswer.id.is_not(None),
    )
    .join(PracticeRound, PracticeRound.id == PracticeItem.round_id)
    .join(QuestionVersion, QuestionVersion.id == PracticeItem.version_id)
    .outerjoin(
        WrongAnswer,
        (WrongAnswer.user_id == PracticeRound.user_id)
        & (WrongAnswer.question_id == PracticeItem.question_id)
        & WrongAnswer.left_at.is_(None),
    )
    .where(
        PracticeItem.round_id == bindparam("round_id"), PracticeItem.question_id == bindparam("question_id")
    )
)


def answerable(round_id: int, question_id: int) -> Answerable | None:
    row = db.session.execute(_ANSWERABLE, {"round_id": round_id, "question_id": question_id}).first()
    if row is None:
        return None
    user_id, mode, item_id, answer, order, points, qtype, correct, explanation, in_book = row
    return Answerable(
        round_id,
        user_id,
        mode,
        item_id,
        question_id,
        answer,
        Shown(order, points, qtype, correct, explanation),
        bool(in_book),
    )


def answer_practice(found: Answerable, answer: list[int]) -> dict:
    """Answer a practice question once; the same answer again (a retry) gets the same feedback."""
    score, right = _grade(found.question, answer, False)
    now = utcnow()
    stored = db.session.execute(
        update(PracticeItem)
        .where(PracticeItem.id == found.item_id, PracticeItem.answer.is_(None))
        .values(answer=answer, correct=right, score=score, answered_at=now)
    ).rowcount
    if stored != 1:
        if db.session.scalar(select(PracticeItem.answer).where(PracticeItem.id == found.item_id)) != answer:
            raise PracticeError(_l("You answered this question already."))
        return feedback(found.question, answer)
    if found.in_book or not right:  # a right answer to a question not in the book changes nothing
        note_answer(found.user_id, found.question_id, right, now)
    return feedback(found.question, answer)


def note_answer(user_id: int, question_id: int, right: bool, now: datetime | None = None) -> None:
    """The wrong-answer book's rule: every wrong answer puts the question in (again); it leaves
    after the policy's number of right answers in a row."""
    now = now or utcnow()
    table = WrongAnswer.__table__
    if right:
        needed = policy.get("practice.right_in_a_row_to_leave_book")
        db.session.execute(
            update(table)
            .where(table.c.user_id == user_id, table.c.question_id == question_id, table.c.left_at.is_(None))
            .values(
                right_in_a_row=table.c.right_in_a_row + 1,
                left_at=case(
                    (table.c.right_in_a_row + 1 >= needed, literal(now, table.c.left_at.type)), else_=None
                ),
            )
        )
        return
    table_insert = (pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert)(table)
    db.session.execute(
        table_insert.values(
            user_id=user_id, question_id=question_id, times_wrong=1, right_in_a_row=0, last_wrong_at=now
        ).on_conflict_do_update(
            index_elements=[table.c.user_id, table.c.question_id],
            set_={
                "times_wrong": table.c.times_wrong + 1,
                "right_in_a_row": 0,
                "left_at": None,
                "last_wrong_at": now,
            },
        )
    )


# ----------------------------------------------------------------------------- mocks


def remaining_seconds(mock: PracticeRound, now: datetime | None = None) -> int:
    if mock.deadline is None or mock.state.finished:
        return 0
    return max(0, int((mock.deadline - (now or utcnow())).total_seconds()))


def close_if_overdue(mock: PracticeRound) -> None:
    """A mock past its deadline is handed in as it stands (the timer is the server's)."""
    if mock.is_mock and mock.state is RoundState.ANSWERING and remaining_seconds(mock) == 0:
        hand_in(mock)


def _open_mock(mock: PracticeRound) -> PracticeRound:
    mock = locked(PracticeRound, mock.id)
    close_if_overdue(mock)
    if mock.state.finished:
        raise PracticeError(_l("The mock exam is handed in."))
    return mock


def save_mock_answer(mock: PracticeRound, item_id: int, answer: list[int]) -> None:
    mock = _open_mock(mock)
    item = next(i for i in mock.items if i.id == item_id)
    item.answer, item.answered_at = answer, utcnow()
    db.session.flush()


def save_mock_sheet(mock: PracticeRound, answers: object, seq: int) -> int:
    """The exam client's whole answer sheet, stored if ``seq`` is newer; returns the stored seq."""
    mock = _open_mock(mock)
    if not isinstance(answers, dict):
        raise PracticeError(_l("answers must be an object keyed by question id."), 400)
    by_id = {str(item.question_id): item for item in mock.items}
    clean = {}
    for key, chosen in answers.items():
        if key not in by_id:
            raise PracticeError(_l("Question %(id)s is not in this round.", id=key), 400)
        clean[key] = check_answer(by_id[key].shown, chosen, allow_empty=True)
    if seq <= mock.saved_seq:
        return mock.saved_seq  # an older save arriving late
    now = utcnow()
    for key, chosen in clean.items():
        item = by_id[key]
        if item.answer != (chosen or None):
            item.answer, item.answered_at = chosen or None, now
    mock.saved_seq = seq
    db.session.flush()
    return seq


def hand_in(mock: PracticeRound) -> PracticeRound:
    """Grade at once. Handing in twice changes nothing. Every question answered wrong goes to
    the wrong-answer book; right ones count towards leaving it."""
    mock = locked(PracticeRound, mock.id)
    if mock.state.finished:
        return mock
    now = utcnow()
    late = mock.deadline is not None and mock.deadline <= now
    mock.state = RoundState.TIMED_OUT if late else RoundState.SUBMITTED
    mock.finished_at = mock.deadline if late else now
    total = 0.0
    for item in mock.items:
        score, right = _grade(item.shown, item.answer or [], mock.partial_credit)
        item.score, item.correct = score, right
        total += score
        if item.answer:
            note_answer(mock.user_id, item.question_id, right, now)
    mock.score = round(total, 2)
    pass_mark = policy.get("exam.pass_mark") * mock.total_points / policy.get("exam.total_points")
    mock.passed = mock.score >= pass_mark
    db.session.flush()
    return mock


# ----------------------------------------------------------------------------- the book and progress


def wrong_answers(user) -> list[dict]:
    """The questions in the learner's book, most often wrong first."""
    rows = db.session.execute(
        select(WrongAnswer, QuestionVersion.stem, QuestionVersion.category)
        .join(Question, Question.id == WrongAnswer.question_id)
        .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
        .where(WrongAnswer.user_id == user.id, WrongAnswer.left_at.is_(None))
        .order_by(WrongAnswer.times_wrong.desc(), WrongAnswer.last_wrong_at.desc())
    ).all()
    return [
        {
            "question_id": w.question_id,
            "stem": stem,
            "category": category,
            "times_wrong": w.times_wrong,
            "right_in_a_row": w.right_in_a_row,
        }
        for w, stem, category in rows
    ]


@dataclass
class Progress:
    """One knowledge point (a category path): answers given, right ones, questions in the book."""

    category: str
    answered: int = 0
    right: int = 0
    in_book: int = 0

    @property
    def share_right(self) -> float:
        return self.right / self.answered if self.answered else 0.0


def progress(user) -> list[Progress]:
    """Per knowledge point, weakest first: the lowest share of right answers, then the most
    questions in the book."""
    table: dict[str, Progress] = {}
    answered = db.session.execute(
        select(QuestionVersion.category, func.count(), func.sum(case((PracticeItem.correct, 1), else_=0)))
        .select_from(PracticeItem)
        .join(PracticeRound, PracticeRound.id == PracticeItem.round_id)
        .join(QuestionVersion, QuestionVersion.id == PracticeItem.version_id)
        .where(
            PracticeRound.user_id == user.id,
            PracticeItem.answer.is_not(None),
            PracticeItem.correct.is_not(None),
        )
        .group_by(QuestionVersion.category)
    ).all()
    for category, n, right in answered:
        table[category or ""] = Progress(category or "", int(n), int(right or 0))
    for entry in wrong_answers(user):
        table.setdefault(entry["category"] or "", Progress(entry["category"] or "")).in_book += 1
    return sorted(table.values(), key=lambda p: (p.share_right, -p.in_book, p.category))


def recent_rounds(user, limit: int = 10) -> list[PracticeRound]:
    return db.session.scalars(
        select(PracticeRound)
        .where(PracticeRound.user_id == user.id)
        .order_by(PracticeRound.id.desc())
        .limit(limit)
    ).all()
