"""Item and test statistics against values worked out by hand.

Notation in the comments: for paired samples x, y of size n,
S_xy = Σ(x − x̄)(y − ȳ) = Σxy − n·x̄·ȳ. Moodle's sample (n − 1) divisors cancel in every
correlation, so DI = 100·S_xr / sqrt(S_xx·S_rr), DE = 100·S_xr / S_xr,max (x and r both sorted
ascending), point-biserial = S_xt / sqrt(S_xx·S_tt), where r is the rest of the test and t the
total. Expected values are fractions and square roots of fractions, not numpy results.
"""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from question_bank import statistics as qs
from question_bank.statistics import Response

approx = pytest.approx


def responses_from(matrix, max_scores=None, candidates=None):
    """One Response per cell; candidates c1…, questions Q1…."""
    out = []
    for i, row in enumerate(matrix):
        for j, score in enumerate(row):
            out.append(
                Response(
                    candidate=(candidates or {}).get(i, f"c{i + 1}"),
                    question=f"Q{j + 1}",
                    score=score,
                    max_score=(max_scores or [1] * len(row))[j],
                )
            )
    return out


# ---------------------------------------------------------------- 5 candidates × 4 dichotomous items
#
#        Q1 Q2 Q3 Q4 | total
#   c1:   1  1  1  0 |  3
#   c2:   1  0  0  1 |  2
#   c3:   1  0  1  0 |  2
#   c4:   1  0  0  0 |  1
#   c5:   1  0  0  0 |  1
#
# Q1 everyone right; Q2 only the best candidate; Q3 a weak discriminator; Q4 got right only by
# a middle candidate while the best got it wrong. Totals T = 3,2,2,1,1, T̄ = 9/5,
# S_TT = 9+4+4+1+1 − 5·(9/5)² = 19 − 81/5 = 14/5.
M = [
    [1, 1, 1, 0],
    [1, 0, 0, 1],
    [1, 0, 1, 0],
    [1, 0, 0, 0],
    [1, 0, 0, 0],
]


@pytest.fixture(scope="module")
def m_items():
    return qs.item_statistics(responses_from(M))


def test_item_everyone_right_has_no_discrimination(m_items):
    q1 = m_items["Q1"]
    assert q1.n == 5
    assert q1.facility == approx(100.0)
    assert q1.sd == approx(0.0)
    # x is constant: S_xx = 0, correlations are 0/0.
    assert q1.discrimination_index is None
    assert q1.discriminative_efficiency is None
    assert q1.point_biserial is None
    assert q1.flag is None


def test_item_good_discriminator(m_items):
    q2 = m_items["Q2"]
    # x = 1,0,0,0,0: x̄ = 1/5 → facility 20 %.
    assert q2.facility == approx(20.0)
    # S_xx = 1 − 5·(1/5)² = 4/5; sample var = (4/5)/4 = 1/5.
    assert q2.sd == approx(100 * math.sqrt(1 / 5))
    # rest r = T − x = 2,2,2,1,1, r̄ = 8/5; S_rr = 14 − 5·(8/5)² = 6/5; S_xr = 2 − 5·(1/5)(8/5) = 2/5.
    # DI = 100·(2/5)/sqrt(4/5·6/5) = 100·2/sqrt(24) = 100/sqrt(6).
    assert q2.discrimination_index == approx(100 / math.sqrt(6))
    # Sorted: x = 0,0,0,0,1 and r = 1,1,2,2,2 → Σxr = 2, S_max = 2 − 8/5 = 2/5 = S_xr → DE = 100.
    assert q2.discriminative_efficiency == approx(100.0)
    # t = T: S_xt = 3 − 5·(1/5)(9/5) = 6/5; pb = (6/5)/sqrt(4/5·14/5) = 6/sqrt(56) = 3/sqrt(14).
    assert q2.point_biserial == approx(3 / math.sqrt(14))
    assert q2.flag is None


