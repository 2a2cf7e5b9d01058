"""Operations on training: courses, classes, the roster, attendance and its hours, the video
check of each lesson, fatal accidents and degree upgrades. Each decision is audited; the
caller's request or task holds the transaction."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from proctoring.models import Recording
from proctoring.operations import in_use

from ..core import audit, policy, storage
from ..core.db import db, utcnow
from ..core.i18n import local_today, local_zone
from ..core.xlsx import WorkbookError, sheet_rows
from ..organisations.models import Classroom, MineEnterprise, Organisation, TrainingCenter
from ..people import categories, idcard
from ..people import operations as people_ops
from ..people.models import Education, OperationType, Person, PersonnelCategory, Post
from . import hours
from .models import (
    Attendance,
    CodeFailure,
    Course,
    CourseKind,
    CourseModule,
    CourseTarget,
    EducationUpgrade,
    Enrolment,
    FatalAccident,
    HourCredit,
    Lesson,
    TrainingClass,
    VideoVerdict,
    hours_text,
)


class TrainingError(ValueError):
    """A rule refused the operation; ``str()`` is the reason to show."""


CODE_SECONDS = 60  # a classroom code changes every minute; the previous one still works
CODE_LOCK_FAILURES = 5  # wrong codes within CODE_LOCK_MINUTES lock a trainee out until they age
CODE_LOCK_MINUTES = 10
SIGN_IN_EARLY = timedelta(minutes=30)  # a trainee may sign in this long before a lesson starts
ROSTER_MAX_ROWS = 2000
EVIDENCE_MAX_BYTES = storage.EVIDENCE_MAX_BYTES


def parse_hours(raw: object) -> int:
    """学时 as typed ("2", "2.5") to tenths; raise TrainingError with the reason."""
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if not re.fullmatch(r"\d{1,3}(\.\d)?", text):
        raise TrainingError(_l("Hours are a number with at most one decimal, e.g. 4 or 2.5."))
    tenths = round(float(text) * 10)
    if tenths <= 0:
        raise TrainingError(_l("Hours must be more than zero."))
    return tenths


# ----------------------------------------------------------------------------- courses and classes

def create_course(center: TrainingCenter, title: str, kind: CourseKind, *,
                  targets: list[tuple[PersonnelCategory, OperationType | None]],
                  modules: list[tuple[str, int]], actor, description: str = "") -> Course:
    if not title.strip():
        raise TrainingError(_l("A course needs a title."))
    if not targets:
        raise TrainingError(_l("Say which personnel categories the course counts for."))
    if not modules:
        raise TrainingError(_l("A course has at least one module with its hours."))
    for category, operation_type in targets:
        try:
            registered = categories.get(category)
        except categories.UnknownCategory as exc:
            raise TrainingError(str(exc)) from None
        if operation_type is not None and operation_type not in registered.operation_types:
            raise TrainingError(_l("Only special operations have operation types."))
    course = Course(center=center, title=title.strip()[:120], kind=kind, description=description,
                    created_by_id=actor.id,
                    targets=[CourseTarget(category=c, operation_type=t) for c, t in dict.fromkeys(targets)],
                    modules=[CourseModule(position=i, title=m[:120], hours_tenths=h)
                             for i, (m, h) in enumerate(modules, start=1)])
    db.session.add(course)
    db.session.flush()
    audit.record("course.create", course, actor=actor, organisation=center,
                 after={"title": course.title, "kind": kind,
                        "targets": [t.label for t in course.targets],
                        "modules": [(m.title, m.hours_tenths) for m in course.modules]})
    return course


def create_class(course: Course, classroom: Classroom, name: str, starts_on: date, ends_on: date, *,
                 actor) -> TrainingClass:
    if classroom.center_id != course.center_id:
        raise TrainingError(_l("The classroom must belong to the course's training center."))
    if ends_on < starts_on:
        raise TrainingError(_l("The class must end on or after the day it starts."))
    training_class = TrainingClass(course=course, classroom=classroom,
                                   name=name.strip()[:120] or course.title,
                                   starts_on=starts_on, ends_on=ends_on, created_by_id=actor.id)
    db.session.add(training_class)
    db.session.flush()
    audit.record("class.create", training_class, actor=actor, organisation=course.center,
                 after={"course_id": course.id, "classroom_id": classroom.id,
                        "starts_on": starts_on, "ends_on": ends_on})
    return training_class


def add_lesson(training_class: TrainingClass, title: str, starts_at: datetime, ends_at: datetime,
               hours_tenths: int, *, actor, module: CourseModule | None = None) -> Lesson:
    zone = local_zone()
    if ends_at <= starts_at:
        raise TrainingError(_l("A lesson must end after it starts."))
    first = starts_at.astimezone(zone).date()
    last = (ends_at - timedelta(microseconds=1)).astimezone(zone).date()
    if first < training_class.starts_on or last > training_class.ends_on:
        raise TrainingError(_l("The lesson must fall within the class's dates (%(a)s – %(b)s).",
                               a=training_class.starts_on.isoformat(), b=training_class.ends_on.isoformat()))
    minutes = policy.get("training.minutes_per_hour")
    if hours_tenths * minutes * 6 > (ends_at - starts_at).total_seconds():
        raise TrainingError(_l("%(h)s 学时 need at least %(m)d minutes; the lesson is shorter.",
                               h=hours_text(hours_tenths), m=math.ceil(hours_tenths * minutes / 10)))
    if module is not None and module.course_id != training_class.course_id:
        raise TrainingError(_l("The module belongs to another course."))
    clash = db.session.scalar(
        select(Lesson).join(TrainingClass).where(
            TrainingClass.classroom_id == training_class.classroom_id,
            Lesson.starts_at < ends_at, Lesson.ends_at > starts_at).limit(1))
    if clash is not None:
        raise TrainingError(_l("The classroom is booked then by %(c)s (%(t)s).",
                               c=clash.training_class.name, t=clash.title))
    lesson = Lesson(training_class=training_class, title=title.strip()[:120] or training_class.course.title,
                    starts_at=starts_at, ends_at=ends_at, hours_tenths=hours_tenths, module=module,
                    code_secret=secrets.token_hex(16))
    db.session.add(lesson)
    db.session.flush()
    audit.record("lesson.create", lesson, actor=actor, organisation=training_class.center,
                 after={"class_id": training_class.id, "starts_at": starts_at, "ends_at": ends_at,
                        "hours_tenths": hours_tenths})
    verify_lesson(lesson)
    return lesson


# ----------------------------------------------------------------------------- the roster

def _check_post(course: Course, post: Post | None, operation_type: OperationType | None) -> None:
    if post is not None:
        try:
            categories.operation_type(categories.of_post(post), operation_type)
        except categories.UnknownCategory as exc:
            raise TrainingError(str(exc)) from None
    if post is not None and not course.counts_for(post.personnel_category, operation_type):
        raise TrainingError(_l("The course does not count for the post %(p)s.",
                               p=operation_type.label if operation_type else post.label))


def enrol(training_class: TrainingClass, person: Person, *, actor, post: Post | None = None,
          operation_type: OperationType | None = None) -> Enrolment:
    _check_post(training_class.course, post, operation_type)
    if any(e.person_id == person.id for e in training_class.enrolments):
        raise TrainingError(_l("%(name)s is already on the roster.", name=person.name))
    if len(training_class.enrolments) >= training_class.classroom.seats:
        raise TrainingError(_l("The classroom has %(n)d seats and the roster is full.",
                               n=training_class.classroom.seats))
    enrolment = Enrolment(training_class=training_class, person=person, post=post,
                          operation_type=operation_type, enrolled_by_id=actor.id)
    db.session.add(enrolment)
    db.session.flush()
    audit.record("class.enrol", enrolment, actor=actor, organisation=training_class.center,
                 after={"class_id": training_class.id, "person_id": person.id,
                        "post": post, "operation_type": operation_type})
    return enrolment


ROSTER_COLUMNS = ("姓名", "身份证号", "单位", "岗位")


@dataclass
class RosterRow:
    number: int
    name: str
    id_number: str
    unit: Organisation | None
    post: Post
    operation_type: OperationType | None
    person: Person | None


@dataclass
class RosterResult:
    enrolled: int = 0
    created: int = 0
    unchanged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (row, reason)

    def as_json(self) -> dict:
        return {"enrolled": self.enrolled, "created": self.created, "unchanged": self.unchanged,
                "errors": [{"item": item, "reason": reason} for item, reason in self.errors]}


def _norm(text: str) -> str:
    return categories.normalise_word(text)


def post_words() -> dict[str, tuple[Post, OperationType | None]]:
    """What a roster's 岗位 cell may say (the registry's words; see ``categories.post_words``)."""
    return categories.post_words()


def _roster_rows(data: bytes) -> tuple[list[RosterRow], list[tuple[str, str]]]:
    try:
        rows = sheet_rows(data, ROSTER_MAX_ROWS + 10)
    except WorkbookError as exc:
        return [], [("file", str(exc.issue.reason))]
    header_at, columns = None, {}
    for index, row in enumerate(rows[:10]):
        found = {_norm(v): i for i, v in reversed(list(enumerate(row)))}
        if _norm("身份证号") in found:
            header_at, columns = index, {c: found.get(_norm(c)) for c in ROSTER_COLUMNS}
            break
    missing = [c for c, i in columns.items() if i is None] if header_at is not None else list(ROSTER_COLUMNS)
    if missing:
        return [], [("header", str(_l("The header row lacks the columns: %(c)s.", c="、".join(missing))))]
    words = post_words()
    units: dict[str, Organisation] = {}
    errors: list[tuple[str, str]] = []
    parsed: list[RosterRow] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        cells = {c: (row[i].strip() if i < len(row) else "") for c, i in columns.items()}
        if not any(cells.values()):
            continue
        item = f"row {number}"
        if not cells["姓名"]:
            errors.append((item, str(_l("The 姓名 cell is empty."))))
            continue
        try:
            number_ok = idcard.parse(cells["身份证号"]).number
        except idcard.IdNumberError as exc:
            errors.append((item, str(_l("身份证号 %(n)s: %(why)s", n=cells["身份证号"] or "—",
                                        why=exc.reason))))
            continue
        if number_ok in seen:
            errors.append((item, str(_l("The same 身份证号 is on row %(r)d too.", r=seen[number_ok]))))
            continue
        seen[number_ok] = number
        post = words.get(_norm(cells["岗位"]))
        if post is None:
            errors.append((item, str(_l("Unknown 岗位 %(p)s.", p=cells["岗位"] or "—"))))
            continue
        unit = None
        if cells["单位"]:
            key = _norm(cells["单位"])
            if key not in units:
                units[key] = next((o for o in db.session.scalars(
                    select(Organisation).where(Organisation.name == unicodedata.normalize(
                        "NFKC", cells["单位"]).strip()))), None)
            unit = units[key]
            if unit is None:
                errors.append((item, str(_l("No organisation named %(u)s.", u=cells["单位"]))))
                continue
        person = people_ops.find_by_id_number(number_ok)
        if person is not None and _norm(person.name) != _norm(cells["姓名"]):
            errors.append((item, str(_l("The record of %(n)s holds the name %(have)s, not %(given)s.",
                                        n=idcard.mask(number_ok), have=person.name, given=cells["姓名"]))))
            continue
        parsed.append(RosterRow(number, cells["姓名"], number_ok, unit, post[0], post[1], person))
    if not parsed and not errors:
        errors.append(("file", str(_l("The roster has no trainees."))))
    return parsed, errors


def import_roster(training_class: TrainingClass, data: bytes, *, actor) -> RosterResult:
    """Enrol everyone on an Excel roster (姓名, 身份证号, 单位, 岗位), or no one: any bad row is
    reported with its number and nothing is written. People new to the platform get a record."""
    rows, errors = _roster_rows(data)
    result = RosterResult(errors=errors)
    enrolled_ids = {e.person_id for e in training_class.enrolments}
    for row in rows:
        try:
            _check_post(training_class.course, row.post, row.operation_type)
        except TrainingError as exc:
            result.errors.append((f"row {row.number}", str(exc)))
    new_rows = [r for r in rows if r.person is None or r.person.id not in enrolled_ids]
    seats = training_class.classroom.seats
    if not result.errors and len(enrolled_ids) + len(new_rows) > seats:
        result.errors.append(("file", str(_l("The classroom has %(n)d seats; the roster would have %(m)d.",
                                             n=seats, m=len(enrolled_ids) + len(new_rows)))))
    if result.errors:
        return result
    result.unchanged = len(rows) - len(new_rows)
    for row in new_rows:
        person = row.person
        if person is None:
            person = people_ops.create_person(row.id_number, row.name, actor=actor, employer=row.unit)
            result.created += 1
        enrol(training_class, person, actor=actor, post=row.post, operation_type=row.operation_type)
        result.enrolled += 1
    return result


# ----------------------------------------------------------------------------- attendance

def lesson_code(lesson: Lesson, at: datetime, *, previous: bool = False) -> str:
    """The six digits shown in the classroom at ``at``; they change every CODE_SECONDS."""
    window = int(at.timestamp()) // CODE_SECONDS - (1 if previous else 0)
    key = current_app.config["SECRET_KEY"].encode() + bytes.fromhex(lesson.code_secret)
    digest = hmac.new(key, f"lesson:{lesson.id}:{window}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def _enrolled(lesson: Lesson, person: Person) -> None:
    if not any(e.person_id == person.id for e in lesson.training_class.enrolments):
        raise TrainingError(_l("%(name)s is not on this class's roster.", name=person.name))


def _attendance(lesson: Lesson, person: Person) -> Attendance | None:
    return next((a for a in lesson.attendance if a.person_id == person.id), None)


def sign_in(lesson: Lesson, person: Person, *, at: datetime, actor) -> Attendance:
    """签到. ``actor`` is the staff member marking it, or None for the trainee's own code."""
    _enrolled(lesson, person)
    if _attendance(lesson, person) is not None:
        raise TrainingError(_l("%(name)s has signed in already.", name=person.name))
    if not lesson.starts_at - SIGN_IN_EARLY <= at <= lesson.ends_at:
        raise TrainingError(_l("Signing in is open from 30 minutes before the lesson until it ends."))
    attendance = Attendance(lesson=lesson, person=person, signed_in_at=at,
                            signed_in_by_id=actor.id if actor else None)
    db.session.add(attendance)
    db.session.flush()
    audit.record("attendance.sign_in", attendance, actor=actor, organisation=lesson.training_class.center,
                 after={"lesson_id": lesson.id, "person_id": person.id, "at": at,
                        "by_code": actor is None})
    _attendance_changed(attendance)
    return attendance


