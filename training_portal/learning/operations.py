"""Online lessons and warning films: adding them and their videos and materials, assigning
films to a mine's staff, and counting a viewing's playback reports into credited study time.

Videos arrive through proctoring's resumable uploads (``stage_upload``/``add_chunk``/
``take_video``), so they are probed with PyAV exactly as recordings are. A viewing's credited
time of a lesson goes to the training ledger as online hours (``HourCredit`` rows with source
"online"); a film counts as watched once its credited time reaches the policy's share of its
length. Operations flush and write the audit entries; the request commits.
"""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from proctoring import operations as uploads
from proctoring.models import Upload

from ..core import audit, policy, storage
from ..core.db import db, locked, utcnow
from ..core.errors import CONFLICT, DomainError
from ..core.i18n import local_today, local_zone
from ..organisations.models import MineEnterprise, Organisation
from ..people.models import Person, PersonPost, Post
from ..training.ledger import ONLINE
from ..training.models import Course, HourCredit
from . import playback
from .models import FilmAssignment, LessonMaterial, OnlineLesson, Viewing, WarningFilm

MIN_VIDEO_SECONDS = 5.0
PDF_MAGIC = b"%PDF-"


class LearningError(DomainError):
    pass


def add_lesson(course: Course, title: str, *, actor) -> OnlineLesson:
    title = title.strip()[:120]
    if not title:
        raise LearningError(_l("Give the lesson a title."), field="title")
    lesson = OnlineLesson(course_id=course.id, title=title, created_by_id=actor.id)
    db.session.add(lesson)
    db.session.flush()
    audit.record(
        "learning.lesson_add", lesson, actor=actor, organisation=course.center, after={"title": title}
    )
    return lesson


def add_film(owner: Organisation, title: str, case_summary: str, *, actor) -> WarningFilm:
    title = title.strip()[:120]
    if not title:
        raise LearningError(_l("Give the film a title."), field="title")
    film = WarningFilm(
        owner_id=owner.id, title=title, case_summary=case_summary.strip(), created_by_id=actor.id
    )
    db.session.add(film)
    db.session.flush()
    audit.record("learning.film_add", film, actor=actor, organisation=owner, after={"title": title})
    return film


# Videos: the upload's purpose names what it is for.


def purpose_of(target: OnlineLesson | WarningFilm) -> str:
    return f"learning.{'lesson' if isinstance(target, OnlineLesson) else 'film'}:{target.id}"


def target_of(upload: Upload) -> OnlineLesson | WarningFilm | None:
    kind, _, ident = (upload.purpose or "").partition(":")
    model = {"learning.lesson": OnlineLesson, "learning.film": WarningFilm}.get(kind)
    return db.session.get(model, int(ident)) if model and ident.isdigit() else None


def start_video_upload(target: OnlineLesson | WarningFilm, *, filename: str, size: int, actor) -> Upload:
    if size > policy.get("learning.video_max_mb") * 2**20:
        raise LearningError(_l("The file is larger than %(mb)d MB.", mb=policy.get("learning.video_max_mb")))
    try:
        return uploads.stage_upload(
            filename=filename,
            total_size=size,
            max_bytes=policy.get("learning.video_max_mb") * 2**20,
            actor=actor,
            purpose=purpose_of(target),
        )
    except uploads.RecordingError as exc:
        raise LearningError(str(exc)) from exc


def finish_video_upload(upload: Upload, target: OnlineLesson | WarningFilm, *, actor) -> None:
    """Probe the whole file as a recording is probed; a file that is not a complete video is
    refused (``uploads.UploadRefused``) and nothing of it is kept."""

    def too_short(seconds: float) -> str:
        return str(
            _l(
                "The video lasts %(s).0f seconds; a lesson or film needs at least %(n).0f.",
                s=seconds,
                n=MIN_VIDEO_SECONDS,
            )
        )

    video = uploads.take_video(
        upload, actor=actor, area="learning", min_duration_s=MIN_VIDEO_SECONDS, too_short=too_short
    )
    before = {"video_key": target.video_key, "sha256": target.video_sha256}
    target.video_key, target.video_sha256, target.video_bytes = video.key, video.sha256, video.size
    target.duration_s, target.width, target.height = video.duration_s, video.width, video.height
    db.session.flush()
    audit.record(
        "learning.video_store",
        target,
        actor=actor,
        before=before,
        after={"sha256": video.sha256, "size": video.size, "duration_s": round(video.duration_s, 1)},
    )


def attach_video(target: OnlineLesson | WarningFilm, data: bytes, filename: str, *, actor) -> None:
    """A whole file at once (the demo's clips) through the same staging, probe and store."""
    upload = start_video_upload(target, filename=filename, size=len(data), actor=actor)
    uploads.add_chunk(upload, 0, data)
    finish_video_upload(upload, target, actor=actor)


