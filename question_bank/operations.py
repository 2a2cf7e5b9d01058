"""Operations on the bank: save, import, review, activate, retire, blueprints.

They flush and write the audit entry; the request or command that called them commits.
An import runs inside a savepoint of its own, so a file with any error leaves nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from training_portal.core import audit, policy
from training_portal.core.db import db, utcnow
from training_portal.people import categories

from . import formats, types
from .data import Issue, QuestionData
from .formats.common import category_path, sanitise_html
from .models import Blueprint, BlueprintSection, Question, QuestionStatus, QuestionVersion


class BankError(ValueError):
    """A rule refused the operation; ``str()`` is the reason to show."""


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    notes: list[Issue] = field(default_factory=list)  # imported, with what was changed or dropped

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": [i.as_json() for i in self.skipped],
            "notes": [i.as_json() for i in self.notes],
            "errors": [i.as_json() for i in self.errors],
        }


def _version_fields(data: QuestionData) -> dict:
    types.get(data.type).validate(data.options, data.correct)  # raises QuestionTypeError
    stem = sanitise_html(data.stem) if data.stem_format == "html" else data.stem.strip()
    if not stem:
        raise types.QuestionTypeError(_l("The stem is empty."))
    html_options = data.options_format == "html"
    explanation = data.explanation.strip()
    if data.explanation_format == "html":
        explanation = sanitise_html(explanation, links=True)
    feedback = [sanitise_html(f, links=True) for f in data.option_feedback]
    return {
        "type": data.type,
        "stem": stem,
        "stem_format": data.stem_format,
        "options": [sanitise_html(o) if html_options else o.strip() for o in data.options],
        "correct": sorted(data.correct),
        "explanation": explanation,
        "points": float(data.points) if data.points else 1.0,
        "category": category_path(data.category),
        "knowledge_point": data.knowledge_point.strip(),
        "applies_to": list(data.applies_to),
        "author_difficulty": data.difficulty,
        "options_format": "html" if html_options else "text",
        "explanation_format": "html" if data.explanation_format == "html" and explanation else "text",
        "option_feedback": feedback if any(feedback) else [],
        "feedback": {
            k: sanitise_html(v, links=True) for k, v in data.feedback.items() if sanitise_html(v, links=True)
        },
        "shuffle_options": bool(data.shuffle),
    }


# A version's fields by the template's column names, to say how two copies of a question differ.
FIELD_WORDS = {
    "correct": "答案",
    "explanation": "解析",
    "points": "分值",
    "knowledge_point": "知识点",
    "author_difficulty": "难度",
    "applies_to": "适用类别",
    "option_feedback": "选项反馈",
    "feedback": "反馈",
    "shuffle_options": "选项顺序",
    "stem_format": "格式",
    "options_format": "格式",
    "explanation_format": "格式",
}


def fingerprint(fields: dict) -> str:
    """Who an id-less question is: its type, stem and options (in any order) within its
    category. The answer, explanation and points may change; the question stays the same one."""

    def norm(text: str) -> str:
        return " ".join(text.split())

    key = [
        fields["category"],
        fields["type"],
        norm(fields["stem"]),
        sorted(norm(o) for o in fields["options"]),
    ]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode()).hexdigest()


def _new_version(question: Question, fields: dict, actor) -> QuestionVersion:
    number = (max((v.number for v in question.versions), default=0)) + 1
    version = QuestionVersion(
        question=question, number=number, created_by_id=getattr(actor, "id", None), **fields
    )
    db.session.add(version)
    question.current_version = version
    question.fingerprint = fingerprint(fields)
    return version


def _save(data: QuestionData, existing: Question | None, actor) -> tuple[Question, str]:
    """Create or update one question; the outcome is "imported", "updated" or "unchanged"."""
    fields = _version_fields(data)
    if existing is None:
        question = Question(external_id=data.external_id or None, status=QuestionStatus.DRAFT)
        db.session.add(question)
        _new_version(question, fields, actor)
        return question, "imported"
    if data.points is None and existing.current_version is not None:
        fields["points"] = existing.current_version.points  # a file without points keeps them
    if existing.current_version is not None and existing.current_version.content() == fields:
        return existing, "unchanged"
    # A changed question is a new version and needs review again; papers already drawn
    # keep the version they froze.
    _new_version(existing, fields, actor)
    existing.status = QuestionStatus.DRAFT
    existing.reviewed_by_id = None
    existing.reviewed_at = None
    return existing, "updated"


def create_question(data: QuestionData, *, actor) -> Question:
    if data.external_id and _by_external_ids([data.external_id]):
        raise BankError(_l("A question with the id %(id)s exists already.", id=data.external_id))
    try:
        question, _ = _save(data, None, actor)
    except types.QuestionTypeError as exc:
        raise BankError(str(exc)) from exc
    db.session.flush()
    audit.record(
        "question.create", question, actor=actor, after={"version": question.current_version.content()}
    )
    return question


def edit_question(question: Question, data: QuestionData, *, actor) -> str:
    before = question.current_version.content() if question.current_version else None
    try:
        _, outcome = _save(data, question, actor)
    except types.QuestionTypeError as exc:
        raise BankError(str(exc)) from exc
    db.session.flush()
    if outcome != "unchanged":
        audit.record(
            "question.edit",
            question,
            actor=actor,
            before={"version": before},
            after={"version": question.current_version.content(), "status": "draft"},
        )
    return outcome


def _by_external_ids(ids: list[str]) -> dict[str, Question]:
    found: dict[str, Question] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for q in db.session.scalars(select(Question).where(Question.external_id.in_(chunk))):
            found[q.external_id] = q
    return found


def _by_fingerprints(prints: list[str]) -> dict[str, Question]:
    """The bank's question of each fingerprint; one without an id first, then the oldest."""
    found: dict[str, Question] = {}
    for start in range(0, len(prints), 500):
        chunk = prints[start : start + 500]
        query = (
            select(Question)
            .where(Question.fingerprint.in_(chunk))
            .order_by(Question.external_id.is_not(None), Question.id)
        )
        for q in db.session.scalars(query):
            found.setdefault(q.fingerprint, q)
    return found


