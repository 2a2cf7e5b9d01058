"""Keeping item statistics: the responses of a signed-off sitting go in, every question
version they touch gets its statistics over all its responses recomputed."""

from __future__ import annotations

from sqlalchemy import delete, select

from training_portal.core.db import db, utcnow

from .models import ItemResponse, ItemStatistic, Paper
from .statistics import Response, item_statistics


def record_sitting(sitting: str, graded: list[tuple[Paper, list[float]]]) -> int:
    """Store each paper's item scores for ``sitting`` (again: replaces what it stored before)
    and refresh the statistics of the versions involved. Returns the number of versions."""
    paper_ids = [paper.id for paper, _ in graded]
    db.session.execute(delete(ItemResponse).where(ItemResponse.sitting == sitting))
    versions: set[int] = set()
    for paper, scores in graded:
        for item, score in zip(paper.items, scores, strict=True):
            db.session.add(
                ItemResponse(
                    sitting=sitting,
                    paper_id=paper.id,
                    position=item.position,
                    version_id=item.version_id,
                    score=score,
                    max_score=item.points,
                )
            )
            versions.add(item.version_id)
    db.session.flush()
    refresh(versions)
    return len(versions) if paper_ids else 0


def refresh(version_ids: set[int]) -> None:
    if not version_ids:
        return
    # Every paper that holds one of these versions, with all its responses: the rest of
    # the test is what the item's discrimination is measured against.
    papers = select(ItemResponse.paper_id).where(ItemResponse.version_id.in_(version_ids))
    rows = db.session.execute(
        select(
            ItemResponse.paper_id, ItemResponse.version_id, ItemResponse.score, ItemResponse.max_score
        ).where(ItemResponse.paper_id.in_(papers))
    ).all()
    stats = item_statistics(Response(p, v, s, m) for p, v, s, m in rows)
    now = utcnow()
    for version_id in version_ids:
        item = stats.get(version_id)
        if item is None:
            continue
        row = db.session.get(ItemStatistic, version_id) or ItemStatistic(version_id=version_id)
        row.n, row.facility, row.sd = item.n, item.facility, item.sd
        row.discrimination_index = item.discrimination_index
        row.discriminative_efficiency = item.discriminative_efficiency
        row.point_biserial, row.flag, row.updated_at = item.point_biserial, item.flag, now
        db.session.add(row)
    db.session.flush()
