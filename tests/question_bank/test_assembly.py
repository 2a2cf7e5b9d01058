"""Papers: quotas met exactly, parallel forms, frozen versions, grading."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from question_bank import assembly
from question_bank import operations as ops
from question_bank.assembly import Assembler, Pool
from question_bank.models import QuestionVersion
from training_portal.core.db import db

from .conftest import blueprint, qdata


def test_quotas_are_met_exactly_and_no_question_twice(bank):
    b = blueprint(
        [
            ("true_false", 10, 2.0, "题库测试/瓦斯防治"),
            ("true_false", 10, 2.0, "题库测试/通风管理"),
            ("single_choice", 20, 2.0),
            ("multiple_choice", 10, 2.0),
        ]
    )
    papers = assembly.draw_papers(b, 20, np.random.default_rng(5))
    for paper in papers:
        versions = [db.session.get(QuestionVersion, item.version_id) for item in paper.items]
        assert len({v.id for v in versions}) == 50
        by_section = {}
        for v in versions:
            key = (v.type, v.category if v.type == "true_false" else "")
            by_section[key] = by_section.get(key, 0) + 1
        assert by_section == {
            ("true_false", "题库测试/瓦斯防治"): 10,
            ("true_false", "题库测试/通风管理"): 10,
            ("single_choice", ""): 20,
            ("multiple_choice", ""): 10,
        }
        assert paper.total_points == 100


def test_papers_are_parallel_within_the_tolerance(bank):
    b = blueprint([("true_false", 20, 2.0), ("single_choice", 20, 2.0), ("multiple_choice", 10, 2.0)])
    assembler = assembly.assembler_for(b, np.random.default_rng(11))
    scores = [assembler.draw().expected_score for _ in range(200)]
    assert max(scores) - min(scores) <= 2 * assembler.tolerance + 1e-9
    plain = Assembler(assembler.pools, None, float("inf"), np.random.default_rng(11))
    plain_scores = [plain.draw().expected_score for _ in range(200)]
    assert max(plain_scores) - min(plain_scores) > max(scores) - min(scores)


@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.integers(5, 60), min_size=1, max_size=4), data=st.data())
def test_quota_and_parallel_properties_on_any_pools(sizes, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    pools, next_id = [], 0
    for size in sizes:
        count = data.draw(st.integers(1, size))
        pools.append(
            Pool(
                "single_choice",
                count,
                data.draw(st.sampled_from([1.0, 2.0])),
                np.arange(next_id, next_id + size),
                rng.uniform(0.3, 0.98, size),
            )
        )
        next_id += size
    assembler = Assembler(pools, None, 0.5, rng)
    for _ in range(5):
        draw = assembler.draw()
        ids = [vid for _, vid, _ in draw.items]
        assert len(ids) == len(set(ids)) == sum(p.count for p in pools)
        for i, pool in enumerate(pools):
            assert sum(1 for j, vid, _ in draw.items if j == i and vid in set(pool.version_ids)) == pool.count
        facility = np.concatenate([p.facility for p in pools])
        points = {vid: pts for _, vid, pts in draw.items}
        assert draw.expected_score == pytest.approx(sum(points[v] * facility[v] for v in ids))


def test_overlapping_sections_share_no_question(ctx):
    from .conftest import make_active

    for k in range(12):
        make_active(qdata("single_choice", "法规/安全生产法" if k < 6 else "法规/矿山安全法"))
    db.session.commit()
    b = blueprint(
        [("single_choice", 5, 1.0, "法规/安全生产法"), ("single_choice", 7, 1.0, "法规")], purpose="spot_test"
    )
    for _ in range(10):
        paper = assembly.draw_papers(b, 1)[0]
        assert len({i.version_id for i in paper.items}) == 12


def test_shortfalls_name_what_is_missing(bank):
    b = blueprint([("true_false", 31, 1.0), ("single_choice", 69, 1.0)])
    missing = assembly.shortfalls(assembly.load_pools(b))
    assert [(m.needed, m.available) for m in missing] == [(31, 30), (69, 30)]
    with pytest.raises(ValueError):
        assembly.assembler_for(b)


def test_only_active_questions_for_the_target_are_drawn(bank):
    other = ops.create_question(qdata("true_false"), actor=None)  # a draft
    mn_only = qdata("true_false", applies_to=["mn_blasting"])
    from .conftest import make_active

    foreign = make_active(mn_only)
    db.session.commit()
    b = blueprint([("true_false", 30, 1.0)], purpose="spot_test")
    pools = assembly.load_pools(b)
    ids = set(pools[0].version_ids.tolist())
    assert other.current_version_id not in ids and foreign.current_version_id not in ids
    assert len(ids) == 30


def test_a_paper_is_frozen_against_later_edits_and_retirement(bank):
    b = blueprint([("single_choice", 30, 1.0)], purpose="spot_test")
    paper = assembly.draw_papers(b, 1, np.random.default_rng(3))[0]
    db.session.commit()
    item = paper.items[0]
    before = assembly.paper_view(paper)[0]
    question = item.version.question
    ops.edit_question(question, qdata(external_id=question.external_id, stem="新题干"), actor=None)
    ops.retire_question(question, actor=None)
    db.session.commit()
    db.session.expire_all()
    assert assembly.paper_view(paper)[0] == before


def test_shuffled_options_are_graded_by_their_original_meaning(bank):
    b = blueprint([("multiple_choice", 20, 5.0)], purpose="spot_test")
    paper = assembly.draw_papers(b, 1, np.random.default_rng(8))[0]
    view = assembly.paper_view(paper, with_answers=True)
    right = {v["position"]: v["correct"] for v in view}
    assert assembly.grade_paper(paper, right)[0] == 100
    assert "correct" not in assembly.paper_view(paper)[0]
    first = paper.items[0]
    wrong_first = dict(right) | {first.position: right[first.position][:1]}
    assert assembly.grade_paper(paper, wrong_first)[0] == 95  # all or nothing by default
    paper.partial_credit = True
    assert assembly.grade_paper(paper, wrong_first)[0] == 97.5
    assert assembly.grade_paper(paper, {first.position: [99]})[1][0] == 0  # no such option