def import_questions(data: bytes, *, fmt: str = "auto", filename: str = "", actor=None) -> ImportReport:
    """All or nothing: any error in the file and the bank is as it was.

    A question is the bank's question of the same id when the file gives one, else the one of
    the same content in the same category (``fingerprint``): re-importing a file changes nothing.
    """
    parsed = formats.parse(data, fmt, filename)
    report = ImportReport(skipped=list(parsed.skipped), errors=list(parsed.errors), notes=list(parsed.notes))
    if not report.ok:
        return report
    if not parsed.questions:
        report.errors.append(Issue("file", _l("The file holds no question this bank can take.")))
        return report
    wanted: list[tuple[QuestionData, dict]] = []
    ids: dict[str, object] = {}
    prints: dict[str, tuple[object, dict]] = {}
    for index, item in enumerate(parsed.questions, start=1):
        where = item.source or item.external_id or _l("question %(n)d", n=index)
        try:
            fields = _version_fields(item)
        except types.QuestionTypeError as exc:
            report.errors.append(Issue(where, str(exc)))
            continue
        if item.external_id:
            if item.external_id in ids:
                report.errors.append(
                    Issue(
                        where,
                        _l(
                            "The ID %(id)s is already used at %(other)s.",
                            id=item.external_id,
                            other=ids[item.external_id],
                        ),
                    )
                )
                continue
            ids[item.external_id] = where
        else:
            key = fingerprint(fields)
            if key in prints:
                other, first = prints[key]
                differ = list(
                    dict.fromkeys(
                        FIELD_WORDS.get(name, name) for name in fields if fields[name] != first[name]
                    )
                )
                report.skipped.append(
                    Issue(
                        where,
                        _l(
                            "The same question as %(other)s, with another %(fields)s: only the first was imported.",  # noqa: E501
                            other=other,
                            fields="、".join(differ),
                        )
                        if differ
                        else _l("The same question as %(other)s: imported once.", other=other),
                    )
                )
                continue
            prints[key] = (where, fields)
        wanted.append((item, fields))
    if not report.ok:
        return report
    by_id = _by_external_ids([item.external_id for item, _ in wanted if item.external_id])
    by_print = _by_fingerprints([fingerprint(f) for item, f in wanted if not item.external_id])
    savepoint = db.session.begin_nested()
    for item, fields in wanted:
        existing = by_id.get(item.external_id) if item.external_id else by_print.get(fingerprint(fields))
        _, outcome = _save(item, existing, actor)
        setattr(report, outcome, getattr(report, outcome) + 1)
    savepoint.commit()
    db.session.flush()
    if report.imported or report.updated:
        audit.record(
            "questions.import",
            filename or "upload",
            target_type="files",
            actor=actor,
            after={
                "format": fmt,
                "imported": report.imported,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "skipped": len(report.skipped),
                "notes": len(report.notes),
            },
        )
    return report


def _set_status(question: Question, status: QuestionStatus, action: str, actor, note: str = "") -> None:
    before = question.status
    question.status = status
    db.session.flush()
    audit.record(
        action,
        question,
        actor=actor,
        before={"status": before},
        after={"status": status, "note": note} if note else {"status": status},
    )


def review_question(question: Question, *, reviewer, approve: bool, note: str = "") -> None:
    """审核: a draft becomes reviewed, or stays a draft with the reason. Never by its author."""
    if question.status is not QuestionStatus.DRAFT:
        raise BankError(_l("Only draft questions are reviewed."))
    if question.author_id is not None and question.author_id == reviewer.id:
        raise BankError(_l("The author of a question cannot review it."))
    if not approve and not note.strip():
        raise BankError(_l("A rejection needs a reason."))
    if approve:
        question.reviewed_by_id = reviewer.id
        question.reviewed_at = utcnow()
        _set_status(question, QuestionStatus.REVIEWED, "question.review_approve", reviewer, note)
    else:
        db.session.flush()
        audit.record(
            "question.review_reject",
            question,
            actor=reviewer,
            after={"status": question.status, "note": note.strip()},
        )