def test_item_weak_discriminator_is_checked(m_items):
    q3 = m_items["Q3"]
    # x = 1,0,1,0,0: x̄ = 2/5; S_xx = 2 − 5·(2/5)² = 6/5; sample var = (6/5)/4 = 3/10.
    assert q3.facility == approx(40.0)
    assert q3.sd == approx(100 * math.sqrt(3 / 10))
    # r = 2,2,1,1,1, r̄ = 7/5; S_rr = 11 − 49/5 = 6/5; S_xr = (2+1) − 5·(2/5)(7/5) = 3 − 14/5 = 1/5.
    # DI = 100·(1/5)/sqrt(36/25) = 100/6.
    assert q3.discrimination_index == approx(100 / 6)
    # Sorted x = 0,0,0,1,1 and r = 1,1,1,2,2 → Σxr = 4, S_max = 4 − 14/5 = 6/5 → DE = 100·(1/5)/(6/5).
    assert q3.discriminative_efficiency == approx(100 / 6)
    # S_xt = (3+2) − 5·(2/5)(9/5) = 7/5; pb = (7/5)/sqrt(6/5·14/5) = 7/sqrt(84).
    assert q3.point_biserial == approx(7 / math.sqrt(84))
    assert q3.flag == "check"


def test_item_strong_candidates_wrong_is_broken(m_items):
    q4 = m_items["Q4"]
    assert q4.facility == approx(20.0)
    # r = 3,1,2,1,1, r̄ = 8/5; S_rr = 16 − 64/5 = 16/5; S_xr = 1 − 8/5 = −3/5.
    # DI = 100·(−3/5)/sqrt(4/5·16/5) = 100·(−3/5)/(8/5) = −37.5.
    assert q4.discrimination_index == approx(-37.5)
    # Sorted x = 0,0,0,0,1 and r = 1,1,1,2,3 → Σxr = 3, S_max = 3 − 8/5 = 7/5 → DE = −300/7.
    assert q4.discriminative_efficiency == approx(-300 / 7)
    # Against the total *including* the item the correlation is still positive (the item props
    # up c2's total): S_xt = 2 − 9/5 = 1/5, pb = (1/5)/sqrt(4/5·14/5) = 1/sqrt(56).
    assert q4.point_biserial == approx(1 / math.sqrt(56))
    assert q4.flag == "broken"


def test_test_statistics_dichotomous():
    ts = qs.test_statistics(np.array(M))
    # T = 3,2,2,1,1: mean 9/5, median 2; deviations d = 6/5, 1/5, 1/5, −4/5, −4/5.
    assert ts.n == 5
    assert ts.mean == approx(9 / 5)
    assert ts.median == approx(2.0)
    # Σd² = (36+1+1+16+16)/25 = 14/5 → sd = sqrt((14/5)/4) = sqrt(7/10).
    assert ts.sd == approx(math.sqrt(7 / 10))
    # m2 = 14/25, m3 = (216+1+1−64−64)/125/5 = 18/125, m4 = (1296+1+1+256+256)/625/5 = 362/625.
    # k2 = 5·m2/4 = 7/10; k3 = 25·m3/(4·3) = 3/10 → skewness = (3/10)/(7/10)^1.5.
    assert ts.skewness == approx(0.3 / 0.7**1.5)
    # k4 = 25·(6·362/625 − 3·4·(14/25)²)/(4·3·2) = 25·(−180/625)/24 = −3/10 → kurtosis = −(3/10)/(7/10)².
    assert ts.kurtosis == approx(float(F(-3, 10) / F(7, 10) ** 2))  # = −30/49
    # Slot variances (n − 1): 0, (4/5)/4, (6/5)/4, (4/5)/4 → Σ = 0 + 1/5 + 3/10 + 1/5 = 7/10 = k2,
    # so alpha = 4/3·(1 − 1) = 0, error ratio 100 %, SEM = sd.
    assert ts.alpha == approx(0.0, abs=1e-12)
    assert ts.error_ratio == approx(100.0)
    assert ts.standard_error == approx(math.sqrt(7 / 10))


# ---------------------------------------------------------------- 6 candidates, Q3 worth 2 points
#
#        Q1 Q2 Q3(2) | T
#   c1:   1  1  2    | 4
#   c2:   1  1  1    | 3
#   c3:   1  0  2    | 3
#   c4:   0  1  1    | 2
#   c5:   1  0  0    | 1
#   c6:   0  0  0    | 0
M2 = [
    [1, 1, 2],
    [1, 1, 1],
    [1, 0, 2],
    [0, 1, 1],
    [1, 0, 0],
    [0, 0, 0],
]


