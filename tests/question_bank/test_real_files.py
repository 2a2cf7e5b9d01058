"""Question files as people really have them: Moodle's own fixtures (tests/question_bank/fixtures/moodle,
copies with their licence noted) and workbooks filled the way clerks fill them (fixtures/clerks,
made for these tests). Nothing is lost without a word, nothing is imported that can never be drawn,
and no file is a server error."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import numpy as np
import pytest
from flask import session
from openpyxl import load_workbook
from sqlalchemy import func, select

from question_bank import assembly, formats
from question_bank import operations as ops
from question_bank.data import QuestionData
from question_bank.formats import excel, gift, moodle_xml
from question_bank.models import Question, QuestionStatus, QuestionVersion
from training_portal.core.db import db

from ..conftest import csrf_token, login
from .conftest import blueprint, make_active, qdata

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    folder = "clerks" if name.endswith(".xlsx") else "moodle"
    return (FIXTURES / folder / name).read_bytes()


def bank_size() -> int:
    return db.session.scalar(select(func.count()).select_from(Question))


def current(external_id: str | None = None, stem_part: str = "") -> QuestionVersion:
    query = select(QuestionVersion).join(Question, Question.current_version_id == QuestionVersion.id)
    if external_id is not None:
        query = query.where(Question.external_id == external_id)
    if stem_part:
        query = query.where(QuestionVersion.stem.contains(stem_part))
    return db.session.scalars(query).one()


@pytest.fixture()
def english(ctx):
    with ctx.test_request_context():
        session["lang"] = "en"
        yield


@pytest.fixture()
def chinese(ctx):
    with ctx.test_request_context():
        session["lang"] = "zh_CN"
        yield


# ----------------------------------------------------------------------------- every fixture, one table

# (file, imported, refused, skipped, notes): what the import of each fixture into an empty bank
# gives. The closing note of issue 22 prints this table.
EXPECTED = [
    ("questions.gift.txt", 4, False, 5, 0),
    ("questions_in_category.gift.txt", 2, False, 2, 1),
    ("examples.txt", 10, False, 33, 0),
    ("error_invalid_grades.xml", 0, True, 0, 0),
    ("html_chars_in_idnumbers.xml", 1, False, 0, 0),
    ("old_format_file.xml", 2, False, 0, 0),
    ("sample_questions_with_old_image_tag.xml", 1, False, 1, 0),
    ("瓦斯检查作业题库.xlsx", 8, False, 0, 0),
    ("适用类别写错.xlsx", 0, True, 0, 0),
    ("编号重复.xlsx", 0, True, 0, 0),
    ("模板下加题.xlsx", 2, False, 3, 0),
]


@pytest.mark.parametrize(
    ("name", "imported", "refused", "skipped", "notes"), EXPECTED, ids=[row[0] for row in EXPECTED]
)
def test_every_fixture_imports_or_is_refused_with_reasons_and_a_second_import_changes_nothing(
    english, name, imported, refused, skipped, notes
):
    report = ops.import_questions(fixture(name), filename=name)
    db.session.commit()
    print(f"\n{name}: {json.dumps(report.as_json(), ensure_ascii=False)}")
    assert (report.imported, not report.ok, len(report.skipped), len(report.notes)) == (
        imported,
        refused,
        skipped,
        notes,
    )
    assert all(
        str(issue.item) and str(issue.reason) for issue in [*report.errors, *report.skipped, *report.notes]
    )
    assert bank_size() == imported  # a refused file writes nothing
    again = ops.import_questions(fixture(name), filename=name)
    db.session.commit()
    assert (again.imported, again.updated, again.unchanged) == (0, 0, imported)
    assert bank_size() == imported


def test_the_cli_imports_every_fixture_without_a_traceback(app, ctx, tmp_path):
    runner = app.test_cli_runner()
    for name, _, refused, *_ in EXPECTED:
        path = tmp_path / name
        path.write_bytes(fixture(name))
        result = runner.invoke(args=["questions", "import", str(path), "--json"])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert result.exit_code == (1 if refused else 0)


def test_every_fixture_on_the_import_page_is_a_page_never_a_500(demo, app):
    client = app.test_client()
    login(client, "reviewer_center")
    for name, _, refused, *_ in EXPECTED:
        response = client.post(
            "/questions/import",
            data={
                "file": (io.BytesIO(fixture(name)), name),
                "format": "auto",
                "csrf_token": csrf_token(client, "/questions/import"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == (422 if refused else 200), name
        assert ('data-test="import-failed"' if refused else 'data-test="import-ok"') in response.text


# ------------------------------------------------------------------ 1. every 适用类别 means something


def test_category_cells_as_clerks_type_them_become_registry_codes(english):
    report = ops.import_questions(fixture("瓦斯检查作业题库.xlsx"), filename="题库.xlsx")
    assert report.ok and report.imported == 8
    assert current(stem_part="超过1%").applies_to == ["coal_gas_inspection"]
    assert current(stem_part="入井人员").applies_to == []  # 全部
    assert current(stem_part="通风的基本任务").applies_to == []  # blank
    assert current(stem_part="瓦斯爆炸").applies_to == ["coal_gas_inspection", "coal_safety_inspection"]
    assert current(stem_part="主要负责人对").applies_to == ["principal", "safety_manager"]
    assert current(stem_part="特种作业人员必须").applies_to == ["special_operator"]
    assert current(stem_part="超过1%").correct == [1]  # Ｂ, full width
    assert current(stem_part="瓦斯爆炸").correct == [0, 1, 3]  # Ａ、Ｂ、Ｄ
    assert current(stem_part="瓦斯检查的内容").points == 3.0


def test_an_unknown_category_is_a_row_error_naming_the_value_and_the_names_accepted(chinese):
    report = ops.import_questions(fixture("适用类别写错.xlsx"), filename="x.xlsx")
    assert not report.ok and bank_size() == 0
    reasons = {str(e.item): str(e.reason) for e in report.errors}
    assert set(reasons) == {"第 2 行", "第 3 行"}
    assert "采煤工" in reasons["第 2 行"] and "煤矿瓦斯检查作业" in reasons["第 2 行"]
    assert "全部" in reasons["第 2 行"]
    assert "监管干部" in reasons["第 3 行"] and "不考试" in reasons["第 3 行"]


def test_gift_and_moodle_xml_categories_are_checked_too(english):
    text = (
        '// qb: {"applies_to": ["瓦斯检查工"]}\n::A::题一{T}\n\n'
        '// qb: {"applies_to": ["xyz"]}\n::B::题二{T}\n'
    )
    result = gift.parse(text.encode())
    assert [q.applies_to for q in result.questions] == [["coal_gas_inspection"]]
    assert "xyz" in str(result.errors[0].reason)


def test_imported_names_are_drawn_into_the_paper_of_their_target(english):
    report = ops.import_questions(fixture("瓦斯检查作业题库.xlsx"), filename="题库.xlsx")
    assert report.ok
    for question in db.session.scalars(select(Question)):
        question.status = QuestionStatus.ACTIVE
    db.session.commit()
    gas = blueprint(
        [("true_false", 2, 10.0), ("single_choice", 3, 10.0), ("multiple_choice", 2, 25.0)],
        target="coal_gas_inspection",
    )
    pools = assembly.load_pools(gas)
    assert not assembly.shortfalls(pools)  # 全部, blank, names and aliases all reach the pool
    # 判断: the two for 全部 (主要负责人's is not for gas inspectors); 单选: 煤矿瓦斯检查作业, blank and
    # 特种作业人员 (every special operator); 多选: 瓦斯检查工 and the code.
    assert [len(p) for p in pools] == [2, 3, 2]


def test_the_question_page_shows_the_chinese_names_and_says_when_it_is_everyone(demo, app):
    client = app.test_client()
    login(client, "reviewer_center")
    with_names = ops.create_question(
        qdata("true_false", applies_to=["coal_gas_inspection", "principal"]), actor=None
    )
    for_all = ops.create_question(qdata("true_false"), actor=None)
    db.session.commit()
    page = client.get(f"/questions/{with_names.id}", headers={"Accept-Language": "zh-CN"}).text
    assert "煤矿瓦斯检查作业、主要负责人" in page and "coal_gas_inspection" not in page
    page = client.get(f"/questions/{for_all.id}").text
    assert "全部类别（不限）" in page.split('data-test="applies-to"')[1].split("</span>")[0]


def test_a_blueprint_that_cannot_be_filled_says_why(english):
    make_active(qdata("true_false", applies_to=["principal"]))
    make_active(qdata("true_false", applies_to=["principal"]))
    ops.create_question(qdata("single_choice"), actor=None)  # a draft
    db.session.commit()
    gas = blueprint(
        [("true_false", 2, 10.0), ("single_choice", 2, 10.0), ("multiple_choice", 1, 60.0)],
        target="coal_gas_inspection",
    )
    reasons = [s.reason for s in assembly.explain(gas, assembly.shortfalls(assembly.load_pools(gas)))]
    assert len(reasons) == 3
    assert "2 such questions are active, 0 of them apply to" in reasons[0] and "主要负责人" in reasons[0]
    assert "none of them active" in reasons[1]
    assert "no question of this type" in reasons[2]


def test_the_blueprint_page_shows_the_reason(demo, app):
    client = app.test_client()
    login(client, "reviewer_center")
    gas = blueprint([("multiple_choice", 500, 0.2)], target="coal_gas_inspection")
    page = client.get(f"/questions/blueprints/{gas.id}").text
    assert 'data-test="shortfall"' in page and "500" in page
    assert "煤矿瓦斯检查作业" in page.split('data-test="shortfall"')[1].split("</li>")[0]  # the reason


def test_list_json_gives_applies_to_codes_and_points(app, ctx):
    ops.create_question(qdata("single_choice", applies_to=["coal_gas_inspection"], points=2.0), actor=None)
    ops.create_question(qdata("true_false"), actor=None)
    db.session.commit()
    listing = json.loads(app.test_cli_runner().invoke(args=["questions", "list", "--json"]).output)
    assert [(q["applies_to"], q["points"]) for q in listing] == [(["coal_gas_inspection"], 2.0), ([], 1.0)]


# ----------------------------------------------------------------------------- 2. identity


def test_a_repeated_gift_title_is_a_title_the_same_question_twice_imports_once(english):
    report = ops.import_questions(fixture("questions.gift.txt"), filename="q.gift.txt")
    assert report.ok and report.imported == 4
    same = [str(i.reason) for i in report.skipped if "same question" in str(i.reason)]
    assert len(same) == 1 and "line 46 (2-08 TSL)" in same[0]
    assert db.session.scalar(select(func.count()).where(Question.external_id.is_not(None))) == 0


def test_the_same_gift_title_in_two_files_is_two_questions(english):
    ops.import_questions("::Q1::瓦斯是可燃气体。{T}\n".encode(), fmt="gift")
    first = db.session.scalars(select(Question)).one()
    first.status = QuestionStatus.ACTIVE
    db.session.commit()
    report = ops.import_questions("::Q1::矿灯必须完好。{T}\n".encode(), fmt="gift")
    db.session.commit()
    assert report.imported == 1 and bank_size() == 2
    assert first.status is QuestionStatus.ACTIVE and "瓦斯" in first.current_version.stem


def test_a_repeated_idnumber_in_moodle_xml_is_a_row_error_with_both_lines(english, app, tmp_path):
    one = QuestionData("true_false", "题一", ["对", "错"], [0], external_id="ID-1")
    data = moodle_xml.write([one, dataclasses.replace(one, stem="题二")])
    report = ops.import_questions(data, fmt="moodle-xml")
    assert not report.ok and bank_size() == 0
    assert [str(e.item) for e in report.errors] == ["line 33 (XML, ID-1)"]
    assert "line 4 (XML, ID-1)" in str(report.errors[0].reason)
    path = tmp_path / "dup.xml"
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["questions", "import", str(path)])
    assert result.exit_code == 1 and "ID-1" in result.output


def test_id_less_questions_are_never_doubled_across_the_four_formats(english):
    qs = [
        QuestionData(
            "single_choice", "井下发生火灾时应如何撤离？", ["迎着新鲜风流", "顺着烟雾"], [0], category="应急"
        ),
        QuestionData("true_false", "自救器必须随身携带。", ["对", "错"], [0], category="应急"),
    ]
    ops.import_questions(gift.write(qs), fmt="gift")
    db.session.commit()
    for fmt in formats.FORMATS:
        exported = [ops.question_data(v, q.external_id) for q, v in ops.questions_in()]
        report = ops.import_questions(formats.write(exported, fmt), fmt=fmt)
        db.session.commit()
        assert (report.imported, report.updated, report.unchanged) == (0, 0, 2), fmt
    assert bank_size() == 2
    assert "<idnumber></idnumber>" in moodle_xml.write(exported).decode()  # as Moodle writes it


def test_the_same_question_twice_with_other_feedback_says_what_was_not_imported(english):
    report = ops.import_questions(fixture("examples.txt"), fmt="gift")
    reasons = {str(s.item): str(s.reason) for s in report.skipped}
    assert reasons["line 113"] == (
        "The same question as line 12, with another 选项反馈: only the first was imported."
    )


def test_a_corrected_answer_of_an_id_less_question_updates_it(english):
    ops.import_questions("瓦斯的主要成分是？{=甲烷 ~乙烷}\n".encode(), fmt="gift")
    report = ops.import_questions("瓦斯的主要成分是？{~甲烷 =乙烷}\n".encode(), fmt="gift")
    assert (report.imported, report.updated) == (0, 1) and bank_size() == 1


# ------------------------------------------------------------------ 3. keep what can be kept

# Written for this test (not Moodle's file): Moodle's multichoice.xml and truefalse.xml shapes,
# with a 1x1 PNG where Moodle's fixtures carry flags, a thumb and an mp3.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
RICH_XML = f"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="multichoice">
    <name><text>Greeting</text></name>
    <questiontext format="html">
      <text><![CDATA[<p><a href="@@PLUGINFILE@@/bonjour.mp3">Listen:</a> What language?</p>]]></text>
      <file name="bonjour.mp3" encoding="base64">SUQzAwAAAAAAEA==</file>
    </questiontext>
    <generalfeedback format="html">
      <text><![CDATA[<p><img src="@@PLUGINFILE@@/infos.png" alt="i"> See the <a href="http://docs.moodle.org/en/About_Moodle"><b>docs</b></a>.</p>]]></text>
      <file name="infos.png" encoding="base64">{PNG}</file>
    </generalfeedback>
    <single>true</single>
    <shuffleanswers>0</shuffleanswers>
    <correctfeedback format="html"><text><![CDATA[<p>Well <b>done</b></p>]]></text></correctfeedback>
    <incorrectfeedback format="html"><text>Try again.</text></incorrectfeedback>
    <answer fraction="0" format="html">
      <text><![CDATA[<p><img src="@@PLUGINFILE@@/flag-uk.png" alt="UK"> English</p>]]></text>
      <file name="flag-uk.png" encoding="base64">{PNG}</file>
      <feedback format="html"><text><![CDATA[<p>Sorry, <i>listen</i> again.</p>]]></text></feedback>
    </answer>
    <answer fraction="100" format="html">
      <text><![CDATA[<p><img src="@@PLUGINFILE@@/flag-fr.png" alt="FR"> French</p>]]></text>
      <file name="flag-fr.png" encoding="base64">{PNG}</file>
      <feedback format="html"><text><![CDATA[<p><img src="@@PLUGINFILE@@/up.png" alt="up"> Yes</p>]]></text>
        <file name="up.png" encoding="base64">{PNG}</file></feedback>
    </answer>
  </question>
  <question type="truefalse">
    <name><text>Acronym</text></name>
    <questiontext format="html"><text>Moodle is an acronym.</text></questiontext>
    <answer fraction="100"><text>true</text><feedback format="html"><text>Right.</text></feedback></answer>
    <answer fraction="0"><text>false</text><feedback format="html"><text>It is.</text></feedback></answer>
  </question>
  <question type="multichoice">
    <name><text>One right of several</text></name>
    <questiontext format="html"><text>Pick the right one.</text></questiontext>
    <single>false</single>
    <answer fraction="100"><text>right</text></answer>
    <answer fraction="-50"><text>wrong</text></answer>
  </question>
  <question type="multichoice">
    <name><text>Half credit</text></name>
    <questiontext format="html"><text>Partly right?</text></questiontext>
    <single>true</single>
    <answer fraction="100"><text>full</text></answer>
    <answer fraction="50"><text>half</text></answer>
    <answer fraction="0"><text>none</text></answer>
  </question>
</quiz>
"""