def read_material(stream) -> bytes:
    """An uploaded material's bytes, read no further than one byte past the policy's size (so
    that ``add_material`` refuses a larger file without holding all of it)."""
    return stream.read(policy.get("learning.material_max_mb") * 2**20 + 1)


def add_material(lesson: OnlineLesson, title: str, filename: str, data: bytes, *, actor) -> LessonMaterial:
    """A PDF: refused unless its first bytes say PDF and it is within the policy's size."""
    limit = policy.get("learning.material_max_mb") * 2**20
    if not data:
        raise LearningError(_l("The file is empty."), field="file")
    if len(data) > limit:
        raise LearningError(
            _l("The file is larger than %(mb)d MB.", mb=policy.get("learning.material_max_mb")), field="file"
        )
    if not data.startswith(PDF_MAGIC):
        raise LearningError(_l("Materials are PDF files; this file is not a PDF."), field="file")
    material = LessonMaterial(
        lesson_id=lesson.id,
        title=(title.strip() or filename)[:120],
        storage_key=storage.save("learning", data, ".pdf"),
        size_bytes=len(data),
        created_by_id=actor.id,
    )
    db.session.add(material)
    db.session.flush()
    audit.record(
        "learning.material_add", material, actor=actor, after={"title": material.title, "size": len(data)}
    )
    return material


# Films assigned to a mine's staff (组织全员观看)


def assign_film(
    film: WarningFilm, mine: MineEnterprise, *, posts: list[str], due_on: date, actor
) -> FilmAssignment:
    if not actor.can("learning.assign_film", mine):
        raise LearningError(_l("You do not assign films to this mine."), status=403)
    known = {p.value for p in Post}
    if any(p not in known for p in posts):
        raise LearningError(_l("Choose posts from the list."), field="posts")
    if due_on < local_today():
        raise LearningError(_l("The deadline has passed already."), field="due_on")
    assignment = FilmAssignment(
        film_id=film.id, mine_id=mine.id, posts=sorted(set(posts)), due_on=due_on, assigned_by_id=actor.id
    )
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        "learning.film_assign",
        assignment,
        actor=actor,
        organisation=mine,
        after={"film_id": film.id, "posts": assignment.posts, "due_on": due_on},
    )
    return assignment


def _staff_posts(assignment: FilmAssignment):
    today = local_today()
    query = select(PersonPost).where(
        PersonPost.organisation_id == assignment.mine_id,
        PersonPost.started_on <= today,
        or_(PersonPost.ended_on.is_(None), PersonPost.ended_on >= today),
    )
    if assignment.posts:
        query = query.where(PersonPost.post.in_([Post(p) for p in assignment.posts]))
    return query


def audience(assignment: FilmAssignment) -> list[Person]:
    """The people of the mine the assignment asks to watch: holders (now) of its posts there."""
    ids = select(_staff_posts(assignment).with_only_columns(PersonPost.person_id).subquery().c.person_id)
    return list(db.session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.name)))


def in_assignment(assignment: FilmAssignment, person: Person | None) -> bool:
    """Whether the assignment asks ``person`` to watch (a holder, now, of one of its posts)."""
    if person is None:
        return False
    return (
        db.session.scalar(_staff_posts(assignment).where(PersonPost.person_id == person.id).limit(1))
        is not None
    )


def in_audience(film: WarningFilm, person: Person | None) -> bool:
    return any(in_assignment(a, person) for a in film.assignments)


@dataclass
class Share:
    """全员观看: how many of an assignment's audience have watched."""

    assignment: FilmAssignment
    people: list[Person]
    watched: set[int]

    @property
    def total(self) -> int:
        return len(self.people)

    @property
    def done(self) -> int:
        return sum(1 for p in self.people if p.id in self.watched)

    @property
    def percent(self) -> float:
        return 100.0 * self.done / self.total if self.total else 0.0

    @property
    def post_labels(self) -> list[str]:
        return [Post(p).label for p in self.assignment.posts]

    @property
    def missing(self) -> list[Person]:
        return [p for p in self.people if p.id not in self.watched]


def share(assignment: FilmAssignment) -> Share:
    people = audience(assignment)
    watched = set(
        db.session.scalars(
            select(Viewing.person_id).where(
                Viewing.film_id == assignment.film_id,
                Viewing.watched_at.is_not(None),
                Viewing.person_id.in_([p.id for p in people]),
            )
        )
    )
    return Share(assignment, people, watched)


# Viewings and the playback reports