def test_two_point_item():
    stats = qs.item_statistics(responses_from(M2, max_scores=[1, 1, 2]))
    q3 = stats["Q3"]
    # Fractions 1, 1/2, 1, 1/2, 0, 0 → facility 3/6 = 50 %.
    assert q3.facility == approx(50.0)
    # In points x = 2,1,2,1,0,0: S_xx = 10 − 6·1² = 4, var = 4/5, SD = sqrt(4/5) points
    # = sqrt(4/5)/2 of the max = sqrt(1/5).
    assert q3.sd == approx(100 * math.sqrt(1 / 5))
    # Every paper is worth 4, so the rest fraction is (T − x)/2: a constant factor, DI is the one
    # Moodle gets from raw points. Rest r = 2,2,1,1,1,0, r̄ = 7/6: S_rr = 11 − 49/6 = 17/6,
    # S_xr = (4+2+2+1) − 6·1·(7/6) = 2 → DI = 100·2/sqrt(4·17/6) = 100·sqrt(6/17).
    assert q3.discrimination_index == approx(100 * math.sqrt(6 / 17))
    # Sorted x = 0,0,1,1,2,2 and r = 0,1,1,1,2,2 → Σ = 10, S_max = 10 − 7 = 3 → DE = 100·2/3.
    assert q3.discriminative_efficiency == approx(200 / 3)
    # T̄ = 13/6, S_TT = 39 − 169/6 = 65/6; S_xT = (8+3+6+2) − 6·1·(13/6) = 6
    # → pb = 6/sqrt(4·65/6) = 6·sqrt(3/130).
    assert q3.point_biserial == approx(6 * math.sqrt(3 / 130))
    assert q3.flag is None

    q1 = stats["Q1"]
    # x = 1,1,1,0,1,0: x̄ = 2/3, S_xx = 4 − 6·4/9 = 4/3; r = 3,2,2,2,0,0, r̄ = 3/2,
    # S_rr = 21 − 6·9/4 = 15/2, S_xr = 7 − 6·(2/3)(3/2) = 1 → DI = 100/sqrt(4/3·15/2) = 100/sqrt(10).
    assert q1.discrimination_index == approx(100 / math.sqrt(10))
    # Sorted x = 0,0,1,1,1,1 and r = 0,0,2,2,2,3 → Σ = 9, S_max = 9 − 6 = 3 → DE = 100/3.
    assert q1.discriminative_efficiency == approx(100 / 3)
    assert q1.flag is None  # 31.6 ≥ 30


def test_test_statistics_with_two_point_item_alpha_and_sem():
    ts = qs.test_statistics(np.array(M2, dtype=float))
    # T = 4,3,3,2,1,0: mean 13/6, median (2+3)/2.
    assert ts.mean == approx(13 / 6)
    assert ts.median == approx(2.5)
    # S_TT = 65/6 → sd = sqrt((65/6)/5) = sqrt(13/6).
    assert ts.sd == approx(math.sqrt(13 / 6))
    # d·6 = 11,5,5,−1,−7,−13: Σd³ = −960/216 = −40/9, Σd⁴ = 46854/1296.
    # m2 = 65/36, m3 = −20/27, m4 = 2603/432; k2 = 13/6, k3 = 36·(−20/27)/20 = −4/3.
    assert ts.skewness == approx(float(F(-4, 3)) / (13 / 6) ** 1.5)
    # k4 = 36·(7·2603/432 − 15·(65/36)²)/60 = 36·(−121/18)/60 = −121/30; kurtosis = k4/k2² = −726/845.
    assert ts.kurtosis == approx(-726 / 845)
    # Slot variances: Q1 (4/3)/5 = 4/15, Q2 (3/2)/5 = 3/10, Q3 4/5 → Σ = (8+9+24)/30 = 41/30.
    # alpha = 3/2·(1 − (41/30)/(13/6)) = 3/2·(1 − 41/65) = 36/65.
    assert ts.alpha == approx(36 / 65)
    # error ratio = 100·sqrt(1 − 36/65) = 100·sqrt(29/65); SEM = sqrt(13/6)·sqrt(29/65) = sqrt(29/30).
    assert ts.error_ratio == approx(100 * math.sqrt(29 / 65))
    assert ts.standard_error == approx(math.sqrt(29 / 30))


