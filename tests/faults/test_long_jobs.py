"""A long job holds no lock a reviewer's decision needs: the certificate batch issues and
audits in one short transaction and renders afterwards, and the audit chain is linked at
commit. On PostgreSQL, with the rendering held still by a test hook (no sleeps)."""

from __future__ import annotations

import threading

from sqlalchemy import select

from training_portal.certificates import links, tasks
from training_portal.certificates.models import CertificateBatch
from training_portal.certificates.operations import rendering as pdf_rendering
from training_portal.core import audit, audit_verify
from training_portal.core.db import db
from training_portal.exams import applications as app_ops
from training_portal.exams import attempts as attempt_ops
from training_portal.exams import practical as practical_ops
from training_portal.exams import sessions as session_ops
from training_portal.exams.models import ExamApplication
from training_portal.exams.signals import practical_decided

from ..exams.conftest import (
    answer_all_correctly,
    apply,
    approved,
    candidate_user,
    gas_inspectors,
    new_session,
    users_by_name,
)

WAIT_S = 30  # only a bound on a failure; every wait below ends on an event


def _queued_batch(users, people) -> int:
    """A signed sitting of these people, all passed, practicals scored: its batch queued."""
    session = new_session(users)
    seated = [session_ops.seat(session, approved(p, users), actor=users["reviewer_center"]) for p in people]
    session_ops.open_session(session, proctor=users["proctor_center"])
    for attempt in seated:
        session_ops.check_identity(attempt, proctor=users["proctor_dept"], confirm=True)
        candidate = candidate_user(attempt.person)
        attempt_ops.start(attempt, candidate=candidate)
        answer_all_correctly(attempt)
        attempt_ops.submit(attempt, candidate=candidate)
    for name in ("proctor_center", "proctor_dept"):
        session_ops.sign(session, proctor=users[name])
    db.session.commit()
    # The practicals' decisions leave the issuing to the batch (as when the batch runs after
    # they were decided, or is run again): the batch issues and audits every certificate.
    practical_decided.disconnect(links._practical_decided)
    try:
        for attempt in seated:
            practical = practical_ops.create(
                attempt, [users["proctor_center"], users["proctor_dept"]], actor=users["reviewer_center"]
            )
            full = [float(item["points"]) for item in practical.rubric.items]
            for name in ("proctor_center", "proctor_dept"):
                practical_ops.score(practical, examiner=users[name], item_scores=full)
        db.session.commit()
    finally:
        practical_decided.connect(links._practical_decided)
    batch = db.session.scalar(select(CertificateBatch).where(CertificateBatch.session_id == session.id))
    assert not batch.certificates  # the batch has everything left to issue
    return batch.id


def test_a_review_commits_while_a_batch_renders(app, demo, postgresql, monkeypatch):
    users = users_by_name()
    *people, spare = gas_inspectors()
    batch_id = _queued_batch(users, people)
    application = apply(spare, users["admin"])
    db.session.commit()
    application_id = application.id

    rendering, release = threading.Event(), threading.Event()
    real = pdf_rendering.create_pdf  # the one place certificates are rendered

    def held(*args, **kwargs):
        rendering.set()
        release.wait(WAIT_S)
        return real(*args, **kwargs)

    monkeypatch.setattr(pdf_rendering, "create_pdf", held)
    outcome: dict = {}

    def job():
        outcome["batch"] = tasks.issue_batch(batch_id)  # its own app context and connection

    def review():
        with app.app_context():
            try:
                reviewer = users_by_name()["reviewer_center"]
                app_ops.review_application(
                    db.session.get(ExamApplication, application_id), reviewer=reviewer, approve=True
                )
                db.session.commit()
                outcome["review"] = "committed"
            finally:
                db.session.remove()
                decided.set()

    decided = threading.Event()
    worker = threading.Thread(target=job)
    worker.start()
    try:
        assert rendering.wait(WAIT_S), "the batch never started rendering"
        reviewer_thread = threading.Thread(target=review)
        reviewer_thread.start()
        committed_during_rendering = decided.wait(10)
        still_rendering = not release.is_set() and worker.is_alive()
    finally:
        release.set()
        worker.join(WAIT_S * 2)
    reviewer_thread.join(WAIT_S)
    assert committed_during_rendering and still_rendering, "the review waited for the batch"
    assert outcome == {"review": "committed", "batch": {"batch": batch_id, "certificates": len(people)}}
    db.session.rollback()
    reviews = db.session.scalars(
        select(audit.AuditEntry.action).where(
            audit.AuditEntry.object_type == "exam_applications",
            audit.AuditEntry.object_id == str(application_id),
        )
    ).all()
    assert "application.review" in reviews
    assert audit_verify.verify_chain().ok
