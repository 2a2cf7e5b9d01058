import hashlib
import hmac
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from training_portal.core import audit, audit_verify
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db

from .test_storage import backend, s3, s3_endpoint  # noqa: F401  (the local and S3 stores)


@pytest.fixture(autouse=True)
def _no_anchors_left(app):
    """Anchors and the last verify's result live in the file store, which outlives the
    database wipe between tests: a test's anchors must not accuse the next test's trail."""
    yield
    for area in ("audit_anchors", "audit_status"):
        shutil.rmtree(Path(app.config["STORAGE_DIR"]) / area, ignore_errors=True)


def _write(n: int) -> list[AuditEntry]:
    entries = [
        audit.record(
            "test.decision",
            i,
            target_type="things",
            before={"n": i},
            after={"n": i + 1, "note": "审核通过", "ratio": 0.5},
        )
        for i in range(n)
    ]
    db.session.commit()
    return entries


def test_an_intact_chain_verifies(ctx):
    _write(5)
    report = audit_verify.verify_chain()
    assert report.ok and report.count == 5
    assert str(report) == "ok: 5 entries, 0 anchors, 0 rows checked"


def test_each_entry_links_to_the_one_before(ctx):
    entries = _write(3)
    assert entries[0].prev_hash == audit.GENESIS
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash


def test_a_changed_entry_is_found(ctx):
    entries = _write(5)
    db.session.execute(
        text("UPDATE audit_entries SET after = :v WHERE id = :id"), {"v": '{"n": 99}', "id": entries[2].id}
    )
    db.session.commit()
    db.session.expire_all()
    report = audit_verify.verify_chain()
    assert not report.ok
    assert report.broken_at == entries[2].id
    assert "changed" in report.reason


def test_a_changed_actor_is_found(ctx):
    entries = _write(3)
    db.session.execute(
        text("UPDATE audit_entries SET actor_name = 'someone_else' WHERE id = :id"), {"id": entries[0].id}
    )
    db.session.commit()
    db.session.expire_all()
    assert audit_verify.verify_chain().broken_at == entries[0].id


def test_a_removed_entry_is_found(ctx):
    entries = _write(5)
    db.session.execute(text("DELETE FROM audit_entries WHERE id = :id"), {"id": entries[1].id})
    db.session.commit()
    db.session.expire_all()
    report = audit_verify.verify_chain()
    assert not report.ok and report.broken_at == entries[2].id
    assert "removed" in report.reason


def test_a_fork_is_impossible(ctx):
    entries = _write(2)
    forged = AuditEntry(
        created_at=entries[1].created_at,
        actor_name="x",
        object_type="things",
        object_id="1",
        action="test.forged",
        prev_hash=entries[0].hash,
        hash="f" * 64,
    )
    db.session.add(forged)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_cli_reports_ok_and_the_first_broken_link(app, ctx):
    entries = _write(3)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert result.output.strip() == "ok: 3 entries, 0 anchors, 0 rows checked"
    db.session.execute(
        text("UPDATE audit_entries SET action = 'test.rewritten' WHERE id = :id"), {"id": entries[1].id}
    )
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
        admin.id,
        "admin",
        "users",
        str(admin.id),
    )
    assert stored.created_at.tzinfo is not None


def test_verify_over_a_full_demo_sitting_finds_a_rewritten_grade(app, demo):
    """The demo, then a whole sitting: application, both reviews, seating, identity checks,
    answers, grading, both signatures, the practical and its certificate. The chain verifies;
    then a grade is rewritten in the database and ``flask audit verify`` names that entry."""
    from .certificates.conftest import certified
    from .exams.conftest import users_by_name

    certificate = certified(users_by_name())
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {
        "application.review",
        "session.sign",
        "session.publish",
        "attempt.grade",
        "practical.score",
        "certificate.issue",
    } <= actions, actions
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and result.output.startswith("ok: "), result.output
    grade = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "attempt.grade", AuditEntry.object_id == str(certificate.written_attempt_id)
        )
    )
    db.session.execute(
        text("UPDATE audit_entries SET after = :v WHERE id = :id"),
        {"v": '{"state": "submitted", "score": 100.0, "passed": true}', "id": grade.id},
    )
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert result.output.startswith(f"broken at entry {grade.id}:")