def sign_out(lesson: Lesson, person: Person, *, at: datetime, actor) -> Attendance:
    """签退."""
    _enrolled(lesson, person)
    attendance = _attendance(lesson, person)
    if attendance is None:
        raise TrainingError(_l("%(name)s has not signed in.", name=person.name))
    if attendance.signed_out_at is not None:
        raise TrainingError(_l("%(name)s has signed out already.", name=person.name))
    if at <= attendance.signed_in_at:
        raise TrainingError(_l("Signing out must come after signing in."))
    attendance.signed_out_at = at
    attendance.signed_out_by_id = actor.id if actor else None
    db.session.flush()
    audit.record("attendance.sign_out", attendance, actor=actor, organisation=lesson.training_class.center,
                 after={"lesson_id": lesson.id, "person_id": person.id, "at": at,
                        "by_code": actor is None})
    _attendance_changed(attendance)
    return attendance


def sign_out_everyone(lesson: Lesson, *, actor) -> int:
    """At the end of a lesson, staff sign out everyone still signed in, at the lesson's end."""
    if utcnow() < lesson.ends_at:
        raise TrainingError(_l("The lesson has not ended yet."))
    open_ones = [a for a in lesson.attendance if a.signed_out_at is None]
    for attendance in open_ones:
        sign_out(lesson, attendance.person, at=lesson.ends_at, actor=actor)
    return len(open_ones)


