import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from training_portal.core import audit
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db


def _write(n: int) -> list[AuditEntry]:
    entries = [audit.record("test.decision", i, target_type="things", before={"n": i},
                            after={"n": i + 1, "note": "审核通过", "ratio": 0.5})
               for i in range(n)]
    db.session.commit()
    return entries


def test_an_intact_chain_verifies(ctx):
    _write(5)
    report = audit.verify_chain()
    assert report.ok and report.count == 5
    assert str(report) == "ok: 5 entries"


def test_each_entry_links_to_the_one_before(ctx):
    entries = _write(3)
    assert entries[0].prev_hash == audit.GENESIS
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash


def test_a_changed_entry_is_found(ctx):
    entries = _write(5)
    db.session.execute(text("UPDATE audit_entries SET after = :v WHERE id = :id"),
                       {"v": '{"n": 99}', "id": entries[2].id})
    db.session.commit()
    db.session.expire_all()
    report = audit.verify_chain()
    assert not report.ok
    assert report.broken_at == entries[2].id
    assert "changed" in report.reason


def test_a_changed_actor_is_found(ctx):
    entries = _write(3)
    db.session.execute(text("UPDATE audit_entries SET actor_name = 'someone_else' WHERE id = :id"),
                       {"id": entries[0].id})
    db.session.commit()
    db.session.expire_all()
    assert audit.verify_chain().broken_at == entries[0].id


def test_a_removed_entry_is_found(ctx):
    entries = _write(5)
    db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": entries[1].id})
    db.session.commit()
    db.session.expire_all()
    report = audit.verify_chain()
    assert not report.ok and report.broken_at == entries[2].id
    assert "removed" in report.reason


def test_a_fork_is_impossible(ctx):
    entries = _write(2)
    forged = AuditEntry(created_at=entries[1].created_at, actor_name="x", object_type="things",
                        object_id="1", action="test.forged", prev_hash=entries[0].hash,
                        hash="f" * 64)
    db.session.add(forged)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_cli_reports_ok_and_the_first_broken_link(app, ctx):
    entries = _write(3)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert result.output.strip() == "ok: 3 entries"
    db.session.execute(text("UPDATE audit_entries SET action = 'test.rewritten' WHERE id = :id"),
                       {"id": entries[1].id})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert result.output.startswith(f"broken at entry {entries[1].id}:")


def test_entries_keep_who_and_what(demo, user_named):
    admin = user_named("admin")
    entry = audit.record("test.decision", admin, actor=admin, before={"a": 1}, after={"a": 2})
    db.session.commit()
    stored = db.session.scalar(select(AuditEntry).where(AuditEntry.id == entry.id))
    assert (stored.actor_user_id, stored.actor_name, stored.object_type, stored.object_id) == (
        admin.id, "admin", "users", str(admin.id))
    assert stored.created_at.tzinfo is not None


def test_verify_over_a_full_demo_sitting_finds_a_rewritten_grade(app, demo):
    """The demo, then a whole sitting: application, both reviews, seating, identity checks,
    answers, grading, both signatures, the practical and its certificate. The chain verifies;
    then a grade is rewritten in the database and ``flask audit verify`` names that entry."""
    from .certificates.conftest import certified
    from .exams.conftest import users_by_name

    certificate = certified(users_by_name())
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"application.review", "session.sign", "session.publish", "attempt.grade",
            "practical.score", "certificate.issue"} <= actions, actions
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and result.output.startswith("ok: ")
    grade = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "attempt.grade", AuditEntry.object_id == str(certificate.written_attempt_id)))
    db.session.execute(text("UPDATE audit_entries SET after = :v WHERE id = :id"),
                       {"v": '{"state": "submitted", "score": 100.0, "passed": true}', "id": grade.id})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert result.output.startswith(f"broken at entry {grade.id}:")
