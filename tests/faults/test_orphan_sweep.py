"""Files a job that died left behind (a batch's PDFs written before its worker was killed, a
``.part`` file of a failed write) are found and deleted by the periodic sweep once older than
the longest job; files a row names, and recent ones, are kept."""

from __future__ import annotations

import os
import secrets
import time

from sqlalchemy import select

from training_portal.core import storage
from training_portal.core.db import db
from training_portal.core.jobs import sweep_orphan_files
from training_portal.people.models import Person


def _aged(key_or_part: str, hours: float) -> None:
    when = time.time() - hours * 3600
    os.utime(storage.store().root / key_or_part, (when, when))


def test_the_sweep_deletes_what_a_dead_job_left_and_keeps_what_rows_name(demo, app):
    assert "core.sweep_orphan_files" in {e["task"] for e in app.config["CELERY"]["beat_schedule"].values()}
    where = storage.store()
    # What a batch killed mid-way leaves: PDFs written, their rows' transaction never committed.
    left = [f"certificates/{secrets.token_hex(16)}.pdf" for _ in range(3)]
    for key in left:
        where.put(key, b"%PDF-1.7 name, ID number, photo")
        _aged(key, 13)
    part = f"certificates/{secrets.token_hex(16)}.pdf.part"
    (where.root / part).write_bytes(b"%PDF half")
    _aged(part, 13)
    fresh = f"certificates/{secrets.token_hex(16)}.pdf"  # a job still running may yet commit it
    where.put(fresh, b"%PDF-1.7")
    person = db.session.scalar(select(Person).order_by(Person.id))
    person.photo_key = storage.save("photos", b"\xff\xd8\xff photo", ".jpg")
    db.session.commit()
    _aged(person.photo_key, 100)

    assert sweep_orphan_files.apply().get() == 4
    assert not any(where.exists(key) for key in left)
    assert not (where.root / part).exists()
    assert where.exists(fresh) and where.exists(person.photo_key)
    assert sweep_orphan_files.apply().get() == 0
