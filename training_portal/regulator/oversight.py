"""Training-center oversight: per center, what its classrooms' video, its trainees' exams and
certificates say, against the province and the policy's thresholds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from ..accounts.models import RoleAssignment
from ..certificates.models import Certificate, CertificateStatus
from ..core import policy
from ..core.db import db, utcnow
from ..core.i18n import local_zone
from ..core.permissions import Role
from ..exams.models import ExamApplication, ExamAttempt, ExamSession, ProctorAction, SessionStatus
from ..organisations.models import TrainingCenter
from ..training import ledger
from ..training.models import Course, Enrolment, HourCredit, Lesson, TrainingClass, VideoVerdict


@dataclass
class CenterOversight:
    center: TrainingCenter
    coverage_percent: float
    networked_percent: float | None  # 联网: scheduled lesson time with the camera online
    verified_share: float | None  # of the claimed hours this year; None without any
    pass_rates: dict[str, tuple[int, int]]  # category → (passed, sat)
    irregularities: int
    revoked: int
    separation_violations: list[str]
    flags: list[str] = field(default_factory=list)

    def rate(self, category: str) -> float | None:
        passed, sat = self.pass_rates.get(category, (0, 0))
        return 100.0 * passed / sat if sat else None


def _trainees(center_id: int):
    return (
        select(Enrolment.person_id)
        .join(TrainingClass)
        .join(Course)
        .where(Course.center_id == center_id)
        .distinct()
    )


def _pass_rates(person_ids=None) -> dict[str, tuple[int, int]]:
    query = (
        select(
            ExamApplication.category,
            func.count(ExamAttempt.id),
            func.sum(case((ExamAttempt.passed.is_(True), 1), else_=0)),
        )
        .join(ExamApplication, ExamApplication.id == ExamAttempt.application_id)
        .join(ExamSession, ExamSession.id == ExamAttempt.session_id)
        .where(ExamSession.status == SessionStatus.SIGNED, ExamAttempt.passed.is_not(None))
        .group_by(ExamApplication.category)
    )
    if person_ids is not None:
        query = query.where(ExamAttempt.person_id.in_(person_ids))
    return {
        category.value: (int(passed or 0), int(sat)) for category, sat, passed in db.session.execute(query)
    }


def province_rates() -> dict[str, float]:
    return {c: 100.0 * p / n for c, (p, n) in _pass_rates().items() if n}


def oversee(
    center: TrainingCenter, province: dict[str, float], now: datetime | None = None
) -> CenterOversight:
    from ..cameras.figures import networked

    now = now or utcnow()
    year = now.astimezone(local_zone()).year
    rooms = ledger.coverage(center, year, now)
    scheduled = sum(r.scheduled_s for r in rooms)
    coverage = 100.0 * sum(r.analysed_s for r in rooms) / scheduled if scheduled else 0.0
    online = networked([center], now).centers[center.id].percent
    claimed, verified = db.session.execute(
        select(
            func.coalesce(func.sum(HourCredit.tenths), 0),
            func.coalesce(
                func.sum(case((Lesson.video_verdict == VideoVerdict.IN_USE, HourCredit.tenths), else_=0)), 0
            ),
        )
        .join(Lesson, Lesson.id == HourCredit.lesson_id)
        .join(Course, Course.id == HourCredit.course_id)
        .where(Course.center_id == center.id, HourCredit.year == year)
    ).one()
    trainees = _trainees(center.id)
    irregular = db.session.scalar(
        select(func.count(ProctorAction.id))
        .join(ExamAttempt)
        .where(ExamAttempt.person_id.in_(trainees), ProctorAction.kind.in_(("irregularity", "terminate")))
    )
    revoked = db.session.scalar(
        select(func.count(Certificate.id)).where(
            Certificate.person_id.in_(trainees), Certificate.status == CertificateStatus.REVOKED
        )
    )
    staff = set(
        db.session.scalars(
            select(RoleAssignment.user_id).where(
                RoleAssignment.role == Role.CENTER_STAFF, RoleAssignment.organisation_id == center.id
            )
        )
    )
    examiners = db.session.scalars(
        select(RoleAssignment).where(
            RoleAssignment.user_id.in_(staff), RoleAssignment.role.in_((Role.REVIEWER, Role.PROCTOR))
        )
    ).all()
    result = CenterOversight(
        center,
        coverage,
        online,
        100.0 * verified / claimed if claimed else None,
        _pass_rates(trainees),
        irregular,
        revoked,
        sorted({a.user.display_name for a in examiners}),
    )
    # The target is for networked classrooms (监控视频联网): judged by the cameras' status during
    # lessons, not by what uploads happened to cover.
    target = policy.get("classrooms.video_coverage_target_percent")
    if online is not None and online < target:
        result.flags.append(
            str(_l("Classrooms online %(p).0f%% of lesson time against %(t).0f%%", p=online, t=target))
        )
    if result.verified_share is not None and result.verified_share < policy.get(
        "oversight.min_verified_share_percent"
    ):
        result.flags.append(
            str(_l("Only %(p).0f%% of the claimed hours verified by video", p=result.verified_share))
        )
    gap = policy.get("oversight.max_pass_rate_gap_points")
    for category, average in province.items():
        rate = result.rate(category)
        if rate is not None and rate < average - gap:
            result.flags.append(
                str(_l("Pass rate %(r).0f%% against the province's %(a).0f%%", r=rate, a=average))
            )
    if revoked > policy.get("oversight.max_revoked_certificates"):
        result.flags.append(str(_l("%(n)d revoked certificates of its trainees", n=revoked)))
    if result.separation_violations:
        result.flags.append(str(_l("考教分离 violated: staff holding exam roles")))
    return result