def check_in_with_code(person: Person, code: str, *, at: datetime | None = None) -> Attendance:
    """A trainee's phone: the code shown in the classroom signs them in, the next time out.
    A wrong code is recorded in a transaction of its own (it must outlive the refused request),
    so call this before writing anything else in the request: SQLite has one writer at a time."""
    at = at or utcnow()
    recent = db.session.scalar(select(func.count(CodeFailure.id)).where(
        CodeFailure.person_id == person.id, CodeFailure.at > at - timedelta(minutes=CODE_LOCK_MINUTES)))
    if recent >= CODE_LOCK_FAILURES:
        raise TrainingError(_l("Too many wrong codes; try again in %(n)d minutes or ask the staff.",
                               n=CODE_LOCK_MINUTES))
    code = unicodedata.normalize("NFKC", code or "").strip()
    lessons = db.session.scalars(
        select(Lesson).join(TrainingClass).join(Enrolment, Enrolment.class_id == TrainingClass.id)
        .where(Enrolment.person_id == person.id, Lesson.starts_at <= at + SIGN_IN_EARLY,
               Lesson.ends_at >= at - SIGN_IN_EARLY)).all()
    for lesson in lessons:
        if any(hmac.compare_digest(code, lesson_code(lesson, at, previous=p)) for p in (False, True)):
            attendance = _attendance(lesson, person)
            if attendance is None:
                return sign_in(lesson, person, at=at, actor=None)
            return sign_out(lesson, person, at=min(at, lesson.ends_at), actor=None)
    # Recorded in its own transaction: the refusal rolls the request back, the failure must stay.
    with db.engine.begin() as connection:
        connection.execute(CodeFailure.__table__.insert().values(person_id=person.id, at=at))
    if not lessons:
        raise TrainingError(_l("None of your classes has a lesson now."))
    raise TrainingError(_l("The code is not right or has expired; type the one shown now."))


