"""Responses of a signed-off sitting feed the item statistics, the review page and assembly."""

import numpy as np
from sqlalchemy import select

from question_bank import assembly, statistics_store
from question_bank.models import ItemStatistic
from training_portal.core.db import db

from ..conftest import login
from .conftest import blueprint


def sitting(bank, broken_version: int | None = None, n: int = 40):
    """n candidates of rising ability; on ``broken_version`` the strong ones fail."""
    # The bank fixture's categories: the demo bank's questions stay out of these papers.
    b = blueprint([("single_choice", 30, 1.0, "题库测试")], target="coal_gas_inspection", purpose="spot_test")
    papers = assembly.draw_papers(b, n, np.random.default_rng(4))
    graded = []
    for rank, paper in enumerate(papers):
        ability = rank / n
        scores = []
        for k, item in enumerate(paper.items):
            right = ((k * 7 + rank * 3) % 10) / 10 < ability
            if item.version_id == broken_version:
                right = ability < 0.5
            scores.append(item.points if right else 0.0)
        graded.append((paper, scores))
    return b, graded


def test_a_broken_question_is_flagged_after_one_sitting(bank, demo, client):
    target = bank[40].current_version_id  # a single-choice question: every paper has it
    _, graded = sitting(bank, broken_version=target)
    statistics_store.record_sitting("2026-11-29/room-1", graded)
    db.session.commit()
    stat = db.session.get(ItemStatistic, target)
    assert stat.n == 40 and stat.discrimination_index < 0 and stat.flag == "broken"
    login(client, "reviewer_center")
    page = client.get("/questions/statistics")
    assert page.status_code == 200 and 'data-test="flagged"' in page.text
    assert bank[40].current_version.stem[:10] in page.text


def test_recording_a_sitting_again_replaces_it(bank):
    _, graded = sitting(bank)
    statistics_store.record_sitting("s1", graded)
    statistics_store.record_sitting("s1", graded)
    db.session.commit()
    assert max(s.n for s in db.session.scalars(select(ItemStatistic))) == 40


def test_observed_difficulty_replaces_the_authors_once_there_are_enough_responses(bank):
    target = bank[40].current_version_id
    b, graded = sitting(bank)
    for paper, scores in graded:  # nobody gets this one right
        for k, item in enumerate(paper.items):
            if item.version_id == target:
                scores[k] = 0.0
    statistics_store.record_sitting("s2", graded)
    db.session.commit()
    pool = assembly.load_pools(b)[0]
    assert pool.facility[list(pool.version_ids).index(target)] == 0.0