def test_images_feedback_and_order_are_kept_and_what_is_dropped_is_reported(english):
    report = ops.import_questions(RICH_XML.encode(), fmt="moodle-xml")
    db.session.commit()
    assert report.ok and report.imported == 3
    greeting = current(stem_part="What language")
    assert greeting.options_format == "html"
    assert (
        greeting.options[0].startswith('<p><img src="data:image/png;base64,')
        and "English" in greeting.options[0]
    )
    assert greeting.option_feedback[0] == "<p>Sorry, <i>listen</i> again.</p>"
    assert 'src="data:image/png;base64,' in greeting.option_feedback[1]
    assert greeting.explanation_format == "html" and "<b>docs</b></a>" in greeting.explanation
    assert 'href="http://docs.moodle.org/en/About_Moodle"' in greeting.explanation  # feedback keeps links
    assert "<a" not in greeting.stem  # a stem, read during the exam, does not
    assert 'src="data:image/png' in greeting.explanation
    assert greeting.feedback == {"correct": "<p>Well <b>done</b></p>", "incorrect": "Try again."}
    assert greeting.shuffle_options is False
    notes = {str(n.item): str(n.reason) for n in report.notes}
    assert "bonjour.mp3" in notes["line 3 (XML, Greeting)"]  # the audio file and its link
    acronym = current(stem_part="acronym")
    assert acronym.option_feedback == ["Right.", "It is."]
    single = current(stem_part="Pick the right")
    assert single.type == "single_choice"
    assert "single choice" in notes["line 35 (XML, One right of several)"]
    skipped = {str(s.item): str(s.reason) for s in report.skipped}
    assert "Partial credit" in skipped["line 42 (XML, Half credit)"]


