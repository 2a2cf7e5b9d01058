"""The 联网 figure: the share of scheduled lesson time during which each classroom's camera was
online, per classroom, per center and over the centers a regulator oversees, against 100%.

Lessons of the year up to now count (a lesson in progress up to now); the camera's online
spans come from its recorded status changes, so a classroom without a camera counts 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from proctoring.cameras import online_spans

from ..core import policy
from ..core.db import db, utcnow
from ..core.i18n import local_zone
from ..training.models import Lesson, TrainingClass


@dataclass
class Networked:
    """Scheduled and online-during-lessons seconds; ``percent`` is None with nothing scheduled."""

    scheduled_s: float = 0.0
    online_s: float = 0.0

    @property
    def percent(self) -> float | None:
        return 100.0 * self.online_s / self.scheduled_s if self.scheduled_s else None

    def add(self, other: Networked) -> None:
        self.scheduled_s += other.scheduled_s
        self.online_s += other.online_s


@dataclass
class NetworkedFigures:
    rooms: dict[int, Networked] = field(default_factory=dict)  # by classroom id
    centers: dict[int, Networked] = field(default_factory=dict)  # by center id
    total: Networked = field(default_factory=Networked)
    target: float = 100.0


def _overlap(a: datetime, b: datetime, spans: list[tuple[datetime, datetime]]) -> float:
    return sum(max(0.0, (min(b, e) - max(a, s)).total_seconds()) for s, e in spans)


def networked(centers, now: datetime | None = None) -> NetworkedFigures:
    now = now or utcnow()
    zone = local_zone()
    start = datetime(now.astimezone(zone).year, 1, 1, tzinfo=zone)
    figures = NetworkedFigures(target=float(policy.get("classrooms.video_coverage_target_percent")))
    owner = {}
    for center in centers:
        figures.centers[center.id] = Networked()
        for room in center.classrooms:
            figures.rooms[room.id] = Networked()
            owner[room.id] = center.id
    lessons = db.session.execute(
        select(TrainingClass.classroom_id, Lesson.starts_at, Lesson.ends_at)
        .join(TrainingClass)
        .where(TrainingClass.classroom_id.in_(owner), Lesson.starts_at >= start, Lesson.starts_at < now)
    ).all()
    spans = online_spans(list(owner), start, now)
    for room_id, a, b in lessons:
        b = min(b, now)
        row = figures.rooms[room_id]
        row.scheduled_s += (b - a).total_seconds()
        row.online_s += _overlap(a, b, spans[room_id])
    for room_id, row in figures.rooms.items():
        figures.centers[owner[room_id]].add(row)
        figures.total.add(row)
    return figures
