"""Every upload is judged against its roster: a classroom recording against the trainees signed in
to each lesson it covers, again whenever sign-ins change; the report says why a lesson is not
verified."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from proctoring import operations as ops
from proctoring.models import Recording
from proctoring.synthetic import ClassroomSpec, write_classroom
from proctoring.tasks import analyse_recording
from training_portal.core import storage
from training_portal.core.db import db
from training_portal.people.models import Person, PersonnelCategory
from training_portal.recordings import rosters
from training_portal.training.models import VideoVerdict

from ..training.helpers import admin, attend, lesson_for

pytestmark = pytest.mark.slow

SAFETY = PersonnelCategory.SAFETY_MANAGER


@pytest.fixture(scope="module")
def eight_people(tmp_path_factory):
    """A 5.5-minute recording of a classroom with 8 trainees in it the whole time."""
    path = tmp_path_factory.mktemp("rost") / "room.mp4"
    write_classroom(path, ClassroomSpec(duration_s=330.0, fps=5, seed=5))
    return path


def _upload(lesson, path) -> Recording:
    """The recording stored for the lesson's classroom, from 10 s before the lesson starts."""
    upload = ops.start_upload(
        classroom_id=lesson.training_class.classroom_id,
        exam_session_id=None,
        starts_at=lesson.starts_at - timedelta(seconds=10),
        ends_at=lesson.starts_at + timedelta(seconds=320),
        filename="room.mp4",
        total_size=path.stat().st_size,
        actor=admin(),
    )
    ops.add_chunk(upload, 0, path.read_bytes())
    return ops.finish_upload(upload, actor=admin())


def test_an_upload_is_judged_per_lesson_against_its_sign_ins_and_again_when_they_change(users, eight_people):
    people = list(db.session.scalars(select(Person).order_by(Person.id)))[:10]
    lesson = lesson_for(people, SAFETY, 1)  # 5 minutes
    attend(lesson, people[:8])
    recording = _upload(lesson, eight_people)
    assert lesson.video_verdict is VideoVerdict.PENDING
    assert rosters.rosters(recording) == [(10.0, 310.0, 8)]
    db.session.commit()

    assert analyse_recording.apply(args=[recording.id]).get()["status"] == "analysed"
    db.session.expire_all()
    recording = db.session.get(Recording, recording.id)
    assert recording.report["roster"] == [[10.0, 310.0, 8]] and recording.events == []
    assert lesson.video_verdict is VideoVerdict.IN_USE
    assert lesson.video_detail["verified_percent"] == 100.0

    # Two more sign in for the same lesson: the 8 in the picture are now too few.
    attend(lesson, people[8:])
    assert lesson.video_verdict is VideoVerdict.NOT_IN_USE
    assert lesson.video_detail["why"] == "head_count" and lesson.video_detail["signed_in"] == 10
    assert [(e.kind, e.start_s) for e in recording.events] == [("absent", 10.0)]
    db.session.commit()
    storage.delete(recording.storage_key)


def test_the_report_says_why_a_lesson_is_not_verified(users, client, eight_people):
    from ..conftest import login

    people = list(db.session.scalars(select(Person).order_by(Person.id)))[:10]
    lesson = lesson_for(people, SAFETY, 1)
    attend(lesson, people)  # 10 signed in, 8 in the picture
    recording = _upload(lesson, eight_people)
    db.session.commit()
    analyse_recording.apply(args=[recording.id])
    db.session.expire_all()
    assert lesson.video_verdict is VideoVerdict.NOT_IN_USE
    login(client, "admin")
    page = client.get(f"/recordings/{recording.id}").get_data(as_text=True)
    assert f'data-test="why-{lesson.id}"' in page and "人数与签到的 10 人不符" in page