def _attendance_changed(attendance: Attendance) -> None:
    """Recompute the hours this attendance earns; the head count changed, so re-check the video."""
    lesson = attendance.lesson
    earned = hours.credit(lesson.starts_at, lesson.ends_at, lesson.hours_tenths, attendance.signed_in_at,
                          attendance.signed_out_at, zone=local_zone(),
                          grace=timedelta(minutes=policy.get("training.grace_minutes")))
    attendance.credits = [
        HourCredit(person_id=attendance.person_id, lesson_id=lesson.id,
                   course_id=lesson.training_class.course_id, year=year, tenths=tenths, earned_on=on)
        for year, (tenths, on) in sorted(earned.items())]
    db.session.flush()
    if lesson.video_verdict is not VideoVerdict.NO_VIDEO:
        verify_lesson(lesson)


# ----------------------------------------------------------------------------- the video check

def _untrusted_reason(lesson: Lesson, recordings: list[Recording],
                      signed_in: int) -> tuple[VideoVerdict, str]:
    if not recordings:
        return VideoVerdict.NO_VIDEO, ""
    usable = [r for r in recordings if r.status != "failed"]
    if any(r.status in ("queued", "analysing") for r in usable):
        return VideoVerdict.PENDING, ""
    gap = timedelta(minutes=policy.get("training.video_max_gap_minutes"))
    covered_to = lesson.starts_at
    for recording in usable:
        if recording.starts_at - covered_to > gap:
            break
        covered_to = max(covered_to, recording.starts_at + timedelta(seconds=recording.duration_s))
    if lesson.ends_at - covered_to > gap:
        return VideoVerdict.NOT_IN_USE, "gap"
    percent = policy.get("training.head_count_tolerance_percent")
    tolerance = max(1, math.ceil(signed_in * percent / 100))
    for recording in usable:
        start_s = max(0.0, (lesson.starts_at - recording.starts_at).total_seconds())
        end_s = min(recording.duration_s, (lesson.ends_at - recording.starts_at).total_seconds())
        if end_s > start_s and not in_use(recording, start_s, end_s, signed_in, tolerance):
            return VideoVerdict.NOT_IN_USE, "not_in_use"
    return VideoVerdict.IN_USE, ""