def test_moodle_1_9_images_become_part_of_the_question(english):
    report = ops.import_questions(fixture("sample_questions_with_old_image_tag.xml"), fmt="moodle-xml")
    assert report.ok
    version = current()
    assert version.stem_format == "html" and '<img src="data:image/png;base64,iVBORw0KGgo' in version.stem
    assert 'alt="moodle.png"' in version.stem


def test_an_invalid_grade_refuses_the_file(english):
    report = ops.import_questions(fixture("error_invalid_grades.xml"), fmt="moodle-xml")
    assert not report.ok and bank_size() == 0
    assert "33%" in str(report.errors[0].reason)


def test_partial_credit_and_unequal_shares_are_skipped_with_that_reason(english):
    text = "A{=full ~%50%half ~none}\n\nB{~%25%a ~%75%b ~%-100%c}\n\nC{~%50%a ~%50%b ~%-100%c}\n"
    result = gift.parse(text.encode())
    assert [q.stem for q in result.questions] == ["C"]
    reasons = [str(s.reason) for s in result.skipped]
    assert "Partial credit" in reasons[0] and "50%" in reasons[0]
    assert "unequal" in reasons[1] and "25%, 75%" in reasons[1]


def test_assembly_keeps_the_authors_order_when_shuffling_is_off(ctx):
    fixed = make_active(dataclasses.replace(qdata("single_choice"), shuffle=False))
    db.session.commit()
    paper_blueprint = blueprint([("single_choice", 1, 100.0)], target="coal_gas_inspection")
    papers = assembly.draw_papers(paper_blueprint, 20, rng=np.random.default_rng(7))
    assert all(p.items[0].option_order == [0, 1, 2, 3] for p in papers)
    assert fixed.current_version.shuffle_options is False


