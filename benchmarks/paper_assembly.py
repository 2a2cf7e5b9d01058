"""Paper assembly: ms per paper and the spread of expected scores, next to a plain draw.

A bank of 20,000 generated active questions in 30 categories (6 subjects × 5 topics) with
authors' difficulties 1–5; a 特种作业-like blueprint: 40 判断, 40 单选, 20 多选 at one point
each, with per-subject quotas for every type (18 sections). Both methods draw 1,000
papers from the same pools in the same run:
  - this project's assembler (uniform draw, then swaps until the expected score is within
    the policy's tolerance of the target);
  - the anchor: a plain uniform random draw with the same quotas and no balancing.
Then 100 papers are drawn and stored (frozen with option order) to show the cost of
persisting. Run: .venv/bin/python benchmarks/paper_assembly.py [--papers N] [--database URL]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from training_portal import create_app  # noqa: E402
from training_portal.core.db import db  # noqa: E402

SUBJECTS = ["煤矿安全", "通风管理", "机电运输", "采掘技术", "应急救援", "法律法规"]
TOPICS = ["基础知识", "操作规程", "隐患排查", "事故案例", "新技术"]
TYPES = {"true_false": 8000, "single_choice": 8000, "multiple_choice": 4000}
QUOTAS = {
    "true_false": [7, 7, 7, 7, 6, 6],
    "single_choice": [7, 7, 7, 7, 6, 6],
    "multiple_choice": [4, 4, 3, 3, 3, 3],
}


def build_bank(rng: np.random.Generator) -> None:
    from question_bank.models import Question, QuestionVersion

    questions, versions = [], []
    qid = 0
    for qtype, n in TYPES.items():
        for _ in range(n):
            qid += 1
            subject, topic = SUBJECTS[rng.integers(6)], TOPICS[rng.integers(5)]
            if qtype == "true_false":
                options, correct = ["对", "错"], [int(rng.integers(2))]
            elif qtype == "single_choice":
                options, correct = [f"选项{k}" for k in range(4)], [int(rng.integers(4))]
            else:
                options = [f"选项{k}" for k in range(5)]
                correct = sorted(rng.choice(5, size=int(rng.integers(2, 5)), replace=False).tolist())
            questions.append({"id": qid, "external_id": f"B{qid:05d}", "status": "active"})
            versions.append(
                {
                    "id": qid,
                    "question_id": qid,
                    "number": 1,
                    "type": qtype,
                    "stem": f"第{qid}题：{subject}{topic}",
                    "stem_format": "text",
                    "options": options,
                    "correct": correct,
                    "explanation": "",
                    "points": 1.0,
                    "category": f"{subject}/{topic}",
                    "knowledge_point": "",
                    "applies_to": [],
                    "author_difficulty": int(rng.integers(1, 6)),
                }
            )
    db.session.execute(insert(Question), questions)
    db.session.execute(insert(QuestionVersion), versions)
    db.session.execute(text("UPDATE qb_questions SET current_version_id = id"))
    db.session.commit()


def make_blueprint():
    from question_bank import operations as ops

    sections = [
        ops.SectionSpec(qtype, count, 1.0, SUBJECTS[k])
        for qtype, counts in QUOTAS.items()
        for k, count in enumerate(counts)
    ]
    blueprint = ops.save_blueprint(
        None,
        name="特种作业理论考试（基准）",
        target="coal_gas_inspection",
        purpose="exam",
        duration_minutes=None,
        target_facility=None,
        partial_credit=False,
        sections=sections,
        actor=None,
    )
    db.session.commit()
    return blueprint


def run(assembler, n: int) -> tuple[list[float], list[float]]:
    times, expected = [], []
    for _ in range(n):
        start = time.perf_counter()
        draw = assembler.draw()
        times.append((time.perf_counter() - start) * 1000)
        expected.append(draw.expected_score)
    return times, expected


def describe(name: str, times: list[float], expected: list[float]) -> None:
    p95 = float(np.percentile(times, 95))
    print(
        f"{name:<28} median {statistics.median(times):6.3f} ms/paper  p95 {p95:6.3f} ms   "
        f"expected score: mean {statistics.mean(expected):6.2f}  "
        f"spread (max-min) {max(expected) - min(expected):5.2f}  "
        f"SD {statistics.pstdev(expected):4.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=1000)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()

    from question_bank import assembly

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"}, instance_path=tmp)
        with app.app_context():
            import flask_migrate

            flask_migrate.upgrade()
            rng = np.random.default_rng(20261129)
            start = time.perf_counter()
            build_bank(rng)
            print(
                f"bank: {sum(TYPES.values())} active questions in {len(SUBJECTS) * len(TOPICS)} "
                f"categories, built in {time.perf_counter() - start:.1f} s on {url.split(':')[0]}"
            )
            blueprint = make_blueprint()
            start = time.perf_counter()
            pools = assembly.load_pools(blueprint)
            print(
                f"blueprint: {len(blueprint.sections)} sections, "
                f"{sum(s.count for s in blueprint.sections)} questions, "
                f"{blueprint.total_points:g} points; pools loaded in "
                f"{(time.perf_counter() - start) * 1000:.0f} ms (once per sitting)"
            )
            tolerance = 0.5
            ours = assembly.Assembler(pools, None, tolerance, np.random.default_rng(1))
            plain = assembly.Assembler(pools, None, float("inf"), np.random.default_rng(1))
            print(
                f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                f"Python {platform.python_version()}; {args.papers} papers each; "
                f"target expected score {ours.target:.2f}"
            )
            describe("this project (balanced)", *run(ours, args.papers))
            describe("anchor: plain random draw", *run(plain, args.papers))
            start = time.perf_counter()
            papers = assembly.draw_papers(blueprint, 100, np.random.default_rng(2))
            db.session.commit()
            took = (time.perf_counter() - start) * 1000 / len(papers)
            print(f"draw + store (frozen, with option order), 100 papers: {took:.2f} ms/paper")
            print("targets: <= 5 ms per paper; spread <= 1.5 points")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
