"""Drawing papers: every candidate gets their own, the blueprint's quotas met exactly, and
every paper of a blueprint equally hard.

"Equally hard" is measured by the expected score: the sum over a paper's questions of
points × facility (the share of candidates expected to answer correctly). A plain random
draw of 100 questions spreads expected scores over several points, so a candidate's fate
would depend on the paper they drew. Here each paper starts as a uniform random draw and
is then nudged, by swapping single questions for others of the same section, until its
expected score is within a tolerance of the blueprint's target. Draw and swaps are random,
so every eligible question keeps a chance of appearing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select

from training_portal.core import policy
from training_portal.core.db import db
from training_portal.people import categories

from . import types
from .formats.common import html_to_text
from .models import Blueprint, ItemStatistic, Paper, PaperItem, Question, QuestionStatus, QuestionVersion

# The author's difficulty 1 (easiest) … 5 as the share of candidates expected to be right;
# exam questions sit mostly around the 80-point pass mark. Replaced by the observed
# facility once a question has enough responses (policy).
AUTHOR_FACILITY = {1: 0.95, 2: 0.85, 3: 0.75, 4: 0.62, 5: 0.5}
UNRATED_FACILITY = 0.75
CANDIDATES_PER_SWAP = 16
MAX_SWAPS = 400


@dataclass
class Pool:
    """The questions one blueprint section may draw from."""

    type: str
    count: int
    points: float
    version_ids: np.ndarray
    facility: np.ndarray
    label: str = ""
    option_counts: np.ndarray | None = None  # needed to store papers, not to draw them
    shuffles: np.ndarray | None = None  # per question: may its options be shuffled (Moodle's shuffleanswers)

    def __len__(self) -> int:
        return len(self.version_ids)


@dataclass
class Draw:
    """A drawn paper before it is stored: (pool index, version id, points) per position."""

    items: list[tuple[int, int, float]]
    expected_score: float
    option_counts: list[int] = field(default_factory=list)
    shuffles: list[bool] = field(default_factory=list)


@dataclass
class Shortfall:
    section: int
    label: str
    needed: int
    available: int
    reason: str = ""  # why the bank has too few (``explain``)


def _matches(section, category: str, knowledge_point: str, applies_to: list[str], targets: set[str]):
    if section.category and not (category == section.category or category.startswith(section.category + "/")):
        return False
    if section.knowledge_point and knowledge_point != section.knowledge_point:
        return False
    return not applies_to or not targets.isdisjoint(applies_to)


def _targets(target: str) -> set[str]:
    """What a question's applies_to may name to be drawn for ``target``: the target itself and,
    for an operation type, its category (a question for every 特种作业人员 suits each of them)."""
    return {target} | {
        kind.code
        for kind in categories.REGISTRY.values()
        if any(t.value == target for t in kind.operation_types)
    }


def explain(blueprint: Blueprint, missing: list[Shortfall]) -> list[Shortfall]:
    """Each shortfall with the reason the bank lacks questions for it: none of that type (in the
    section's category), none of them active, or the active ones apply to other categories."""
    from .formats.common import applies_to_label  # the Chinese names the files use

    target = applies_to_label(blueprint.target)
    wanted = _targets(blueprint.target)
    for shortfall in missing:
        section = blueprint.sections[shortfall.section]
        rows = db.session.execute(
            select(
                Question.status,
                QuestionVersion.category,
                QuestionVersion.knowledge_point,
                QuestionVersion.applies_to,
            )
            .join(QuestionVersion, Question.current_version_id == QuestionVersion.id)
            .where(QuestionVersion.type == section.type, Question.status != QuestionStatus.RETIRED)
        ).all()
        of_kind = [r for r in rows if _matches(section, r[1], r[2], [], set())]
        active = [r for r in of_kind if r[0] == QuestionStatus.ACTIVE]
        elsewhere = sorted({code for r in active if r[3] and wanted.isdisjoint(r[3]) for code in r[3]})
        if not of_kind:
            shortfall.reason = str(_l("The bank has no question of this type in this category at all."))
        elif not active:
            shortfall.reason = str(
                _l(
                    "%(n)d such questions, none of them active yet (drafts and reviewed "
                    "questions are never drawn).",
                    n=len(of_kind),
                )
            )
        elif elsewhere:
            shortfall.reason = str(
                _l(
                    "%(n)d such questions are active, %(fit)d of them apply to %(target)s; the others apply "
                    "to %(others)s only.",
                    n=len(active),
                    fit=shortfall.available,
                    target=target,
                    others="、".join(applies_to_label(c) for c in elsewhere),
                )
            )
        else:
            shortfall.reason = str(_l("Only %(n)d such questions are active.", n=len(active)))
    return missing


def facility_of(
    author_difficulty: int | None, stats_n: int | None, stats_facility: float | None, min_responses: int
) -> float:
    if stats_n is not None and stats_n >= min_responses and stats_facility is not None:
        return stats_facility / 100.0
    return AUTHOR_FACILITY.get(author_difficulty, UNRATED_FACILITY)


def load_pools(blueprint: Blueprint) -> list[Pool]:
    """The active bank, split by the blueprint's sections (one query)."""
    wanted_types = {s.type for s in blueprint.sections}
    rows = db.session.execute(
        select(
            QuestionVersion.id,
            QuestionVersion.type,
            QuestionVersion.category,
            QuestionVersion.knowledge_point,
            QuestionVersion.applies_to,
            QuestionVersion.author_difficulty,
            ItemStatistic.n,
            ItemStatistic.facility,
            func.json_array_length(QuestionVersion.options),
            QuestionVersion.shuffle_options,
        )
        .join(Question, Question.current_version_id == QuestionVersion.id)
        .outerjoin(ItemStatistic, ItemStatistic.version_id == QuestionVersion.id)
        .where(Question.status == QuestionStatus.ACTIVE, QuestionVersion.type.in_(wanted_types))
    ).all()
    min_n = policy.get("question_bank.min_responses_for_difficulty")
    wanted = _targets(blueprint.target)
    by_type: dict[str, list] = {}
    for row in rows:
        by_type.setdefault(row[1], []).append(row)
    pools = []
    for section in blueprint.sections:
        ids, facilities, option_counts, shuffles = [], [], [], []
        for vid, _, category, kp, applies, difficulty, n, observed, n_options, shuffle in by_type.get(
            section.type, []
        ):
            if _matches(section, category, kp, applies or [], wanted):
                ids.append(vid)
                facilities.append(facility_of(difficulty, n, observed, min_n))
                option_counts.append(n_options)
                shuffles.append(shuffle is not False)
        label = " / ".join(
            x for x in (str(types.get(section.type).label), section.category, section.knowledge_point) if x
        )
        pools.append(
            Pool(
                section.type,
                section.count,
                section.points,
                np.array(ids, dtype=np.int64),
                np.array(facilities, dtype=np.float64),
                label,
                np.array(option_counts, dtype=np.int64),
                np.array(shuffles, dtype=bool),
            )
        )
    return pools


def shortfalls(pools: list[Pool]) -> list[Shortfall]:
    """What the bank lacks for the blueprint. Sections whose pools overlap must have enough
    questions between them, not only each on its own."""
    missing = [Shortfall(i, p.label, p.count, len(p)) for i, p in enumerate(pools) if len(p) < p.count]
    for i, a in enumerate(pools):
        for j in range(i + 1, len(pools)):
            b = pools[j]
            if a.type != b.type or not np.intersect1d(a.version_ids, b.version_ids).size:
                continue
            union = np.union1d(a.version_ids, b.version_ids).size
            if union < a.count + b.count:
                missing.append(Shortfall(j, f"{a.label} + {b.label}", a.count + b.count, union))
    return missing


@dataclass
class Assembler:
    pools: list[Pool]
    target_facility: float | None = None
    tolerance: float = 0.5
    rng: np.random.Generator = field(default_factory=np.random.default_rng)

    def __post_init__(self) -> None:
        if shortfalls(self.pools):
            raise ValueError("the bank cannot satisfy this blueprint")
        total = sum(p.count * p.points for p in self.pools)
        if self.target_facility is not None:
            self.target = self.target_facility * total
        else:  # the expected score of an average paper from this bank
            self.target = float(sum(p.count * p.points * p.facility.mean() for p in self.pools))
        # Most constrained sections first, so overlapping pools leave room for the rest.
        self._order = sorted(range(len(self.pools)), key=lambda i: len(self.pools[i]) - self.pools[i].count)

    def draw(self) -> Draw:
        rng, pools = self.rng, self.pools
        picks: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * len(pools)
        chosen: set[int] = set()
        for i in self._order:
            pool = pools[i]
            idx = rng.choice(len(pool), size=pool.count, replace=False)
            ids = pool.version_ids[idx]
            clash = [k for k, vid in enumerate(ids) if vid in chosen]
            if clash:  # only when sections share questions
                free = np.setdiff1d(np.arange(len(pool)), idx)
                free = free[~np.isin(pool.version_ids[free], list(chosen))]
                idx[clash] = rng.choice(free, size=len(clash), replace=False)
            picks[i] = idx
            chosen.update(pool.version_ids[idx].tolist())
        expected = sum(float(pools[i].points * pools[i].facility[picks[i]].sum()) for i in range(len(pools)))
        expected = self._balance(picks, chosen, expected)
        items = [
            (i, int(pools[i].version_ids[k]), pools[i].points) for i in range(len(pools)) for k in picks[i]
        ]
        counts = (
            [int(pools[i].option_counts[k]) for i in range(len(pools)) for k in picks[i]]
            if all(p.option_counts is not None for p in pools)
            else []
        )
        shuffles = (
            [bool(pools[i].shuffles[k]) for i in range(len(pools)) for k in picks[i]]
            if all(p.shuffles is not None for p in pools)
            else []
        )
        return Draw(items, expected, counts, shuffles)

    def _balance(self, picks: list[np.ndarray], chosen: set[int], expected: float) -> float:
        rng, pools = self.rng, self.pools
        swappable = [i for i, p in enumerate(pools) if len(p) > p.count]
        if not swappable:
            return expected
        for _ in range(MAX_SWAPS):
            gap = self.target - expected
            if abs(gap) <= self.tolerance:
                break
            i = swappable[rng.integers(len(swappable))]
            pool, slot = pools[i], rng.integers(pools[i].count)
            current = picks[i][slot]
            candidates = rng.integers(len(pool), size=CANDIDATES_PER_SWAP)
            change = pool.points * (pool.facility[candidates] - pool.facility[current])
            best = int(np.argmin(np.abs(gap - change)))
            new = candidates[best]
            new_id = int(pool.version_ids[new])
            if abs(gap - change[best]) < abs(gap) and new_id not in chosen:
                chosen.discard(int(pool.version_ids[current]))
                chosen.add(new_id)
                picks[i][slot] = new
                expected += float(change[best])
        return expected


def assembler_for(
    blueprint: Blueprint, rng: np.random.Generator | None = None, pools: list[Pool] | None = None
) -> Assembler:
    return Assembler(
        pools if pools is not None else load_pools(blueprint),
        blueprint.target_facility,
        float(policy.get("papers.expected_score_tolerance")),
        rng or np.random.default_rng(),
    )


def store(blueprint: Blueprint, draw: Draw, pools: list[Pool], rng: np.random.Generator) -> Paper:
    """Freeze a draw as a paper: the versions, a shuffled option order per question, points.

    The items go in with one multi-row insert: a sitting draws hundreds of papers at once.
    """
    paper = Paper(
        blueprint_id=blueprint.id,
        duration_minutes=blueprint.duration_minutes,
        total_points=sum(points for _, _, points in draw.items),
        expected_score=round(draw.expected_score, 3),
        partial_credit=blueprint.partial_credit,
    )
    db.session.add(paper)
    db.session.flush()
    rows = []
    shuffles = draw.shuffles or [True] * len(draw.items)
    for position, ((pool, vid, points), n_options, shuffle) in enumerate(
        zip(draw.items, draw.option_counts, shuffles, strict=True), start=1
    ):
        order = (
            rng.permutation(n_options).tolist()
            if shuffle and types.get(pools[pool].type).shuffle_options
            else list(range(n_options))
        )
        rows.append(
            {
                "paper_id": paper.id,
                "position": position,
                "version_id": vid,
                "option_order": order,
                "points": points,
            }
        )
    db.session.execute(insert(PaperItem), rows)
    return paper


def draw_papers(blueprint: Blueprint, n: int, rng: np.random.Generator | None = None) -> list[Paper]:
    """Papers for ``n`` candidates, drawn from one load of the bank."""
    rng = rng or np.random.default_rng()
    assembler = assembler_for(blueprint, rng)
    return [store(blueprint, assembler.draw(), assembler.pools, rng) for _ in range(n)]


def paper_view(paper: Paper, with_answers: bool = False) -> list[dict]:
    """What a candidate's screen shows: options in the paper's order, no answers unless asked."""
    view = []
    for item in paper.items:
        v = item.version
        options = [v.options[k] for k in item.option_order]
        entry = {
            "position": item.position,
            "type": v.type,
            "stem": v.stem,
            "stem_format": v.stem_format,
            "points": item.points,
            "options": [html_to_text(o) for o in options] if v.options_format == "html" else options,
        }
        if v.options_format == "html":  # images in answers: pages that can show HTML use these
            entry["options_html"] = options
        if with_answers:
            entry["correct"] = [shown for shown, k in enumerate(item.option_order) if k in v.correct]
            entry["explanation"] = v.explanation
        view.append(entry)
    return view


def grade_item(item: PaperItem, shown_answer: list[int], partial: bool) -> float:
    """Score one answer given as indices into the options as the candidate saw them."""
    order = item.option_order
    if any(not isinstance(k, int) or not 0 <= k < len(order) for k in shown_answer):
        return 0.0
    original = [order[k] for k in shown_answer]
    return types.get(item.version.type).grade(item.version.correct, original, item.points, partial)


def grade_paper(paper: Paper, answers: dict[int, list[int]]) -> tuple[float, list[float]]:
    scores = [grade_item(item, answers.get(item.position, []), paper.partial_credit) for item in paper.items]
    return round(sum(scores), 2), scores
