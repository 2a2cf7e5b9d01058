"""Anchors: the audit chain's signed head, kept outside the database.

Every few minutes a job writes the head of the chain (entry count, last MAC, time, all MAC'd
with the audit key) to the file store as a new object, ``audit_anchors/<time>.json``, never
overwriting one. ``flask audit verify`` then requires the chain to hold each anchored head at
its count, so deleting the newest entries, truncating the trail or emptying it is caught,
except for entries written after the newest anchor (the anchor interval bounds that window).

The last verify's result is kept in the file store too (``audit_status/latest.json``), where
the admin home page reads it: someone who can write only the database cannot clear the alarm.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from . import storage
from .audit import SCHEME, AuditEntry, ChainReport, mac, same_mac
from .db import db, utcnow

AREA = "audit_anchors"
STATUS_KEY = "audit_status/latest.json"
_SHOWN_PROBLEMS = 20


@dataclass(frozen=True)
class Anchor:
    key: str
    count: int
    last_mac: str
    at: str


def _signed(count: int, last_mac: str, at: str) -> bytes:
    return json.dumps(
        {"scheme": SCHEME, "count": count, "last_mac": last_mac, "at": at},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def head() -> tuple[int, str | None]:
    """The chain's length and last MAC, read in one statement (one snapshot): writers append
    under a lock, so what a snapshot sees is always a whole prefix of the chain."""
    last = select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1).scalar_subquery()
    count, last_mac = db.session.execute(select(func.count(AuditEntry.id), last)).one()
    return count, last_mac


def _parse(key: str) -> Anchor | None:
    """The anchor stored under ``key`` if its MAC is the audit key's, else None."""
    try:
        body = json.loads(storage.read(key))
        anchor = Anchor(key, int(body["count"]), str(body["last_mac"] or ""), str(body["at"]))
        signature = str(body["mac"])
    except (ValueError, KeyError, TypeError):
        return None
    if not same_mac(mac(_signed(anchor.count, anchor.last_mac, anchor.at)), signature):
        return None
    return anchor


def write() -> str | None:
    """Anchor the current head; None when the newest anchor holds it already (the history
    grows with the trail, not with the clock)."""
    count, last_mac = head()
    existing = storage.keys(AREA)
    if existing:
        newest = _parse(existing[-1])
        if newest is not None and (newest.count, newest.last_mac) == (count, last_mac or ""):
            return None
    now = utcnow()
    at = now.isoformat()
    body = {
        "scheme": SCHEME,
        "count": count,
        "last_mac": last_mac or "",
        "at": at,
        "mac": mac(_signed(count, last_mac or "", at)),
    }
    key = f"{AREA}/{now:%Y%m%dT%H%M%S%fZ}.json"
    storage.put_named(key, json.dumps(body, sort_keys=True).encode(), replace=False)
    return key


def load(report: ChainReport) -> list[Anchor]:
    """Every anchor whose MAC holds; each other one is a problem of the report."""
    anchors = []
    for key in storage.keys(AREA):
        anchor = _parse(key)
        if anchor is None:
            report.problem(f"anchor {key}: forged or damaged (its MAC does not match the audit key)")
        else:
            anchors.append(anchor)
    report.anchors = len(anchors)
    return anchors


def check(anchors: list[Anchor], seen: dict[int, str], report: ChainReport) -> None:
    """``seen``: the MAC the chain holds at each anchored count it reaches."""
    for anchor in anchors:
        if anchor.count == 0:
            continue
        if anchor.count not in seen:
            report.problem(
                f"anchor {anchor.key} ({anchor.at}): the trail had {anchor.count} entries, "
                f"ending with MAC {anchor.last_mac[:16]}; it now has {report.count}: "
                "entries were deleted"
            )
        elif not same_mac(seen[anchor.count], anchor.last_mac):
            report.problem(
                f"anchor {anchor.key} ({anchor.at}): entry number {anchor.count} of the trail "
                "is not the one anchored (the trail was replaced up to there)"
            )


def record_result(report: ChainReport) -> None:
    body = {
        "ok": report.ok,
        "at": utcnow().isoformat(),
        "count": report.count,
        "problems": report.problems[:_SHOWN_PROBLEMS],
        "more": max(0, len(report.problems) - _SHOWN_PROBLEMS),
    }
    storage.put_named(STATUS_KEY, json.dumps(body, ensure_ascii=False).encode(), replace=True)


def last_failure() -> dict | None:
    """The last verify's result when it failed (for the admin home page), else None."""
    if not storage.exists(STATUS_KEY):
        return None
    body = json.loads(storage.read(STATUS_KEY))
    if body.get("ok"):
        return None
    body["at"] = datetime.fromisoformat(body["at"])
    return body