def rules() -> playback.Rules:
    return playback.Rules(
        max_gap_s=float(policy.get("learning.report_max_gap_seconds")),
        idle_s=60.0 * policy.get("learning.idle_minutes"),
        max_rate=policy.get("learning.max_rate_percent") / 100,
        check_every_s=60.0 * policy.get("learning.check_every_minutes"),
        answer_within_s=float(policy.get("learning.check_answer_seconds")),
    )


def open_viewing(person: Person, target: OnlineLesson | WarningFilm) -> Viewing:
    """The person's viewing of the lesson or film, with a new page token: reports of any page
    opened before are refused from now on, and counting starts again from the next report."""
    if not target.has_video:
        raise LearningError(_l("This has no video yet."), status=CONFLICT)
    column = Viewing.lesson_id if isinstance(target, OnlineLesson) else Viewing.film_id
    viewing = db.session.scalar(select(Viewing).where(Viewing.person_id == person.id, column == target.id))
    if viewing is None:
        viewing = Viewing(
            person_id=person.id, refused={}, check_at_s=playback.next_check_at(target.duration_s, rules())
        )
        if isinstance(target, OnlineLesson):
            viewing.lesson_id = target.id
        else:
            viewing.film_id = target.id
        db.session.add(viewing)
    viewing.token = secrets.token_hex(16)
    viewing.seq, viewing.last_at, viewing.idle_prompt = 0, None, False
    db.session.flush()
    return viewing


_STATE_FIELDS = (
    "seq",
    "last_at",
    "position",
    "interaction_at",
    "idle_prompt",
    "pending_s",
    "credited_s",
    "check_at_s",
    "check_open_at",
)


def _target(viewing: Viewing) -> OnlineLesson | WarningFilm:
    return viewing.lesson or viewing.film


def _state(viewing: Viewing) -> playback.State:
    return playback.State(
        duration_s=_target(viewing).duration_s, **{f: getattr(viewing, f) for f in _STATE_FIELDS}
    )


def _store(viewing: Viewing, state: playback.State) -> None:
    for field in _STATE_FIELDS:
        setattr(viewing, field, getattr(state, field))


def _own_page(viewing: Viewing, token: object) -> None:
    if not isinstance(token, str) or not secrets.compare_digest(token, viewing.token):
        raise LearningError(
            _l("The video was opened again elsewhere; this page no longer counts. Reload it to go on."),
            status=CONFLICT,
            field="token",  # the page stops reporting
        )


MAX_SEQ = 2**31 - 1  # an INTEGER column


def _number(body: dict, key: str, *, low: float, high: float) -> float:
    value = body.get(key)
    try:  # a huge integer (10**400) does not fit a float
        number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
    except OverflowError:
        number = math.nan
    if not math.isfinite(number):
        raise LearningError(_l("The report's %(key)s is not a number.", key=key))
    return min(max(number, low), high)


def parse_report(body: dict) -> playback.Report:
    seq = body.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= MAX_SEQ:
        raise LearningError(_l("The report needs its sequence number (seq, from 1)."))
    flags = {}
    for key in ("playing", "muted", "visible", "interacted"):
        if not isinstance(body.get(key), bool):
            raise LearningError(_l("The report's %(key)s must be true or false.", key=key))
        flags[key] = body[key]
    return playback.Report(
        seq=seq,
        position=_number(body, "position", low=0.0, high=1e7),
        rate=_number(body, "rate", low=0.0, high=16.0),
        **flags,
    )


def _new_check(viewing: Viewing) -> dict:
    """A short question a person watching can answer and a script sending reports cannot
    without reading it: a sum, the right answer among four."""
    rng = random.SystemRandom()
    a, b = rng.randint(2, 9), rng.randint(2, 9)
    options = {a + b}
    while len(options) < 4:
        options.add(rng.randint(4, 18))
    shuffled = sorted(options, key=lambda _: rng.random())
    viewing.check = {"a": a, "b": b, "options": shuffled, "answer": shuffled.index(a + b)}
    return public_check(viewing)


def public_check(viewing: Viewing) -> dict | None:
    if viewing.check is None or viewing.check_open_at is None:
        return None
    return {
        "stem": str(_l("Check: what is %(a)d + %(b)d?", a=viewing.check["a"], b=viewing.check["b"])),
        "options": viewing.check["options"],
    }


def status(viewing: Viewing) -> dict:
    return {
        "credited_s": round(viewing.credited_s, 1),
        "pending_s": round(viewing.pending_s, 1),
        "check": public_check(viewing),
        "still_there": viewing.idle_prompt,
        "watched": viewing.watched_at is not None,
    }