def activate_question(question: Question, *, actor) -> None:
    if question.status is not QuestionStatus.REVIEWED:
        raise BankError(_l("Only reviewed questions can be made active."))
    _set_status(question, QuestionStatus.ACTIVE, "question.activate", actor)


def retire_question(question: Question, *, actor) -> None:
    """Retired questions are drawn no more; past papers and scores keep them unchanged."""
    if question.status is QuestionStatus.RETIRED:
        raise BankError(_l("The question is retired already."))
    _set_status(question, QuestionStatus.RETIRED, "question.retire", actor)


@dataclass
class SectionSpec:
    type: str
    count: int
    points: float
    category: str = ""
    knowledge_point: str = ""


def save_blueprint(
    blueprint: Blueprint | None,
    *,
    name: str,
    target: str,
    purpose: str,
    duration_minutes: int | None,
    target_facility: float | None,
    partial_credit: bool,
    sections: list[SectionSpec],
    actor,
) -> Blueprint:
    if not sections:
        raise BankError(_l("A blueprint needs at least one section."))
    try:
        categories.check_target(target)
    except categories.UnknownCategory as exc:
        raise BankError(str(exc)) from None
    for s in sections:
        if s.type not in types.REGISTRY:
            raise BankError(_l("Unknown question type %(name)s.", name=s.type))
        if s.count <= 0 or s.points <= 0:
            raise BankError(_l("Each section needs a positive number of questions and points."))
    total = sum(s.count * s.points for s in sections)
    if purpose == "exam" and abs(total - policy.get("exam.total_points")) > 1e-9:
        raise BankError(
            _l(
                "An exam paper has %(total)s points in all; these sections give %(got)s.",
                total=policy.get("exam.total_points"),
                got=f"{total:g}",
            )
        )
    if target_facility is not None and not 0 < target_facility < 1:
        raise BankError(_l("The target difficulty is a share of points expected, between 0 and 1."))
    before = _blueprint_json(blueprint) if blueprint else None
    duration = duration_minutes or policy.get("exam.duration_minutes")
    new_sections = [
        BlueprintSection(
            position=i,
            type=s.type,
            count=s.count,
            points=s.points,
            category=category_path(s.category),
            knowledge_point=s.knowledge_point.strip(),
        )
        for i, s in enumerate(sections)
    ]
    if blueprint is None:
        blueprint = Blueprint()
    blueprint.name, blueprint.target, blueprint.purpose = name.strip(), target, purpose
    blueprint.duration_minutes = duration
    blueprint.target_facility, blueprint.partial_credit = target_facility, partial_credit
    blueprint.updated_at = utcnow()
    blueprint.sections = new_sections
    db.session.add(blueprint)
    db.session.flush()
    audit.record("blueprint.save", blueprint, actor=actor, before=before, after=_blueprint_json(blueprint))
    return blueprint


def _blueprint_json(b: Blueprint) -> dict:
    return {
        "name": b.name,
        "target": b.target,
        "purpose": b.purpose,
        "duration_minutes": b.duration_minutes,
        "target_facility": b.target_facility,
        "partial_credit": b.partial_credit,
        "sections": [
            {
                "type": s.type,
                "count": s.count,
                "points": s.points,
                "category": s.category,
                "knowledge_point": s.knowledge_point,
            }
            for s in b.sections
        ],
    }


def question_data(version: QuestionVersion, external_id: str | None) -> QuestionData:
    """A version as the plain data the exporters write."""
    return QuestionData(
        type=version.type,
        stem=version.stem,
        options=list(version.options),
        correct=list(version.correct),
        stem_format=version.stem_format,
        explanation=version.explanation,
        category=version.category,
        knowledge_point=version.knowledge_point,
        difficulty=version.author_difficulty,
        applies_to=list(version.applies_to),
        external_id=external_id or "",
        points=version.points,
        options_format=version.options_format,
        explanation_format=version.explanation_format,
        option_feedback=list(version.option_feedback or []),
        feedback=dict(version.feedback or {}),
        shuffle=version.shuffle_options,
    )


def questions_in(category: str = "", include_retired: bool = False):
    """Current versions of the bank's questions, optionally under one category path."""
    query = select(Question, QuestionVersion).join(
        QuestionVersion, Question.current_version_id == QuestionVersion.id
    )
    if not include_retired:
        query = query.where(Question.status != QuestionStatus.RETIRED)
    category = category_path(category)
    if category:
        query = query.where(
            (QuestionVersion.category == category)
            | QuestionVersion.category.startswith(category + "/", autoescape=True)
        )
    return db.session.execute(query.order_by(Question.id)).all()
