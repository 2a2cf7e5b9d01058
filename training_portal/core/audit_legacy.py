"""``flask audit adopt-legacy``: the one step of an upgrade from the unkeyed trail.

Before the audit key, entries were chained with a plain SHA-256 of the same canonical form.
Such a trail does not verify under the key. Once, before the first anchor, this checks the
plain chain (any entries added since the upgrade must carry the key's MAC) and re-chains every
entry with the key, then anchors the result. After that first anchor it refuses: a trail
forged with plain hashes later must never be adopted.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select, update

from . import audit_anchor, storage
from .audit import GENESIS, AuditEntry, same_mac
from .db import db


class NotAdopted(Exception):
    pass


def adopt() -> int:
    """Re-chain a legacy trail under the key; the number of entries re-chained (0: none was
    legacy). Raises NotAdopted, changing nothing, when the trail is not an intact one."""
    if storage.keys(audit_anchor.AREA):
        raise NotAdopted("the trail is anchored already; a legacy trail is adopted only before that")
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    expected_prev, legacy = GENESIS, 0
    for position, entry in enumerate(entries):
        if entry.prev_hash != expected_prev:
            raise NotAdopted(f"broken at entry {entry.id}: does not follow the entry before it")
        keyed = same_mac(entry.compute_hash(), entry.hash)
        if not keyed and legacy == position:  # plain hashes only before any keyed one
            if hashlib.sha256(entry.canonical()).hexdigest() != entry.hash:
                raise NotAdopted(f"broken at entry {entry.id}: matches neither its hash nor its MAC")
            legacy += 1
        elif not keyed:
            raise NotAdopted(f"broken at entry {entry.id}: a plain hash after keyed entries")
        expected_prev = entry.hash
    if not legacy:
        return 0
    previous = GENESIS
    for entry in entries:
        entry.prev_hash = previous
        entry.hash = entry.compute_hash()
        # One row at a time, in chain order: each new value is unique when it is written.
        db.session.execute(
            update(AuditEntry)
            .where(AuditEntry.id == entry.id)
            .values(prev_hash=entry.prev_hash, hash=entry.hash)
            .execution_options(synchronize_session=False)
        )
        previous = entry.hash
    db.session.expire_all()  # the rows were written above; nothing left for the ORM to flush
    return legacy
