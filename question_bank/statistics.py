"""Classical item and test statistics, as Moodle's quiz statistics report shows them.

Pure functions over numbers: no database, no Flask. The formulas follow Moodle's code
(``question/classes/statistics/questions/calculator.php`` for items,
``mod/quiz/report/statistics/classes/calculator.php`` for the test) and the developer page
"Quiz statistics calculations" (docs.moodle.org/dev/Quiz_statistics_calculations).

Variances: every variance, standard deviation and covariance here is the *sample* one
(divided by n − 1), because that is what Moodle uses everywhere (``markvariancesum / (s - 1)``,
``sqrt(power2 / (s - 1))``). For the correlations and the discriminative efficiency the divisor
cancels, so only the item SD, the test SD, alpha and the standard error depend on the choice.

Conventions (Moodle's): facility, item SD, discrimination index, discriminative efficiency and
error ratio are percentages; Cronbach's alpha is returned as a fraction (Moodle prints it ×100
as "coefficient of internal consistency"), so that SEM = SD·sqrt(1 − alpha). Anything
undefined (too few attempts, a constant score) is ``None``, never NaN.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "CHECK_BELOW",
    "ItemStats",
    "Response",
    "TestStats",
    "flag_for",
    "item_statistics",
    "test_statistics",
]

#: Discrimination index (percent) under which a question should be looked at again.
CHECK_BELOW = 30.0


@dataclass(frozen=True)
class Response:
    """One candidate's score on one question."""

    candidate: Hashable  # any hashable id of an attempt
    question: Hashable  # any hashable id of a question (or of a paper slot)
    score: float
    max_score: float


@dataclass(frozen=True)
class ItemStats:
    """Moodle's per-question statistics.

    ``sd`` is 0.0 with a single respondent: the sample SD is undefined there (Moodle leaves
    the cell empty) but the interface, and the ``qb_item_statistics.sd`` column, need a number.
    The three correlation-type values are None when undefined.
    """

    n: int  # responses
    facility: float  # 0–100: mean score as % of the max score
    sd: float  # sample SD of the score as % of the max score (0.0 when n == 1)
    discrimination_index: float | None  # −100…100
    discriminative_efficiency: float | None  # ≤ 100
    point_biserial: float | None  # −1…1
    flag: str | None  # "broken" (DI < 0), "check" (DI < 30) or None


@dataclass(frozen=True)
class TestStats:
    """Moodle's whole-test statistics; mean, median, sd and standard_error in score units."""

    __test__ = False  # not a pytest test class, despite the name

    n: int
    mean: float
    median: float
    sd: float  # 0.0 for a single attempt (Moodle: empty)
    skewness: float | None
    kurtosis: float | None
    alpha: float | None  # Cronbach's alpha as a fraction (≤ 1; may be negative)
    error_ratio: float | None  # percent: 100·sqrt(1 − alpha)
    standard_error: float | None  # SD·sqrt(1 − alpha)


def flag_for(discrimination_index: float | None) -> str | None:
    """Moodle's advice on a discrimination index (percent).

    Negative: the question favours the weaker candidates, it is probably broken (wrong key,
    ambiguous wording) → ``"broken"``. Below 30: it separates strong from weak candidates only
    weakly → ``"check"``. Otherwise, or when the index is undefined, ``None``.
    """
    if discrimination_index is None or math.isnan(discrimination_index):
        return None
    if discrimination_index < 0:
        return "broken"
    if discrimination_index < CHECK_BELOW:
        return "check"
    return None


# --------------------------------------------------------------------------- items


def _grouped_moments(groups: np.ndarray, a: np.ndarray, b: np.ndarray, k: int):
    """Per-group sums of squared/cross deviations of paired samples ``a`` and ``b``.

    Returns ``n, mean_a, saa, sbb, sab, sab_max, a_varies, b_varies`` (arrays of length k):
    ``sab_max`` pairs the i-th smallest ``a`` with the i-th smallest ``b`` of the group
    (Moodle's ``covariancemaxsum``), ``*_varies`` is False for a constant sample (tested on the
    values themselves, not on a variance that rounding may leave at 1e-33).
    """
    n = np.bincount(groups, minlength=k)
    safe_n = np.maximum(n, 1)
    mean_a = np.bincount(groups, weights=a, minlength=k) / safe_n
    mean_b = np.bincount(groups, weights=b, minlength=k) / safe_n
    da = a - mean_a[groups]
    db = b - mean_b[groups]
    saa = np.bincount(groups, weights=da * da, minlength=k)
    sbb = np.bincount(groups, weights=db * db, minlength=k)
    sab = np.bincount(groups, weights=da * db, minlength=k)
    # Both orders sort by group first, so position i belongs to the same group in each.
    order_a = np.lexsort((a, groups))
    order_b = np.lexsort((b, groups))
    sab_max = np.bincount(groups[order_a], weights=da[order_a] * db[order_b], minlength=k)
    ends = np.cumsum(n)
    starts = ends - n
    nonempty = n > 0
    a_sorted, b_sorted = a[order_a], b[order_b]
    a_varies = np.zeros(k, dtype=bool)
    b_varies = np.zeros(k, dtype=bool)
    a_varies[nonempty] = a_sorted[ends[nonempty] - 1] > a_sorted[starts[nonempty]]
    b_varies[nonempty] = b_sorted[ends[nonempty] - 1] > b_sorted[starts[nonempty]]
    return n, mean_a, saa, sbb, sab, sab_max, a_varies, b_varies