def test_html_options_reach_the_candidate_as_html_and_as_text(ctx):
    make_active(
        QuestionData(
            "single_choice",
            "哪个是法国国旗？",
            ['<img src="data:image/png;base64,AA"> 法国', "英国"],
            [0],
            options_format="html",
        )
    )
    db.session.commit()
    paper = assembly.draw_papers(blueprint([("single_choice", 1, 100.0)], target="coal_gas_inspection"), 1)[0]
    view = assembly.paper_view(paper)[0]
    assert sorted(view["options"]) == ["法国", "英国"]  # pages that show text only
    assert any("<img" in o for o in view["options_html"])


# ----------------------------------------------------------------------------- 4. round trips


def test_excel_round_trip_keeps_points_and_leaves_an_active_question_alone(english):
    make_active(qdata("single_choice", points=2.0, applies_to=["coal_gas_inspection"], external_id="R-1"))
    make_active(qdata("true_false", points=0.5))
    db.session.commit()
    for fmt in formats.FORMATS:
        exported = [ops.question_data(v, q.external_id) for q, v in ops.questions_in()]
        report = ops.import_questions(formats.write(exported, fmt), fmt=fmt)
        db.session.commit()
        assert (report.imported, report.updated, report.unchanged) == (0, 0, 2), fmt
    assert sorted(v.points for _, v in ops.questions_in()) == [0.5, 2.0]
    assert {q.status for q, _ in ops.questions_in()} == {QuestionStatus.ACTIVE}
    sheet = load_workbook(io.BytesIO(formats.write(exported, "xlsx"))).worksheets[0]
    assert [c.value for c in sheet[1]][9] == "分值"
    assert "煤矿瓦斯检查作业" in [c.value for c in sheet[2]] + [c.value for c in sheet[3]]


