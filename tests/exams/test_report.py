"""The sitting report as a page and as an Excel file that opens with the right rows."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from question_bank.models import ItemStatistic
from training_portal.core.db import db
from training_portal.exams import attempts
from training_portal.exams import sessions as session_ops

from ..conftest import login
from .conftest import (
    answer_all_correctly,
    approved,
    candidate_user,
    gas_inspectors,
    new_session,
    passed_written,
)


def test_report_after_a_sitting(users, app):
    session = new_session(users)
    good, bad = gas_inspectors()[:2]
    first, second = (
        session_ops.seat(session, approved(p, users), actor=users["reviewer_center"]) for p in (good, bad)
    )
    session_ops.open_session(session, proctor=users["proctor_center"])
    cand1, cand2 = candidate_user(good), candidate_user(bad)
    for attempt, cand in ((first, cand1), (second, cand2)):
        session_ops.check_identity(attempt, proctor=users["proctor_dept"], confirm=True)
        attempts.start(attempt, candidate=cand)
    answer_all_correctly(first)
    attempts.submit(first, candidate=cand1)
    session_ops.record_irregularity(second, proctor=users["proctor_center"], reason="交头接耳")
    attempts.submit(second, candidate=cand2)
    for name in ("proctor_center", "proctor_dept"):
        session_ops.sign(session, proctor=users[name])
    db.session.commit()

    client = app.test_client()
    login(client, "regulator")
    page = client.get(f"/exams/sessions/{session.id}/report")
    assert page.status_code == 200 and "交头接耳" in page.text
    book = load_workbook(io.BytesIO(client.get(f"/exams/sessions/{session.id}/report.xlsx").data))
    summary = dict(book["概况"].iter_rows(values_only=True))
    assert summary["实考人数"] == 2 and summary["合格人数"] == 1 and summary["合格率（%）"] == 50
    rows = list(book["考生成绩"].iter_rows(min_row=2, values_only=True))
    assert sorted((r[1], r[5]) for r in rows) == sorted([(good.name, "合格"), (bad.name, "不合格")])
    assert [r[1] for r in book["考场情况"].iter_rows(min_row=2, values_only=True)] == ["记录违纪"]


def test_the_record_page_shows_exams(users, app):
    attempt = passed_written(users)
    client = app.test_client()
    login(client, "regulator")
    page = client.get(f"/people/{attempt.person_id}")
    assert 'data-test="record-exams"' in page.text and "合格" in page.text


def _one_signature(users):
    """Two candidates handed in (one answered everything right, one nothing); only the
    education center's proctor has signed."""
    session = new_session(users)
    people = gas_inspectors()[:2]
    seats = [session_ops.seat(session, approved(p, users), actor=users["reviewer_center"]) for p in people]
    session_ops.open_session(session, proctor=users["proctor_center"])
    for attempt, person in zip(seats, people, strict=True):
        session_ops.check_identity(attempt, proctor=users["proctor_dept"], confirm=True)
        attempts.start(attempt, candidate=candidate_user(person))
    answer_all_correctly(seats[0])
    for attempt, person in zip(seats, people, strict=True):
        attempts.submit(attempt, candidate=candidate_user(person))
    session_ops.sign(session, proctor=users["proctor_center"])
    db.session.commit()
    assert seats[0].passed and not seats[1].passed and not session.results_published
    return session, seats


BEFORE_SIGNING = ["proctor_center", "proctor_dept", "reviewer_center", "regulator", "admin"]


def _signed_once(users, app, who):
    session, seats = _one_signature(users)
    client = app.test_client()
    login(client, who)
    return session, seats, client


@pytest.mark.parametrize("who", BEFORE_SIGNING)
def test_no_score_in_the_report_page_before_the_second_signature(users, app, who):
    """Issue 17: scores were readable in the room report with one signature, or none, by a proctor,
    reviewers and regulators. 双监考 holds for everyone, not only for the candidate."""
    session, _, client = _signed_once(users, app, who)
    page = client.get(f"/exams/sessions/{session.id}/report")
    assert page.status_code == 200
    assert "50.0%" not in page.text and 'data-test="unpublished"' in page.text


@pytest.mark.parametrize("who", BEFORE_SIGNING)
def test_no_score_in_the_report_export_before_the_second_signature(users, app, who):
    session, _, client = _signed_once(users, app, who)
    book = load_workbook(io.BytesIO(client.get(f"/exams/sessions/{session.id}/report.xlsx").data))
    summary = dict(book["概况"].iter_rows(values_only=True))
    assert summary["合格人数"] not in (0, 1, 2) and summary["合格率（%）"] in ("", None)
    for row in book["考生成绩"].iter_rows(min_row=2, values_only=True):
        assert row[4] is None and row[5] not in ("合格", "不合格"), row
    assert list(book["分数分布"].iter_rows(min_row=2, values_only=True)) == []


@pytest.mark.parametrize("who", BEFORE_SIGNING)
def test_no_score_in_the_room_page_records_or_api_before_the_second_signature(users, app, who):
    session, seats, client = _signed_once(users, app, who)
    room = client.get(f"/exams/sessions/{session.id}")
    assert room.status_code == 200 and "不合格" not in room.text
    if who.startswith("proctor"):
        live = client.get(f"/api/sessions/{session.id}/seats").json
        assert all(not {"score", "passed", "item_scores"} & set(seat) for seat in live["seats"])
        assert [seat["answered"] for seat in live["seats"]][0] > 0  # progress, not results

    if who in ("regulator", "admin"):
        for attempt in seats:
            record = client.get(f"/api/records/{attempt.person.id_number}").json
            written = [w for w in record["exams"]["written"] if w["session"] == session.name]
            assert written and all(w["score"] is None and w["passed"] is None for w in written)
            page = client.get(f"/people/{attempt.person_id}").text
            assert "不合格" not in page


def test_no_certificate_before_the_second_signature(users, app):
    from training_portal.certificates.models import CertificateBatch

    session, _ = _one_signature(users)
    batch = select(CertificateBatch).where(CertificateBatch.session_id == session.id)
    assert db.session.scalar(batch) is None
    session_ops.sign(session, proctor=users["proctor_dept"])
    db.session.commit()
    client = app.test_client()
    login(client, "regulator")
    book = load_workbook(io.BytesIO(client.get(f"/exams/sessions/{session.id}/report.xlsx").data))
    assert [r[5] for r in book["考生成绩"].iter_rows(min_row=2, values_only=True)] == ["合格", "不合格"]


def test_flagged_questions_are_named_by_their_label(users, app):
    attempt = passed_written(users)
    for item in attempt.paper.items:
        db.session.merge(
            ItemStatistic(
                version_id=item.version_id,
                n=30,
                facility=50.0,
                sd=1.0,
                discrimination_index=-5.0,
                discriminative_efficiency=None,
                point_biserial=None,
                flag="broken",
            )
        )
    db.session.commit()
    client = app.test_client()
    login(client, "regulator")
    page = client.get(f"/exams/sessions/{attempt.session_id}/report").text
    assert "很可能有误" in page and ">broken<" not in page
    book = load_workbook(io.BytesIO(client.get(f"/exams/sessions/{attempt.session_id}/report.xlsx").data))
    marks = {r[4] for r in book["需复核试题"].iter_rows(min_row=2, values_only=True)}
    assert marks == {"很可能有误"}