# ---------------------------------------------------------------- random papers
#
# Pool A (1 point), B (1 point), C (2 points); each candidate saw a different paper.
#
#        A    B    C    | total / paper max
#   c1:  1/1  1/1  2/2  | 4/4
#   c2:  0/1   –   1/2  | 1/3
#   c3:   –   1/1  0/2  | 1/3
#   c4:  1/1  0/1   –   | 1/2
#   c5:  0/1  0/1  0/2  | 0/4
#
# Rest of the test for an item = (total − item score)/(paper max − item max).
RANDOM = [
    Response("c1", "A", 1, 1),
    Response("c1", "B", 1, 1),
    Response("c1", "C", 2, 2),
    Response("c2", "A", 0, 1),
    Response("c2", "C", 1, 2),
    Response("c3", "B", 1, 1),
    Response("c3", "C", 0, 2),
    Response("c4", "A", 1, 1),
    Response("c4", "B", 0, 1),
    Response("c5", "A", 0, 1),
    Response("c5", "B", 0, 1),
    Response("c5", "C", 0, 2),
]


def test_random_papers_use_only_respondents_and_scaled_rest():
    stats = qs.item_statistics(RANDOM)
    assert [stats[q].n for q in "ABC"] == [4, 4, 4]

    a = stats["A"]
    # Respondents c1, c2, c4, c5: x = 1,0,1,0 (x̄ = 1/2, S_xx = 1, var 1/3).
    assert a.facility == approx(50.0)
    assert a.sd == approx(100 * math.sqrt(1 / 3))
    # r = (4−1)/(4−1), (1−0)/(3−1), (1−1)/(2−1), 0/3 = 1, 1/2, 0, 0; r̄ = 3/8.
    # S_rr = 5/4 − 4·(3/8)² = 11/16; S_xr = 1 − 4·(1/2)(3/8) = 1/4
    # → DI = 100·(1/4)/sqrt(11/16) = 100/sqrt(11).
    # (Unscaled points r = 3,1,0,0 would give 100/sqrt(6): c1's rest is out of 3, c2's out of 2.)
    assert a.discrimination_index == approx(100 / math.sqrt(11))
    # Sorted x = 0,0,1,1 and r = 0,0,1/2,1 → Σ = 3/2, S_max = 3/2 − 3/4 = 3/4 → DE = 100/3.
    assert a.discriminative_efficiency == approx(100 / 3)
    # t = 1, 1/3, 1/2, 0: t̄ = 11/24, S_tt = (1 + 1/9 + 1/4) − 4·(11/24)² = 75/144 = 25/48,
    # S_xt = 3/2 − 4·(1/2)(11/24) = 7/12 → pb = (7/12)/sqrt(25/48) = 7·sqrt(3)/15.
    assert a.point_biserial == approx(7 * math.sqrt(3) / 15)
    assert a.flag is None

    b = stats["B"]
    # Respondents c1, c3, c4, c5: x = 1,1,0,0; r = 3/3, 0/2, 1/1, 0/3 = 1,0,1,0.
    # S_xr = 1 − 4·(1/2)(1/2) = 0 → DI = 0, DE = 0/(2 − 1) = 0: "check".
    assert b.discrimination_index == approx(0.0, abs=1e-9)
    assert b.discriminative_efficiency == approx(0.0, abs=1e-9)
    # t = 1, 1/3, 1/2, 0 again; S_xt = 4/3 − 11/12 = 5/12 → pb = (5/12)/sqrt(25/48) = sqrt(3)/3.
    assert b.point_biserial == approx(math.sqrt(3) / 3)
    assert b.flag == "check"

    c = stats["C"]
    # Respondents c1, c2, c3, c5: x = 1, 1/2, 0, 0 → facility 3/8.
    assert c.facility == approx(37.5)
    # S_xx = 5/4 − 4·9/64 = 11/16, var = 11/48.
    assert c.sd == approx(100 * math.sqrt(11 / 48))
    # r = 2/2, 0/1, 1/1, 0/2 = 1,0,1,0; S_xr = 1 − 4·(3/8)(1/2) = 1/4 → DI = 100·(1/4)/sqrt(11/16).
    assert c.discrimination_index == approx(100 / math.sqrt(11))
    # Sorted x = 0,0,1/2,1 and r = 0,0,1,1 → Σ = 3/2, S_max = 3/4 → DE = 100/3.
    assert c.discriminative_efficiency == approx(100 / 3)


