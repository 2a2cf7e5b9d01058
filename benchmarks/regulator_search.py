"""Regulator search on PostgreSQL at province scale: p50/p95 per kind of search, next to the
plain ``ILIKE '%…%'`` query without an index, in one run.

Generates, in bulk SQL (not through the ORM): 20,000 mines across the demo province's
counties, 1,000,000 people employed there (Chinese names of two or three characters), the
five manager posts of every mine, and 3,000,000 certificates. Then, as the provincial
regulator (the whole province in jurisdiction), times ``regulator.operations.search_people``:
by a two-character part of a name, by 身份证号 and by certificate serial (--queries each);
the 五职 compliance list's first page (one SQL query), its export of the whole province
(streamed from a server-side cursor into openpyxl's write-only mode) and the province
dashboard's figures (the province and its cities, as the page computes them). The anchors are
the same lookups as plain ``ILIKE '%…%'`` on the column, which no index serves, and the
Python compliance implementation the SQL list replaced (kept in tests/regulator as the tests'
oracle; --no-anchor skips it). Smaller runs: --mines, --people, --certificates (the full
build takes about 90 s here). The generated certificates do not link
to exam results (that foreign key is dropped for the generated rows; the search never reads
it). Run: .venv/bin/python benchmarks/regulator_search.py [--people 1000000]
[--mines 20000] [--certificates 3000000] [--no-anchor]
[--database postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志海燕红梅玉晓东卫振庆波斌宇浩凯鹏飞"
    "俊峰亮成婷雪琳丹慧晶颖倩欣宁佳思彤子涵梓轩博文瑞天一嘉昊然雨泽睿鑫新春龙江永福荣贵德有金"
    "广长山林松柏云鸿翔宏伟立群忠良胜利安全学彬辉剑锋宁远家乐媛洁琴芬萍莉凤秀云珍兵雷坤旭光"
)


ANCHOR_TIMEOUT_S = 120  # a query of the JIT-on anchor that runs longer is stopped and named


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def generate(conn, people: int, mines: int, certificates: int) -> None:
    conn.execute(
        text("ALTER TABLE certificates DROP CONSTRAINT fk_certificates_written_attempt_id_exam_attempts")
    )
    counties = [r[0] for r in conn.execute(text("SELECT id FROM regions WHERE level = 'county' ORDER BY id"))]
    first_mine = conn.execute(text("SELECT coalesce(max(id), 0) + 1 FROM organisations")).scalar()
    conn.execute(
        text("""
        INSERT INTO organisations (id, kind, name, credit_code, region_id, address, mine_kind, mining_method,
                                   size, production_status)
        SELECT :first + i, 'mine', '测试煤矿' || i, lpad((910000000 + i)::text, 18, '9'),
               (:counties)[1 + i % cardinality(:counties)], '', 'coal', 'underground', 'medium', 'normal'
        FROM generate_series(0, :n - 1) AS i"""),
        {"first": first_mine, "n": mines, "counties": counties},
    )
    first_person = conn.execute(text("SELECT coalesce(max(id), 0) + 1 FROM people")).scalar()
    conn.execute(
        text("""
        INSERT INTO people (id, id_number, name, gender, birth_date, education_field, mining_related_degree,
                            employer_id, phone, created_at)
        SELECT :first + i, '9' || lpad(i::text, 17, '0'),
               substr(:s, 1 + floor(random() * char_length(:s))::int, 1)
               || substr(:g, 1 + floor(random() * char_length(:g))::int, 1)
               || CASE WHEN i % 3 = 0 THEN ''
                       ELSE substr(:g, 1 + floor(random() * char_length(:g))::int, 1) END,
               'M', DATE '1980-01-01', '', false, :mine + i % :mines, '', now()
        FROM generate_series(0, :n - 1) AS i"""),
        {"first": first_person, "n": people, "s": SURNAMES, "g": GIVEN, "mine": first_mine, "mines": mines},
    )
    conn.execute(
        text("""
        INSERT INTO person_posts (person_id, post, organisation_id, started_on)
        SELECT :first + m * 5 + k,
               (ARRAY['mine_director','chief_engineer','deputy_safety','deputy_production',
               'deputy_mech_elec'])[k + 1], :mine + m, DATE '2024-01-01'
        FROM generate_series(0, :mines - 1) AS m, generate_series(0, 4) AS k"""),
        {"first": first_person, "mine": first_mine, "mines": mines},
    )
    issuer = conn.execute(text("SELECT min(id) FROM organisations WHERE kind = 'regulator'")).scalar()
    conn.execute(
        text("""
        INSERT INTO certificates (serial, person_id, category, written_attempt_id, issuer_id, issued_on,
                                  valid_until, status, status_reason, created_at)
        SELECT 'T' || lpad(i::text, 8, '0') || '0', :first + i % :people,
               CASE WHEN i % :people < :mines * 5 THEN 'safety_manager' ELSE 'special_operator' END,
               1000000000 + i, :issuer, DATE '2024-06-01', DATE '2030-05-31', 'valid', '', now()
        FROM generate_series(1, :n) AS i"""),
        {"first": first_person, "people": people, "n": certificates, "issuer": issuer, "mines": mines},
    )
    conn.execute(text("ANALYZE"))


def province_figures(app, regulator, args) -> None:
    """The compliance list's first page, its full export and the province dashboard, as the
    provincial regulator sees them, beside the Python implementation the list replaced."""
    from tests.regulator import reference_compliance
    from training_portal.core.db import db
    from training_portal.core.i18n import local_today
    from training_portal.core.xlsx import write_table
    from training_portal.organisations.models import Organisation
    from training_portal.organisations.operations import mines_of, visible_organisations
    from training_portal.regulator import dashboard as board
    from training_portal.regulator import operations as ops

    with app.test_request_context():
        scope = visible_organisations(regulator).with_only_columns(Organisation.id)
        query = ops.ComplianceQuery(scope)
        times = []
        for _ in range(3):
            db.session.expire_all()
            t = time.perf_counter()
            page = ops.compliance_page(query)
            times.append(time.perf_counter() - t)
        print(
            f"五职 compliance list, first page ({len(page.rows)} of {page.total:,} mines): "
            f"{min(times):.2f} s best, {max(times):.2f} s worst of 3; target <= 1 s"
        )
        t = time.perf_counter()
        problems = ops.compliance_count(ops.ComplianceQuery(scope, status=ops.Status.PROBLEMS))
        print(f"  not compliant counted by the database: {problems:,} in {time.perf_counter() - t:.2f} s")
        t = time.perf_counter()
        posts = sum(len(r.posts) for r in ops.compliance_rows(query))
        print(
            f"  of which the query and the texts alone (no workbook): {posts:,} posts in "
            f"{time.perf_counter() - t:.2f} s"
        )
        path = Path(tempfile.mkdtemp(prefix="bench-export-")) / "compliance.xlsx"
        t = time.perf_counter()

        rows = 0

        def table():  # the page's own rows (ops.compliance_export_rows), counted on the way
            nonlocal rows
            for row in ops.compliance_export_rows(query):
                rows += 1
                yield row

        write_table(path, "五职矿长", ops.COMPLIANCE_EXPORT_HEADER, table())
        elapsed = time.perf_counter() - t
        print(
            f"五职 compliance export, whole province: {rows:,} rows, {path.stat().st_size / 1e6:.1f} MB "
            f"in {elapsed:.2f} s; target <= 1 s"
        )
        province = board.region_for(regulator, None)
        on = local_today()
        below = board.children(province)
        total = per_region = 0.0
        for key, metric in board.METRICS.items():
            t = time.perf_counter()
            board.figures(metric, province, below, on)  # as the page does
            spent = time.perf_counter() - t
            total += spent
            t = time.perf_counter()
            for r in [province, *below]:  # anchor: one query per region, as the page did before
                board.figure(metric, r, on)
            per_region += time.perf_counter() - t
            print(f"  dashboard figure {key}: {spent:.2f} s (the province and its {len(below)} cities)")
        print(f"province dashboard, all figures: {total:.2f} s; target <= 1 s")
        print(f"anchor: the same figures counted one region at a time: {per_region:.2f} s")
        # Anchor: the same figures with PostgreSQL's JIT compiler on, as the server has it unless
        # the portal turns it off (POSTGRES_JIT; core/db.py), in a transaction of their own.
        db.session.rollback()
        db.session.execute(text("SET LOCAL jit = on"))
        db.session.execute(text(f"SET LOCAL statement_timeout = '{ANCHOR_TIMEOUT_S}s'"))
        anchor, unfinished = 0.0, []
        for key, metric in board.METRICS.items():
            t = time.perf_counter()
            try:
                board.figures(metric, province, below, on)
            except OperationalError:  # the statement timeout: said, not hidden
                unfinished.append(key)
                db.session.rollback()
                db.session.execute(text("SET LOCAL jit = on"))
                db.session.execute(text(f"SET LOCAL statement_timeout = '{ANCHOR_TIMEOUT_S}s'"))
            anchor += time.perf_counter() - t
        db.session.rollback()
        late = f" ({', '.join(unfinished)} stopped after {ANCHOR_TIMEOUT_S} s)" if unfinished else ""
        print(
            f"anchor: the province dashboard with PostgreSQL's JIT on (the server's default): "
            f"{anchor:.2f} s{late}"
        )
        if args.anchor:
            db.session.expire_all()
            t = time.perf_counter()
            mines = mines_of(regulator)
            old = reference_compliance.compliance(mines)
            print(
                f"anchor: the Python implementation it replaced (tests/regulator/reference_compliance.py), "
                f"whole province: {len(old):,} mines, {sum(not r.ok for r in old):,} not compliant, "
                f"{time.perf_counter() - t:.2f} s"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--mines", type=int, default=20_000)
    parser.add_argument("--certificates", type=int, default=3_000_000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--no-anchor", dest="anchor", action="store_false", help="skip the old Python list")
    parser.add_argument(
        "--database", default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    )
    args = parser.parse_args()

    from training_portal import create_app
    from training_portal.config import database_url as normalise
    from training_portal.core.db import db

    base = normalise(args.database)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    instance = tempfile.mkdtemp(prefix="bench-search-")
    try:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "STORAGE_DIR": instance},
            instance_path=instance,
        )
        with app.app_context():
            import flask_migrate

            from training_portal.demo import seed
            from training_portal.regulator import operations as ops

            flask_migrate.upgrade()
            seed.seed()
            db.session.commit()
            print(
                f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
                f"PostgreSQL {db.session.execute(text('SHOW server_version')).scalar()}"
            )
            started = time.perf_counter()
            with db.engine.begin() as conn:
                generate(conn, args.people, args.mines, args.certificates)
            # A database of this size has long been vacuumed by autovacuum; freshly loaded rows
            # have not, and index-only scans need the visibility map that VACUUM writes.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM (ANALYZE) certificates"))
                conn.execute(text("VACUUM (ANALYZE) person_posts"))
                conn.execute(text("VACUUM (ANALYZE) people"))
            print(
                f"generated {args.mines:,} mines, {args.people:,} people, {args.mines * 5:,} posts, "
                f"{args.certificates:,} certificates in {time.perf_counter() - started:.0f} s"
            )

            from sqlalchemy import select

            from training_portal.accounts.models import User

            regulator = db.session.scalar(select(User).where(User.username == "regulator"))
            rng = random.Random(3)
            sample = [
                r
                for r in db.session.execute(
                    text(
                        "SELECT name, id_number FROM people WHERE id_number LIKE '9%'"
                        " ORDER BY random() LIMIT :n"
                    ),
                    {"n": args.queries},
                )
            ]
            serials = [f"T{rng.randrange(1, args.certificates):08d}0" for _ in range(args.queries)]
            kinds = {
                "partial name (2 characters)": [name[-2:] for name, _ in sample],
                "身份证号": [number for _, number in sample],
                "certificate serial": serials,
            }
            anchors = {
                "partial name (2 characters)": "SELECT id FROM people WHERE name ILIKE :q LIMIT 200",
                "身份证号": "SELECT id FROM people WHERE id_number ILIKE :q LIMIT 200",
                "certificate serial": "SELECT person_id FROM certificates WHERE serial ILIKE :q LIMIT 200",
            }
            for kind, queries in kinds.items():
                ours, anchor, found = [], [], 0
                for q in queries:
                    db.session.expire_all()
                    t = time.perf_counter()
                    found += bool(ops.search_people(regulator, q))
                    ours.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    db.session.execute(text(anchors[kind]), {"q": f"%{q}%"}).all()
                    anchor.append((time.perf_counter() - t) * 1000)
                print(
                    f"{kind}: this project p50 {statistics.median(ours):.1f} ms, "
                    f"p95 {percentile(ours, 0.95):.1f} ms ({found}/{len(queries)} found); "
                    f"plain ILIKE '%…%' p50 {statistics.median(anchor):.1f} ms, "
                    f"p95 {percentile(anchor, 0.95):.1f} ms; target p95 <= 50 ms"
                )
            db.session.rollback()
            province_figures(app, regulator, args)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