def _counted_elsewhere(viewing: Viewing, now: datetime, rules: playback.Rules) -> bool:
    """Whether another viewing of the person earned time within the last report gap (lessons
    or films played side by side). The person's row is locked first, so that two reports of
    the same person at once are decided one after the other."""
    locked(Person, viewing.person_id)
    return (
        db.session.scalar(
            select(Viewing.id)
            .where(
                Viewing.person_id == viewing.person_id,
                Viewing.id != viewing.id,
                Viewing.counted_at > now - timedelta(seconds=rules.max_gap_s),
            )
            .limit(1)
        )
        is not None
    )


def report(viewing: Viewing, token: object, body: dict, *, now: datetime | None = None) -> dict:
    """One playback report into the viewing; what the stretch since the last report earned."""
    _own_page(viewing, token)
    parsed = parse_report(body)
    now = now or utcnow()
    state = _state(viewing)
    the_rules = rules()
    try:
        outcome = playback.apply(
            state, parsed, now, the_rules, elsewhere=_counted_elsewhere(viewing, now, the_rules)
        )
    except playback.StaleReport:
        raise LearningError(
            _l("Report %(n)d came after report %(last)d: it is not counted.", n=parsed.seq, last=viewing.seq),
            status=CONFLICT,
        ) from None
    _store(viewing, state)
    if outcome.reason == playback.COUNTED:
        viewing.counted_at = now
    if outcome.reason not in (playback.COUNTED, playback.STARTED) and outcome.elapsed_s:
        refused = dict(viewing.refused or {})
        refused[outcome.reason] = round(refused.get(outcome.reason, 0.0) + outcome.elapsed_s, 1)
        viewing.refused = refused
    if outcome.ask_check:
        _new_check(viewing)
    db.session.flush()
    return {"reason": outcome.reason, "earned_s": round(outcome.earned_s, 1), **status(viewing)}


def answer_check(
    viewing: Viewing, token: object, answer: object, *, actor, now: datetime | None = None
) -> dict:
    _own_page(viewing, token)
    if viewing.check_open_at is None or viewing.check is None:
        raise LearningError(_l("No check question is open."), status=CONFLICT)
    if isinstance(answer, bool) or not isinstance(answer, int):
        raise LearningError(_l("Answer with the number of an option."))
    now = now or utcnow()
    right = answer == viewing.check["answer"]
    state = _state(viewing)
    held = state.pending_s
    credited = playback.answer_check(state, right, now, rules())
    _store(viewing, state)
    viewing.check = None
    if credited:
        viewing.checks_passed += 1
    else:
        viewing.checks_failed += 1
        refused = dict(viewing.refused or {})
        refused["check_failed"] = round(refused.get("check_failed", 0.0) + held, 1)
        viewing.refused = refused
    _credit(viewing, actor=actor, now=now)
    db.session.flush()
    audit.record(
        "learning.credit" if credited else "learning.check_failed",
        viewing,
        actor=actor,
        after={"seconds": round(credited or held, 1), "credited_s": round(viewing.credited_s, 1)},
    )
    return {"right": right, "credited": round(credited, 1), **status(viewing)}


def still_here(viewing: Viewing, token: object, *, now: datetime | None = None) -> dict:
    _own_page(viewing, token)
    state = _state(viewing)
    playback.still_here(state, now or utcnow())
    _store(viewing, state)
    db.session.flush()
    return status(viewing)


def _credit(viewing: Viewing, *, actor, now: datetime) -> None:
    """A lesson's credited time into the ledger as online hours (tenths of a 学时, today's row
    taking what is new, so that each keeps the day it was earned); a film's into its watched
    mark."""
    if viewing.film is not None:
        film = viewing.film
        if (
            viewing.watched_at is None
            and viewing.credited_s >= film.duration_s * policy.get("learning.film_watched_percent") / 100
        ):
            viewing.watched_at = now
            audit.record("learning.film_watched", viewing, actor=actor, after={"film_id": film.id})
        return
    lesson = viewing.lesson
    total = int(viewing.credited_s * 10 // (policy.get("training.minutes_per_hour") * 60))
    rows = list(db.session.scalars(select(HourCredit).where(HourCredit.viewing_id == viewing.id)))
    new = total - sum(r.tenths for r in rows)
    if new <= 0:
        return
    today = now.astimezone(local_zone()).date()  # the province's day the time was credited on
    row = next((r for r in rows if r.earned_on == today), None)
    if row is None:
        row = HourCredit(
            source=ONLINE,
            viewing_id=viewing.id,
            person_id=viewing.person_id,
            course_id=lesson.course_id,
            year=today.year,
            tenths=0,
            earned_on=today,
        )
        db.session.add(row)
    row.tenths += new
    db.session.flush()
    audit.record(
        "learning.hours",
        row,
        actor=actor,
        organisation=lesson.course.center,
        after={"tenths": row.tenths, "lesson_id": lesson.id, "person_id": viewing.person_id},
    )