def test_random_papers_are_order_independent():
    forward = qs.item_statistics(RANDOM)
    backward = qs.item_statistics(list(reversed(RANDOM)))
    for q in "ABC":
        assert forward[q].n == backward[q].n
        for field in (
            "facility",
            "sd",
            "discrimination_index",
            "discriminative_efficiency",
            "point_biserial",
        ):
            assert getattr(backward[q], field) == approx(getattr(forward[q], field), abs=1e-9)
        assert forward[q].flag == backward[q].flag


def test_single_respondent_and_candidate_without_rest():
    stats = qs.item_statistics(
        [
            Response("a", "Q", 1, 1),
            Response("a", "R", 0, 1),
            Response("b", "R", 1, 1),
        ]
    )
    q = stats["Q"]
    assert (q.n, q.facility, q.sd) == (1, 100.0, 0.0)
    assert (q.discrimination_index, q.discriminative_efficiency, q.point_biserial, q.flag) == (
        None,
        None,
        None,
        None,
    )
    r = stats["R"]
    assert r.n == 2 and r.facility == approx(50.0)
    # x = 0, 1: S_xx = 1/2, var = 1/2 → sd = 100·sqrt(1/2).
    assert r.sd == approx(100 * math.sqrt(1 / 2))
    # b answered nothing else, so only a has a rest of the test: one pair, DI undefined.
    assert r.discrimination_index is None and r.discriminative_efficiency is None
    # Totals: a 1/2, b 1/1 — both rise with x → pb = 1.
    assert r.point_biserial == approx(1.0)


def test_zero_variance_rest_gives_none():
    # Everyone's rest of the test is the same (1 on Q2), so DI and DE are 0/0.
    stats = qs.item_statistics(responses_from([[1, 1], [0, 1], [1, 1]]))
    q1 = stats["Q1"]
    assert q1.discrimination_index is None and q1.discriminative_efficiency is None
    assert q1.flag is None
    # But the total 2,1,2 varies with x exactly: pb = 1.
    assert q1.point_biserial == approx(1.0)


def test_item_statistics_edge_inputs():
    assert qs.item_statistics([]) == {}
    # A 0-point question carries no information and is left out.
    stats = qs.item_statistics([Response(1, "free", 0, 0), Response(1, "X", 1, 1)])
    assert set(stats) == {"X"}
    with pytest.raises(ValueError, match="more than one response"):
        qs.item_statistics([Response(1, "X", 1, 1), Response(1, "X", 0, 1)])
    with pytest.raises(ValueError):
        qs.item_statistics([Response(1, "X", 1, -1)])
    with pytest.raises(ValueError):
        qs.item_statistics([Response(1, "X", float("nan"), 1)])


def test_flag_for():
    assert qs.flag_for(None) is None
    assert qs.flag_for(-0.1) == "broken"
    assert qs.flag_for(0.0) == "check"
    assert qs.flag_for(29.99) == "check"
    assert qs.flag_for(30.0) is None
    assert qs.flag_for(85.0) is None


