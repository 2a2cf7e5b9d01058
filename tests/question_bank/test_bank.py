"""Questions, versions, review and the all-or-nothing import."""

import json

import pytest
from sqlalchemy import func, select

from question_bank import formats
from question_bank import operations as ops
from question_bank.models import Question, QuestionStatus, QuestionVersion
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db

from .conftest import qdata


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_new_question_is_a_draft_with_its_first_version(ctx):
    question = ops.create_question(qdata(), actor=None)
    assert question.status is QuestionStatus.DRAFT
    assert [v.number for v in question.versions] == [1]


def test_malformed_questions_are_refused(ctx):
    with pytest.raises(ops.BankError):
        ops.create_question(qdata("single_choice", correct=[0, 1]), actor=None)
    with pytest.raises(ops.BankError):
        ops.create_question(qdata("multiple_choice", correct=[0]), actor=None)
    with pytest.raises(ops.BankError):
        ops.create_question(qdata("single_choice", options=["甲"], correct=[0]), actor=None)


def test_editing_makes_a_new_version_and_sends_it_back_to_review(demo, user_named):
    author, reviewer = user_named("reviewer_center"), user_named("reviewer_dept")
    question = ops.create_question(qdata(), actor=author)
    ops.review_question(question, reviewer=reviewer, approve=True)
    ops.activate_question(question, actor=author)
    first = question.current_version
    assert (
        ops.edit_question(question, qdata(external_id=question.external_id, stem="改过的题干"), actor=author)
        == "updated"
    )
    assert question.status is QuestionStatus.DRAFT
    assert question.current_version.number == 2 and first.stem != "改过的题干"
    assert (
        ops.edit_question(question, qdata(external_id=question.external_id, stem="改过的题干"), actor=author)
        == "unchanged"
    )


def test_the_author_cannot_review_and_a_rejection_needs_a_reason(demo, user_named):
    author, reviewer = user_named("reviewer_center"), user_named("reviewer_dept")
    question = ops.create_question(qdata(), actor=author)
    with pytest.raises(ops.BankError):
        ops.review_question(question, reviewer=author, approve=True)
    with pytest.raises(ops.BankError):
        ops.review_question(question, reviewer=reviewer, approve=False, note=" ")
    with pytest.raises(ops.BankError):
        ops.activate_question(question, actor=author)  # not reviewed yet
    ops.review_question(question, reviewer=reviewer, approve=True)
    ops.activate_question(question, actor=author)
    db.session.commit()
    actions = db.session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "qb_questions", AuditEntry.object_id == str(question.id)
        )
    ).all()
    assert actions == ["question.create", "question.review_approve", "question.activate"]


def _file(questions, fmt):
    return formats.write(questions, fmt)


@pytest.mark.parametrize("fmt", list(formats.FORMATS))
def test_import_then_reimport_updates_rather_than_doubles(ctx, fmt):
    questions = [qdata("true_false"), qdata("single_choice"), qdata("multiple_choice")]
    report = ops.import_questions(_file(questions, fmt), fmt=fmt)
    assert (report.imported, report.updated, report.errors) == (3, 0, [])
    questions[1].stem = "修订后的题干"
    again = ops.import_questions(_file(questions, fmt), fmt="auto", filename=f"bank.{fmt}")
    assert (again.imported, again.updated, again.unchanged) == (0, 1, 2)
    assert count(Question) == 3 and count(QuestionVersion) == 4


def test_a_file_with_any_error_imports_nothing(ctx):
    good = formats.write([qdata(), qdata()], "csv").decode("utf-8-sig")
    broken = good + "单选,没有答案的题,甲,乙,,,,,Z,,,,,,X-1\r\n"
    report = ops.import_questions(broken.encode("utf-8"), fmt="csv")
    assert not report.ok and report.imported == 0
    assert str(report.errors[0].item).startswith("第 4 行")
    assert count(Question) == 0 and count(AuditEntry) == 0


def test_unsupported_types_are_skipped_not_fatal(ctx):
    gift = "::Q1:: 瓦斯是什么？ {}\n\n::Q2:: 瓦斯爆炸浓度下限为5%。 {T}\n".encode()
    report = ops.import_questions(gift, fmt="gift")
    assert report.ok and report.imported == 1 and len(report.skipped) == 1


def test_cli_import_json_and_exit_status(app, ctx, tmp_path):
    path = tmp_path / "bank.xlsx"
    path.write_bytes(formats.write([qdata(), qdata("true_false")], "xlsx"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["questions", "import", str(path), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["imported"] == 2 and body["updated"] == 0 and body["errors"] == []
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(path.read_bytes()[:300])
    result = runner.invoke(args=["questions", "import", str(bad), "--format", "xlsx", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.output)["errors"][0]["item"] == "file"
    assert count(Question) == 2


@pytest.mark.parametrize("fmt", list(formats.FORMATS))
def test_cli_export_then_import_into_an_empty_bank_gives_the_same_questions(app, ctx, tmp_path, fmt):
    originals = [
        qdata("true_false"),
        qdata("single_choice", knowledge_point="瓦斯检查"),
        qdata("multiple_choice", applies_to=["coal_gas_inspection"], difficulty=5),
    ]
    for q in originals:
        ops.create_question(q, actor=None)
    db.session.commit()
    runner = app.test_cli_runner()
    before = json.loads(runner.invoke(args=["questions", "list", "--json"]).output)
    out = tmp_path / f"export.{fmt}"
    assert runner.invoke(args=["questions", "export", "--format", fmt, "--out", str(out)]).exit_code == 0
    exported = [ops.question_data(v, q.external_id) for q, v in ops.questions_in()]
    db.session.execute(Question.__table__.update().values(current_version_id=None))
    db.session.execute(QuestionVersion.__table__.delete())
    db.session.execute(Question.__table__.delete())
    db.session.commit()
    assert runner.invoke(args=["questions", "import", str(out)]).exit_code == 0
    after = json.loads(runner.invoke(args=["questions", "list", "--json"]).output)
    assert [{**q, "id": None} for q in after] == [{**q, "id": None} for q in before]  # new rows, new ids
    assert [ops.question_data(v, q.external_id) for q, v in ops.questions_in()] == exported


def test_list_json_shape(app, ctx):
    ops.create_question(qdata("true_false", correct=[1]), actor=None)
    db.session.commit()
    listing = json.loads(
        app.test_cli_runner().invoke(args=["questions", "list", "--json", "--category", "煤矿安全"]).output
    )
    assert listing == [
        {
            "id": listing[0]["id"],
            "external_id": listing[0]["external_id"],
            "status": "draft",
            "type": "true_false",
            "stem": listing[0]["stem"],
            "options": ["对", "错"],
            "correct": ["错"],
            "category": "煤矿安全/瓦斯防治",
            "applies_to": [],
            "points": 1.0,
        }
    ]
    assert (
        json.loads(
            app.test_cli_runner().invoke(args=["questions", "list", "--json", "--category", "机电"]).output
        )
        == []
    )