def test_rich_questions_round_trip_through_gift_moodle_xml_and_qti(english):
    ops.import_questions(RICH_XML.encode(), fmt="moodle-xml")
    db.session.commit()
    before = [ops.question_data(v, q.external_id) for q, v in ops.questions_in()]
    for fmt in ("gift", "moodle-xml", "qti"):
        report = ops.import_questions(formats.write(before, fmt), fmt=fmt)
        db.session.commit()
        assert (report.imported, report.updated, report.unchanged) == (0, 0, 3), fmt
        assert not report.notes and not report.skipped


# ------------------------------------------------------------------ 5. messages in the user's language


def test_row_and_line_numbers_in_chinese(chinese):
    assert [str(e.item) for e in excel.parse(fixture("编号重复.xlsx")).errors] == ["第 4 行（GAS-001）"]
    result = gift.parse("::A::题{=甲 ~乙\n".encode())
    assert str(result.errors[0].item) == "第 1 行（A）" and "不完整" in str(result.errors[0].reason)
    one = moodle_xml.write([QuestionData("true_false", "题", ["对", "错"], [0], external_id="X")] * 2)
    assert str(moodle_xml.parse(one).errors[0].item) == "第 33 行（XML，X）"


def test_a_truncated_xml_file_is_named_incomplete_in_the_users_language(chinese):
    data = moodle_xml.write([QuestionData("single_choice", "题", ["甲", "乙"], [0])])
    for cut in (len(data) // 2, len(data) - 10):
        error = moodle_xml.parse(data[:cut]).errors[0]
        assert "不完整" in str(error.reason) and "no element found" not in str(error.reason)
        assert str(error.item).startswith("第 ") and "（XML）" in str(error.item)