def test_test_statistics_small_samples():
    one = qs.test_statistics(np.array([[1.0, 0.0]]))
    assert (one.n, one.mean, one.median, one.sd) == (1, 1.0, 1.0, 0.0)
    assert one.skewness is None and one.kurtosis is None and one.alpha is None
    # Two attempts: totals 1 and 2, sd = sqrt(((1/2)² + (1/2)²)/1) = sqrt(1/2);
    # nothing beyond (Moodle computes skewness, kurtosis and CIC only when s > 2).
    two = qs.test_statistics(np.array([[1, 0], [1, 1]]))
    assert two.sd == approx(math.sqrt(1 / 2))
    assert (two.skewness, two.kurtosis, two.alpha, two.error_ratio, two.standard_error) == (
        None,
        None,
        None,
        None,
        None,
    )
    # Three attempts: totals 0,1,2 — symmetric, skewness 0, no kurtosis (needs s > 3).
    three = qs.test_statistics(np.array([[0, 0], [1, 0], [1, 1]]))
    assert three.skewness == approx(0.0, abs=1e-12)
    assert three.kurtosis is None
    # Columns (0,1,1) and (0,0,1): variances 1/3 and 1/3; totals 0,1,2 have variance 1.
    # alpha = 2·(1 − 2/3) = 2/3.
    assert three.alpha == approx(2 / 3)
    # Constant totals: sd 0, higher moments and alpha undefined.
    flat = qs.test_statistics(np.array([[1, 0], [0, 1], [1, 0], [0, 1]]))
    assert flat.sd == 0.0
    assert (flat.skewness, flat.kurtosis, flat.alpha) == (None, None, None)
    # One slot: alpha needs p > 1.
    assert qs.test_statistics(np.array([[0], [1], [1], [0]])).alpha is None
    with pytest.raises(ValueError):
        qs.test_statistics(np.zeros((0, 3)))
    with pytest.raises(ValueError):
        qs.test_statistics(np.array([[1.0, np.nan], [0.0, 1.0]]))


def test_scales_to_a_thousand_candidates():
    rng = np.random.default_rng(7)
    ability = rng.normal(size=(1000, 1))
    matrix = (rng.normal(size=(1000, 100)) < ability).astype(float)
    responses = [Response(i, j, matrix[i, j], 1.0) for i in range(1000) for j in range(100)]
    stats = qs.item_statistics(responses)
    assert len(stats) == 100
    assert all(s.discrimination_index is not None and s.discrimination_index > 0 for s in stats.values())
    ts = qs.test_statistics(matrix)
    assert ts.n == 1000 and 0.8 < ts.alpha < 1.0


# ---------------------------------------------------------------- properties


@st.composite
def random_papers(draw):
    n_candidates = draw(st.integers(1, 8))
    pool = draw(st.lists(st.sampled_from([1.0, 2.0, 3.0]), min_size=1, max_size=5))
    out = []
    for c in range(n_candidates):
        seen = draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=len(pool), unique=True))
        for q in seen:
            score = draw(st.sampled_from([0.0, 0.5, 1.0])) * pool[q]
            out.append(Response(c, q, score, pool[q]))
    return out


@settings(max_examples=60, deadline=None)
@given(random_papers())
def test_item_statistics_stay_in_bounds(responses):
    for s in qs.item_statistics(responses).values():
        assert 0.0 <= s.facility <= 100.0
        assert s.sd >= 0.0 and not math.isnan(s.sd)
        if s.discrimination_index is not None:
            assert -100.0 <= s.discrimination_index <= 100.0
        if s.discriminative_efficiency is not None:
            assert not math.isnan(s.discriminative_efficiency)
            assert s.discriminative_efficiency <= 100.0
        if s.point_biserial is not None:
            assert -1.0 <= s.point_biserial <= 1.0
        assert s.flag == qs.flag_for(s.discrimination_index)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 7).flatmap(
        lambda p: st.lists(
            st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]), min_size=p, max_size=p), min_size=1, max_size=9
        )
    )
)
def test_test_statistics_are_finite_and_alpha_at_most_one(rows):
    ts = qs.test_statistics(np.array(rows))
    for value in (
        ts.mean,
        ts.median,
        ts.sd,
        ts.skewness,
        ts.kurtosis,
        ts.alpha,
        ts.error_ratio,
        ts.standard_error,
    ):
        assert value is None or math.isfinite(value)
    if ts.alpha is not None:
        assert ts.alpha <= 1.0
        assert ts.standard_error == approx(ts.sd * math.sqrt(1 - ts.alpha))