def item_statistics(responses: Iterable[Response]) -> dict[Hashable, ItemStats]:
    """Facility, SD, discrimination index, discriminative efficiency and point-biserial per question.

    Works on random papers: each question's statistics use only the candidates who answered it
    (Moodle's per-question ``s``). Every score is first turned into a fraction of its max score,
    ``x = score / max_score`` (Moodle's ``fraction``), so a question that is worth different
    points on different papers is still one item. Per candidate c, per question q answered:

    * total ``T_c`` = Σ scores, paper maximum ``M_c`` = Σ max scores;
    * total fraction ``t = T_c / M_c`` (for the point-biserial);
    * rest fraction ``r = (T_c − score) / (M_c − max_score)``: the rest of the test as a fraction
      of the rest's own maximum. When all papers have the same maxima (one blueprint, as in
      Moodle) this is Moodle's ``summarks − mark`` divided by a constant, which changes no
      correlation; when papers differ it keeps a 3-point paper and a 10-point paper comparable.
      A candidate who answered only this question has no rest; they count in ``n``, facility and
      SD, but not in the discrimination index and efficiency.

    With S_xy = Σ (x − x̄)(y − ȳ) over the question's respondents (n − 1 divisors cancel):

    * facility = 100·x̄                         (Moodle: markaverage / maxmark)
    * sd = 100·sqrt(S_xx / (n − 1))            (Moodle: sample SD of the marks / maxmark)
    * discrimination index = 100·S_xr / sqrt(S_xx·S_rr)   (Moodle: covariance / sqrt(markvariance
      · othermarkvariance), i.e. Pearson r of item and rest of test, ×100)
    * discriminative efficiency = 100·S_xr / S_xr,max, where S_xr,max pairs x and r both sorted
      ascending (Moodle: covariance / covariancemax)
    * point-biserial = S_xt / sqrt(S_xx·S_tt): Pearson r of item and total *including* the item.

    The last three are None when n < 2 or either variable is constant; sd is 0.0 when n == 1.
    Responses with max score 0 carry no information (Moodle's facility is null for them) and are
    left out altogether, so a question worth 0 points gets no entry. Raises ValueError for a
    negative or non-finite max score, a non-finite score, or a duplicate (candidate, question).
    """
    cand_codes: dict[Hashable, int] = {}
    q_codes: dict[Hashable, int] = {}
    cands: list[int] = []
    qs: list[int] = []
    scores: list[float] = []
    maxes: list[float] = []
    for r in responses:
        if r.max_score == 0:
            continue
        cands.append(cand_codes.setdefault(r.candidate, len(cand_codes)))
        qs.append(q_codes.setdefault(r.question, len(q_codes)))
        scores.append(r.score)
        maxes.append(r.max_score)
    if not qs:
        return {}

    c = np.asarray(cands, dtype=np.intp)
    q = np.asarray(qs, dtype=np.intp)
    score = np.asarray(scores, dtype=float)
    max_score = np.asarray(maxes, dtype=float)
    if not (np.isfinite(score).all() and np.isfinite(max_score).all()):
        raise ValueError("scores and max scores must be finite numbers")
    if (max_score < 0).any():
        raise ValueError("a max score is negative")
    nq = len(q_codes)
    pair = c * nq + q
    if np.unique(pair).size != pair.size:
        uniq, counts = np.unique(pair, return_counts=True)
        dup = int(uniq[counts > 1][0])
        cand_id = list(cand_codes)[dup // nq]
        q_id = list(q_codes)[dup % nq]
        raise ValueError(f"candidate {cand_id!r} has more than one response to question {q_id!r}")

    nc = len(cand_codes)
    total = np.bincount(c, weights=score, minlength=nc)[c]
    paper_max = np.bincount(c, weights=max_score, minlength=nc)[c]
    x = score / max_score
    t = total / paper_max
    rest_max = paper_max - max_score
    has_rest = rest_max > 0
    rest = (total[has_rest] - score[has_rest]) / rest_max[has_rest]

    n, mean_x, sxx, stt, sxt, _, x_varies, t_varies = _grouped_moments(q, x, t, nq)
    nr, _, sxx_r, srr, sxr, sxr_max, xr_varies, r_varies = _grouped_moments(
        q[has_rest], x[has_rest], rest, nq
    )

    out: dict[Hashable, ItemStats] = {}
    for qid, j in q_codes.items():
        nj = int(n[j])
        sd = 100.0 * math.sqrt(sxx[j] / (nj - 1)) if nj >= 2 and x_varies[j] else 0.0
        di = de = pb = None
        if nr[j] >= 2 and xr_varies[j] and r_varies[j]:
            di = _clip(100.0 * sxr[j] / math.sqrt(sxx_r[j] * srr[j]), 100.0)
            if sxr_max[j] > 0:
                de = min(float(100.0 * sxr[j] / sxr_max[j]), 100.0)
        if nj >= 2 and x_varies[j] and t_varies[j]:
            pb = _clip(sxt[j] / math.sqrt(sxx[j] * stt[j]), 1.0)
        out[qid] = ItemStats(
            n=nj,
            facility=100.0 * float(mean_x[j]),
            sd=sd,
            discrimination_index=di,
            discriminative_efficiency=de,
            point_biserial=pb,
            flag=flag_for(di),
        )
    return out


def _clip(value: float, bound: float) -> float:
    return float(min(max(value, -bound), bound))


# --------------------------------------------------------------------------- test


def test_statistics(matrix: np.ndarray) -> TestStats:
    """Whole-test statistics of a full score matrix (rows = attempts, columns = slots).

    Follows ``quiz_statistics\\calculator::calculate`` with s attempts, p slots, totals T:

    * mean = ΣT / s; median = middle total (mean of the two middle ones when s is even)
    * sd = sqrt(Σ(T − mean)² / (s − 1))                        — sample SD, s ≥ 2 (0.0 if s = 1)
    * m_k = Σ(T − mean)^k / s;  k2 = s·m2/(s − 1);  k3 = s²·m3 / ((s − 1)(s − 2))
    * skewness = k3 / k2^(3/2)                                  — s ≥ 3 and k2 ≠ 0
    * k4 = s²·((s + 1)·m4 − 3(s − 1)·m2²) / ((s − 1)(s − 2)(s − 3)); kurtosis = k4 / k2²
      (excess kurtosis, 0 for a normal distribution)            — s ≥ 4 and k2 ≠ 0
    * alpha = p/(p − 1)·(1 − Σ_slots var_slot / k2), slot variances with s − 1 like k2
      (Moodle's CIC = 100·alpha)                                 — p ≥ 2, s ≥ 3 and k2 ≠ 0
    * error ratio = 100·sqrt(1 − alpha); standard error = error ratio·sd / 100 = sd·sqrt(1 − alpha)

    Moodle computes the coefficient of internal consistency inside its ``s > 2`` branch, so
    alpha (and error ratio, standard error) is None with two attempts; we do the same.
    Raises ValueError for an empty, non-2-D or non-finite matrix.
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2:
        raise ValueError("the score matrix must be two-dimensional (attempts × slots)")
    s, p = m.shape
    if s == 0:
        raise ValueError("no attempts")
    if not np.isfinite(m).all():
        raise ValueError("the score matrix has gaps (NaN or infinite scores)")

    totals = m.sum(axis=1)
    mean = float(totals.mean())
    median = float(np.median(totals))
    sd = 0.0
    skewness = kurtosis = alpha = error_ratio = standard_error = None
    if s >= 2:
        varies = bool(totals.max() > totals.min())
        d = totals - mean if varies else np.zeros_like(totals)
        d2 = d * d
        power2 = float(d2.sum())
        sd = math.sqrt(power2 / (s - 1))
        if s > 2 and varies:
            m2 = power2 / s
            m3 = float((d2 * d).sum()) / s
            m4 = float((d2 * d2).sum()) / s
            k2 = s * m2 / (s - 1)
            k3 = s * s * m3 / ((s - 1) * (s - 2))
            skewness = k3 / k2**1.5
            if s > 3:
                k4 = s * s * ((s + 1) * m4 - 3 * (s - 1) * m2 * m2) / ((s - 1) * (s - 2) * (s - 3))
                kurtosis = k4 / (k2 * k2)
            if p > 1:
                sum_slot_var = float(m.var(axis=0, ddof=1).sum())
                alpha = min(p / (p - 1) * (1.0 - sum_slot_var / k2), 1.0)
                error_ratio = 100.0 * math.sqrt(1.0 - alpha)
                standard_error = error_ratio * sd / 100.0
    return TestStats(
        n=int(s),
        mean=mean,
        median=median,
        sd=sd,
        skewness=skewness,
        kurtosis=kurtosis,
        alpha=alpha,
        error_ratio=error_ratio,
        standard_error=standard_error,
    )


test_statistics.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
