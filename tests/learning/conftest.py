"""A center's annual course with a trainee on its roster and an online lesson whose video went
up through the chunked upload; clients that send the CSRF token as the pages do."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from training_portal.accounts.models import User
from training_portal.core.db import db
from training_portal.core.permissions import Role
from training_portal.learning import operations as ops
from training_portal.learning.clips import write_clip
from training_portal.learning.models import OnlineLesson
from training_portal.people.models import PersonnelCategory, Post
from training_portal.training.models import CourseKind

from .. import factories as make
from ..practice.conftest import logged_in


@pytest.fixture(scope="session")
def clip(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("clip") / "lesson.mp4"
    return write_clip(path, "测试课", ["第一页", "第二页"], seconds=20.0).read_bytes()


def upload(client, body: dict, data: bytes, chunk: int = 8 * 1024):
    """Start, send in chunks and finish an upload as the page's script does."""
    started = client.post("/api/learning/uploads", json={**body, "size": len(data), "filename": "课.mp4"})
    if started.status_code != 200:
        return started
    base = f"/api/learning/uploads/{started.get_json()['id']}"
    offset = 0
    while offset < len(data):
        sent = client.put(f"{base}?offset={offset}", data=data[offset : offset + chunk])
        assert sent.status_code == 200, sent.get_json()
        offset = sent.get_json()["received"]
    return client.post(f"{base}/complete")


@dataclass
class World:
    center_user: User
    trainee: User
    lesson: OnlineLesson


@pytest.fixture()
def world(ctx, app, clip) -> World:
    center = make.center()
    course = make.course(center, category=PersonnelCategory.PRINCIPAL, kind=CourseKind.ANNUAL, tenths=160)
    person = make.person(employer=make.mine(), post=Post.PRINCIPAL)
    klass = make.training_class(course, people=[person])
    staff = make.user(Role.CENTER_STAFF, at=center)
    trainee = make.user(Role.TRAINEE, person=person)
    lesson = ops.add_lesson(klass.course, "入井安全须知", actor=staff)
    db.session.commit()
    answer = upload(logged_in(app, staff), {"lesson_id": lesson.id}, clip)
    assert answer.status_code == 200, answer.get_json()
    db.session.expire_all()
    return World(staff, trainee, db.session.get(OnlineLesson, lesson.id))
