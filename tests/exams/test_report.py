"""The sitting report as a page and as an Excel file that opens with the right rows."""

import io

from openpyxl import load_workbook

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
    first, second = (session_ops.seat(session, approved(p, users), actor=users["reviewer_center"])
                     for p in (good, bad))
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
    assert [r[1] for r in book["考场情况"].iter_rows(min_row=2, values_only=True)] == ["irregularity"]


def test_the_record_page_shows_exams(users, app):
    attempt = passed_written(users)
    client = app.test_client()
    login(client, "regulator")
    page = client.get(f"/people/{attempt.person_id}")
    assert 'data-test="record-exams"' in page.text and "合格" in page.text
