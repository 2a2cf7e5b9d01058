"""The sitting report: pass rate, score distribution, reliability, flagged questions and
irregularities of one session; as a page and as an Excel file.

Before both units have signed (``ExamSession.results_published``) it holds no score, no pass
or fail and nothing derived from graded answers: only who is seated, who is present and what
happened in the room: every proctor's act at a seat (who, when, why) and each unit's signature
with the remarks typed when signing."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from flask_babel import format_datetime
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select

from question_bank.models import ItemStatistic, QuestionVersion
from question_bank.statistics import TestStats, test_statistics

from ..accounts.models import User
from ..core.db import db
from .models import AttemptState, ExamSession, ProctorAction, SessionSignature

IRREGULAR = ("identity_refuse", "irregularity", "terminate", "pause", "add_time", "allow_new_device")


@dataclass
class SittingReport:
    session: ExamSession
    seated: int
    present: int
    passed: int | None
    scores: list[float]
    distribution: list[tuple[str, int]]
    stats: TestStats | None
    flagged: list[tuple[QuestionVersion, ItemStatistic]] = field(default_factory=list)
    irregularities: list[ProctorAction] = field(default_factory=list)
    # The room's log: every act at a seat in time order, and the signatures with their remarks.
    events: list[ProctorAction] = field(default_factory=list)
    signatures: list[SessionSignature] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # user id -> the name shown

    def who(self, user_id: int) -> str:
        return self.names.get(user_id, "")

    @property
    def published(self) -> bool:
        return self.session.results_published

    @property
    def pass_rate(self) -> float | None:
        return 100.0 * self.passed / self.present if self.present and self.passed is not None else None


def build(session: ExamSession) -> SittingReport:
    graded = [
        a
        for a in session.attempts
        if a.state in (AttemptState.SUBMITTED, AttemptState.TIMED_OUT, AttemptState.TERMINATED)
    ]
    events = sorted((action for a in session.attempts for action in a.actions), key=lambda e: (e.at, e.id))
    irregular = [action for action in events if action.kind in IRREGULAR]
    signatures = sorted(session.signatures, key=lambda s: s.signed_at)
    ids = {e.by_id for e in events} | {s.user_id for s in signatures}
    named = select(User.id, User.display_name).where(User.id.in_(ids))
    names = dict(db.session.execute(named).all()) if ids else {}
    log = {"events": events, "signatures": signatures, "names": names}
    if not session.results_published:
        return SittingReport(
            session, len(session.attempts), len(graded), None, [], [], None, [], irregular, **log
        )
    scores = [a.score or 0.0 for a in graded]
    bins = [
        (
            f"{lo}–{lo + 9 if lo < 90 else 100}",
            sum(1 for s in scores if lo <= s < lo + 10 or (lo == 90 and s == 100)),
        )
        for lo in range(0, 100, 10)
    ]
    # Papers of one blueprint compared slot by slot, as Moodle does for random questions.
    rows = [a.item_scores for a in graded if a.item_scores]
    comparable = len(rows) >= 2 and len({len(r) for r in rows}) == 1
    stats = test_statistics(np.array(rows, dtype=float)) if comparable else None
    versions = {item.version_id for a in graded if a.paper for item in a.paper.items}
    flagged = (
        db.session.execute(
            select(QuestionVersion, ItemStatistic)
            .join(ItemStatistic)
            .where(QuestionVersion.id.in_(versions), ItemStatistic.flag.is_not(None))
            .order_by(ItemStatistic.discrimination_index)
        ).all()
        if versions
        else []
    )
    return SittingReport(
        session,
        len(session.attempts),
        len(graded),
        sum(1 for a in graded if a.passed),
        scores,
        bins,
        stats,
        [tuple(row) for row in flagged],
        irregular,
        **log,
    )


def to_xlsx(report: SittingReport) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "概况"
    s = report.session
    rows = [
        ("场次", s.name),
        ("考试点", s.site),
        ("考场", s.room),
        ("类别", s.subject_label),
        ("开考时间", s.starts_at.strftime("%Y-%m-%d %H:%M")),
        ("安排人数", report.seated),
        ("实考人数", report.present),
        ("合格人数", report.passed if report.published else "双方签字后公布"),
        ("合格率（%）", round(report.pass_rate, 1) if report.pass_rate is not None else ""),
    ]
    if report.stats:
        rows += [
            ("平均分", round(report.stats.mean, 2)),
            ("标准差", round(report.stats.sd, 2)),
            ("Cronbach α", round(report.stats.alpha, 3) if report.stats.alpha is not None else ""),
            (
                "测量标准误",
                round(report.stats.standard_error, 2) if report.stats.standard_error is not None else "",
            ),
        ]
    for row in rows:
        summary.append(row)
    candidates = book.create_sheet("考生成绩")
    candidates.append(["座位", "姓名", "身份证号", "状态", "成绩", "是否合格", "补考"])
    for a in s.attempts:
        result = ("合格" if a.passed else "不合格") if a.result_visible else "双方签字后公布"
        candidates.append(
            [
                a.seat,
                a.person.name,
                a.person.id_number,
                str(a.state.label),
                a.visible_score,
                result,
                "是" if a.retake else "否",
            ]
        )
    distribution = book.create_sheet("分数分布")
    distribution.append(["分数段", "人数"])
    for label, count in report.distribution:
        distribution.append([label, count])
    flagged = book.create_sheet("需复核试题")
    flagged.append(["题干", "作答人数", "通过率", "区分度", "标记"])
    for version, stat in report.flagged:
        flagged.append(
            [version.stem, stat.n, round(stat.facility, 1), stat.discrimination_index, stat.flag_label]
        )
    irregular = book.create_sheet("考场情况")
    irregular.append(["座位", "情况", "理由", "分钟", "监考员", "时间"])
    for action in report.irregularities:
        irregular.append(
            [action.attempt.seat, str(action.label), action.reason, action.minutes, *_by_at(report, action)]
        )
    log = book.create_sheet("考场记录")
    log.append(["时间", "座位", "考生", "事件", "分钟", "监考员", "理由"])
    for action in report.events:
        by, at = _by_at(report, action)
        seat, name = action.attempt.seat, action.attempt.person.name
        log.append([at, seat, name, str(action.label), action.minutes, by, action.reason])
    signed = book.create_sheet("签字")
    signed.append(["单位", "监考员", "签字时间", "备注"])
    for signature in report.signatures:
        signed.append(
            [
                str(signature.unit.label),
                report.who(signature.user_id),
                format_datetime(signature.signed_at, "yyyy-MM-dd HH:mm:ss"),
                signature.remarks,
            ]
        )
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _by_at(report: SittingReport, action: ProctorAction) -> tuple[str, str]:
    return report.who(action.by_id), format_datetime(action.at, "yyyy-MM-dd HH:mm:ss")