# ----------------------------------------------------------------------------- an attacker with
# write access to the database, and without the key: what `flask audit verify` now catches.


def _canonical(row) -> bytes:
    payload = {
        "created_at": row.created_at.isoformat(),
        "actor_user_id": row.actor_user_id,
        "actor_name": row.actor_name,
        "actor_org_id": row.actor_org_id,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "action": row.action,
        "before": row.before,
        "after": row.after,
        "prev_hash": row.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _rewrite_and_rehash(entry_id: int, after: dict, digest) -> None:
    """What the attacker does: change one entry, then recompute every link from there on with
    the app's own canonical form, but with a digest of their own (no key, or a guessed one)."""
    db.session.execute(
        text("UPDATE audit_entries SET after = :v WHERE id = :id"), {"v": json.dumps(after), "id": entry_id}
    )
    db.session.commit()
    db.session.expire_all()
    rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    previous = None
    for row in rows:
        if previous is not None:
            row.prev_hash = previous
        if row.id >= entry_id:
            row.hash = digest(_canonical(row))
        previous = row.hash
        # The unique constraints see each row as it goes; a temporary value keeps them apart.
        db.session.execute(
            text("UPDATE audit_entries SET prev_hash = :p, hash = :h WHERE id = :id"),
            {"p": "tmp" + row.hash[3:], "h": "tmq" + row.hash[3:], "id": row.id},
        )
    for row in rows:
        db.session.execute(
            text("UPDATE audit_entries SET prev_hash = :p, hash = :h WHERE id = :id"),
            {"p": row.prev_hash, "h": row.hash, "id": row.id},
        )
    db.session.commit()
    db.session.expire_all()


def _verify(app):
    db.session.commit()
    db.session.expire_all()
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def _anchor(app):
    return app.test_cli_runner().invoke(args=["audit", "anchor"])


@pytest.mark.parametrize(
    "digest",
    [
        pytest.param(lambda data: hashlib.sha256(data).hexdigest(), id="unkeyed-sha256"),
        pytest.param(
            lambda data: hmac.new(b"a guessed key", data, hashlib.sha256).hexdigest(), id="wrong-key"
        ),
    ],
)
def test_a_rewritten_and_rehashed_entry_is_reported(app, ctx, digest):
    entries = _write(5)
    target = entries[2].id
    _rewrite_and_rehash(target, {"n": 99, "note": "rewritten"}, digest)
    result = _verify(app)
    assert result.exit_code == 1, result.output
    assert f"broken at entry {target}:" in result.output
    assert "changed" in result.output


def test_a_deleted_tail_is_reported(app, ctx):
    entries = _write(5)
    _anchor(app)
    _write(2)
    db.session.execute(text("DELETE FROM audit_entries WHERE id >= :id"), {"id": entries[3].id})
    result = _verify(app)
    assert result.exit_code == 1, result.output
    assert "anchor" in result.output and "5 entries" in result.output
    assert "has 3" in result.output


def test_a_deleted_whole_trail_is_reported(app, ctx):
    _write(4)
    _anchor(app)
    db.session.execute(text("DELETE FROM audit_entries"))
    result = _verify(app)
    assert result.exit_code == 1, result.output
    assert "4 entries" in result.output and "has 0" in result.output


def test_the_anchor_command_writes_a_signed_head_and_keeps_the_history(app, ctx):
    from training_portal.core import audit_anchor, storage

    entries = _write(3)
    result = _anchor(app)
    assert result.exit_code == 0, result.output
    _write(2)
    assert _anchor(app).exit_code == 0
    keys = storage.keys(audit_anchor.AREA)
    assert len(keys) == 2
    heads = [json.loads(storage.read(key)) for key in keys]
    assert [h["count"] for h in heads] == [3, 5]
    assert heads[0]["last_mac"] == entries[-1].hash
    assert all(len(h["mac"]) == 64 and h["at"] for h in heads)
    # Nothing new in the trail: no new anchor (the history grows with the trail, not the clock).
    assert _anchor(app).exit_code == 0
    assert len(storage.keys(audit_anchor.AREA)) == 2
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "ok: 5 entries, 2 anchors, 0 rows checked"


def test_a_forged_anchor_is_reported(app, ctx):
    from training_portal.core import audit_anchor, storage

    _write(3)
    assert _anchor(app).exit_code == 0
    (key,) = storage.keys(audit_anchor.AREA)
    head = json.loads(storage.read(key))
    head["count"] = 2  # "there were only two": without the key its MAC cannot follow
    storage.store().put(key, json.dumps(head).encode())
    result = _verify(app)
    assert result.exit_code == 1, result.output
    assert key in result.output and "forged" in result.output


def _tamper_sitting():
    """A whole sitting with its certificate, then each row that matters changed in its table."""
    from training_portal.exams.models import ApplicationReview, ExamAttempt, PracticalExam, SessionSignature

    from .certificates.conftest import certified
    from .exams.conftest import users_by_name

    certificate = certified(users_by_name())
    attempt = db.session.get(ExamAttempt, certificate.written_attempt_id)
    review = db.session.scalars(
        select(ApplicationReview).where(ApplicationReview.application_id == attempt.application_id)
    ).first()
    signature = db.session.scalars(
        select(SessionSignature).where(SessionSignature.session_id == attempt.session_id)
    ).first()
    return certificate, attempt, db.session.get(PracticalExam, certificate.practical_id), review, signature


def test_a_full_sitting_checks_its_rows(app, demo):
    _tamper_sitting()
    result = _verify(app)
    assert result.exit_code == 0, result.output
    rows = int(re.search(r"(\d+) rows checked", result.output).group(1))
    assert rows >= 5


def test_business_rows_changed_in_their_tables_are_reported(app, demo):
    certificate, attempt, practical, review, signature = _tamper_sitting()
    audited_score, signed_by = attempt.score, signature.user_id
    other_user = db.session.scalar(
        select(AuditEntry.actor_user_id)
        .where(AuditEntry.actor_user_id.is_not(None), AuditEntry.actor_user_id != signature.user_id)
        .limit(1)
    )
    for statement, values in (
        ("UPDATE exam_attempts SET score = 42.5 WHERE id = :id", {"id": attempt.id}),
        ("UPDATE exam_attempts SET state = 'terminated' WHERE id = :id", {"id": attempt.id}),
        (
            "UPDATE practical_exams SET final_score = 12.5, passed = :f WHERE id = :id",
            {"id": practical.id, "f": False},
        ),
        ("UPDATE certificates SET status = 'revoked' WHERE id = :id", {"id": certificate.id}),
        ("UPDATE application_reviews SET approved = :f WHERE id = :id", {"id": review.id, "f": False}),
        ("UPDATE session_signatures SET user_id = :u WHERE id = :id", {"id": signature.id, "u": other_user}),
    ):
        db.session.execute(text(statement), values)
    result = _verify(app)
    assert result.exit_code == 1, result.output
    out = result.output
    assert f"exam_attempts {attempt.id} score: stored 42.5, audited {audited_score}" in out, out
    assert f"exam_attempts {attempt.id} state: stored 'terminated', audited 'submitted'" in out, out
    assert f"practical_exams {practical.id} final_score: stored 12.5" in out, out
    assert f"practical_exams {practical.id} passed: stored False, audited True" in out, out
    assert f"certificates {certificate.id} status: stored 'revoked', audited 'valid'" in out, out
    assert f"application_reviews {review.id} approved: stored False, audited True" in out, out
    assert f"session_signatures {signature.id} user_id: stored {other_user}, audited {signed_by}" in out, out


def test_a_score_set_on_an_attempt_never_graded_is_reported(app, demo):
    from .exams.conftest import gas_inspectors, seated, users_by_name

    attempt, _candidate = seated(users_by_name(), gas_inspectors()[0])
    db.session.execute(
        text("UPDATE exam_attempts SET score = 95, passed = :t WHERE id = :id"), {"id": attempt.id, "t": True}
    )
    result = _verify(app)
    assert result.exit_code == 1
    assert f"exam_attempts {attempt.id} score: stored 95.0, audited None" in result.output


def test_a_failed_nightly_verify_tells_every_admin_until_one_passes(app, demo):
    from training_portal.accounts.models import User
    from training_portal.admin.tasks import verify_audit_chain
    from training_portal.core.permissions import Role
    from training_portal.notifications.models import Notification

    from .conftest import login

    _certificate, attempt, *_ = _tamper_sitting()
    score = attempt.score
    db.session.execute(text("UPDATE exam_attempts SET score = 42.5 WHERE id = :id"), {"id": attempt.id})
    db.session.commit()
    result = verify_audit_chain.apply().get()
    assert result["ok"] is False
    admins = [u for u in db.session.scalars(select(User)) if Role.ADMIN in u.roles]
    assert admins
    told = db.session.scalars(select(Notification).where(Notification.kind == "audit_failed")).all()
    assert {n.user_id for n in told} == {u.id for u in admins}
    client = app.test_client()
    login(client, "admin")
    home = client.get("/").text
    assert 'data-test="audit-failed"' in home and f"exam_attempts {attempt.id} score" in home
    trainee = app.test_client()
    login(trainee, "trainee")
    assert 'data-test="audit-failed"' not in trainee.get("/").text
    # Put right (the score the trail holds), the next check passes and the warning goes.
    db.session.execute(
        text("UPDATE exam_attempts SET score = :s WHERE id = :id"), {"s": score, "id": attempt.id}
    )
    db.session.commit()
    assert verify_audit_chain.apply().get()["ok"] is True
    assert 'data-test="audit-failed"' not in client.get("/").text


def test_anchors_live_in_either_store_and_are_never_overwritten(app, ctx, backend):  # noqa: F811
    from training_portal.core import audit_anchor, storage

    _write(3)
    assert _anchor(app).exit_code == 0
    (key,) = storage.keys(audit_anchor.AREA)
    from botocore.exceptions import ClientError

    with pytest.raises((FileExistsError, ClientError)) as refused:
        storage.put_named(key, b"{}", replace=False)
    if backend == "s3":
        assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
    assert json.loads(storage.read(key))["count"] == 3
    db.session.execute(text("DELETE FROM audit_entries"))
    result = _verify(app)
    assert result.exit_code == 1 and key in result.output, result.output


def test_a_legacy_trail_is_adopted_once_and_only_intact(app, ctx):
    """An install upgraded from the unkeyed chain: plain SHA-256 entries, then keyed ones."""
    legacy = _write(3)
    _rewrite_and_rehash(legacy[0].id, legacy[0].after, lambda data: hashlib.sha256(data).hexdigest())
    _write(2)  # written after the upgrade, chained on with the key
    assert _verify(app).exit_code == 1
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "adopt-legacy"])
    assert result.exit_code == 0, result.output
    assert "3 entries re-chained" in result.output
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "ok: 5 entries, 1 anchors, 0 rows checked"
    # Later, a trail forged with plain hashes is never adopted: the anchor stands in the way.
    _rewrite_and_rehash(legacy[1].id, {"n": 99}, lambda data: hashlib.sha256(data).hexdigest())
    result = runner.invoke(args=["audit", "adopt-legacy"])
    assert result.exit_code == 1 and "anchored already" in result.output


def test_a_tampered_legacy_trail_is_not_adopted(app, ctx):
    entries = _write(3)
    _rewrite_and_rehash(entries[0].id, entries[0].after, lambda data: hashlib.sha256(data).hexdigest())
    db.session.execute(
        text("UPDATE audit_entries SET action = 'test.rewritten' WHERE id = :id"), {"id": entries[1].id}
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "adopt-legacy"])
    assert result.exit_code == 1 and f"broken at entry {entries[1].id}" in result.output
    assert _verify(app).exit_code == 1


def test_the_audit_key_is_generated_once_outside_the_database(tmp_path, monkeypatch):
    from training_portal import create_app

    monkeypatch.delenv("AUDIT_KEY", raising=False)
    first = create_app(instance_path=str(tmp_path)).config["AUDIT_KEY"]
    second = create_app(instance_path=str(tmp_path)).config["AUDIT_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "audit_key").stat().st_mode & 0o777 == 0o600
    assert first != create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    monkeypatch.setenv("AUDIT_KEY", "from-the-environment")
    assert create_app(instance_path=str(tmp_path)).config["AUDIT_KEY"] == "from-the-environment"