def verify_lesson(lesson: Lesson) -> VideoVerdict:
    """Whether the classroom's analysed video shows the lesson held as attendance says: the whole
    slot recorded (gaps up to the policy's minutes), the camera trusted throughout and the head
    count within the tolerance of the trainees signed in. Only then are its hours verified."""
    recordings = db.session.scalars(
        select(Recording).where(Recording.classroom_id == lesson.training_class.classroom_id,
                                Recording.starts_at < lesson.ends_at, Recording.ends_at > lesson.starts_at)
        .order_by(Recording.starts_at)).all()
    signed_in = len(lesson.attendance)
    verdict, reason = _untrusted_reason(lesson, list(recordings), signed_in)
    before = lesson.video_verdict
    lesson.video_verdict = verdict
    lesson.video_detail = {"recordings": [r.id for r in recordings], "signed_in": signed_in, "reason": reason}
    lesson.video_checked_at = utcnow()
    db.session.flush()
    if verdict is not before:
        audit.record("lesson.video_verdict", lesson, organisation=lesson.training_class.center,
                     before={"verdict": before}, after={"verdict": verdict} | lesson.video_detail)
    return verdict


def recording_changed(recording: Recording) -> None:
    """A classroom recording was stored or analysed: re-check the lessons it overlaps."""
    if recording.classroom_id is None:
        return
    lessons = db.session.scalars(
        select(Lesson).join(TrainingClass).where(
            TrainingClass.classroom_id == recording.classroom_id,
            Lesson.starts_at < recording.ends_at, Lesson.ends_at > recording.starts_at)).all()
    for lesson in lessons:
        verify_lesson(lesson)


