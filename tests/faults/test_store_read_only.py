"""A certificate batch meeting a read-only store: the job tries again with backoff a bounded
number of times, then the batch is marked failed with the reason (never 'queued' for ever);
once the store is writable again the retry issues every certificate. The store is made
read-only for real: a read-only bind mount as root (EROFS), else its mode (EACCES)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from training_portal.certificates import operations as cert_ops
from training_portal.certificates.models import Certificate, CertificateBatch
from training_portal.core import storage
from training_portal.core.db import db

from ..exams.conftest import users_by_name
from .conftest import read_only, wait_until
from .test_worker_killed import _fresh, signed_sitting_batch, workers  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow


def test_a_batch_on_a_read_only_store_fails_with_why_and_a_retry_completes_it(ctx, demo, workers):  # noqa: F811
    if workers.kind != "embedded":
        pytest.skip("the store, not the broker, is at fault: once is enough")
    workers.environment.update({"JOB_RETRY_BASE_S": "1", "JOB_MAX_RETRIES": "2"})
    batch_id, seated, people = signed_sitting_batch()
    folder = Path(ctx.config["STORAGE_DIR"])

    with read_only(folder):
        workers.start()
        workers.send("certificates.issue_batch", [batch_id])
        wait_until(
            lambda: _fresh(CertificateBatch, batch_id).status == "failed",
            120,
            f"the batch to be marked failed\n{workers.log()}",
            interval=0.3,
        )
    batch = _fresh(CertificateBatch, batch_id)
    assert "Read-only file system" in batch.failure or "Permission denied" in batch.failure, batch.failure
    log = workers.log()
    assert log.count("trying again in") == 2, log  # two retries with backoff, then failed
    assert "trying again in 1 s (1 of 2)" in log and "trying again in 2 s (2 of 2)" in log

    # The store is writable again: the retry (what the batch page's button does) completes it.
    cert_ops.retry_batch(batch, actor=users_by_name()["reviewer_center"])
    db.session.commit()
    result = workers.send("certificates.issue_batch", [batch_id])
    assert result.get(timeout=180) == {"batch": batch_id, "certificates": len(people)}
    batch = _fresh(CertificateBatch, batch_id)
    assert (batch.status, batch.failure, batch.issued) == ("done", "", len(people))
    certificates = db.session.scalars(
        select(Certificate).where(Certificate.written_attempt_id.in_([a.id for a in seated]))
    ).all()
    assert len(certificates) == len(people)
    assert all(c.pdf_key and storage.read(c.pdf_key).startswith(b"%PDF") for c in certificates)