# ----------------------------------------------------------------------------- accidents, degrees

def record_accident(mine: MineEnterprise, occurred_on: date, description: str, *,
                    responsible: list[Person], actor) -> FatalAccident:
    if occurred_on > local_today():
        raise TrainingError(_l("The accident date is in the future."))
    accident = FatalAccident(mine=mine, occurred_on=occurred_on, description=description.strip(),
                             responsible_ids=sorted({p.id for p in responsible}), recorded_by_id=actor.id)
    db.session.add(accident)
    db.session.flush()
    audit.record("accident.record", accident, actor=actor, organisation=mine,
                 after={"mine_id": mine.id, "occurred_on": occurred_on,
                        "responsible_ids": accident.responsible_ids})
    return accident


def record_education_upgrade(person: Person, education: Education, institution: str, completed_on: date,
                             evidence: bytes, *, actor, field_of_study: str = "",
                             mining_related: bool = False) -> EducationUpgrade:
    """学历提升 with its evidence (a PDF or a photo of the diploma); a degree higher than the
    record's becomes the person's education, which the admission rules read."""
    if not institution.strip():
        raise TrainingError(_l("Name the school or university."))
    if completed_on > local_today():
        raise TrainingError(_l("The completion date is in the future."))
    if not evidence:
        raise TrainingError(_l("Attach the diploma or certificate as evidence."))
    try:
        evidence_key = storage.save_evidence("evidence", evidence)
    except storage.FileRefused as exc:
        raise TrainingError(str(exc.reason)) from exc
    upgrade = EducationUpgrade(person=person, education=education, field=field_of_study.strip()[:80],
                               mining_related=mining_related, institution=institution.strip()[:120],
                               completed_on=completed_on,
                               evidence_key=evidence_key,
                               recorded_by_id=actor.id)
    db.session.add(upgrade)
    db.session.flush()
    audit.record("education.upgrade", upgrade, actor=actor,
                 after={"person_id": person.id, "education": education, "institution": upgrade.institution,
                        "completed_on": completed_on, "evidence": upgrade.evidence_key})
    have = person.education
    if have is None or education.level > have.level or (
            education.level == have.level and mining_related and not person.mining_related_degree):
        people_ops.update_person(person, actor=actor, education=education, education_field=upgrade.field,
                                 mining_related_degree=mining_related)
    return upgrade
