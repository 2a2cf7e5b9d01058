"""GIFT and Moodle XML question files: round trips, files as Moodle writes them, the kinds we skip,
and broken or hostile files, which must give issues and never an exception."""

from __future__ import annotations

import dataclasses
import html

import pytest
from flask import session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from question_bank.data import QuestionData
from question_bank.formats import gift, moodle_xml
from question_bank.formats.common import sanitise_html
from training_portal.people import categories as registry

TF = ["对", "错"]


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    """A request in English, to read the issues' text."""
    from training_portal import create_app

    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"},
        instance_path=str(tmp_path_factory.mktemp("instance")),
    )
    with app.test_request_context():
        session["lang"] = "en"
        yield


# ----------------------------------------------------------------------------- round trips

ALPHABET = list("煤矿安全瓦斯通风井下爆破自救器甲乙丙丁abcXYZ019 ~=#{}:\\%[]/<>&;\"'，。？！、（）：；“”-_@$")
TEXT = st.sampled_from(ALPHABET)
LINES = st.sampled_from([*ALPHABET, "\n", "\t"])
NAME = st.sampled_from(list("煤矿安全瓦斯通风abcXYZ019 -_&<>"))


def stripped(alphabet=TEXT, max_size: int = 16):
    return st.text(alphabet, min_size=1, max_size=max_size).map(str.strip).filter(bool)


def optional(strategy):
    return st.one_of(st.just(""), strategy)


CATEGORY = (
    st.lists(stripped(NAME, 8), max_size=3)
    .map("/".join)
    .filter(lambda path: not path.lower().startswith("top"))
)
HTML_TAGS = ["p", "b", "strong", "em", "u", "sub", "sup", "span", "div", "code"]
HTML_STEM = st.lists(st.tuples(st.sampled_from(HTML_TAGS), stripped(LINES)), min_size=1, max_size=3).map(
    lambda parts: sanitise_html(
        "".join(f"<{tag}>{html.escape(text, quote=False)}</{tag}>" for tag, text in parts)
    )
)


CODES = [code for code, _ in registry.targets()]
FEEDBACK = st.one_of(st.just(""), HTML_STEM)


@st.composite
def questions(draw) -> QuestionData:
    qtype = draw(st.sampled_from(["true_false", "single_choice", "multiple_choice"]))
    html_options = qtype != "true_false" and draw(st.booleans())
    if qtype == "true_false":
        options, correct = list(TF), [draw(st.integers(0, 1))]
    else:
        options = draw(
            st.lists(
                HTML_STEM if html_options else stripped(LINES), min_size=2, max_size=6, unique_by=str.strip
            )
        )
        indices = range(len(options))
        if qtype == "single_choice":
            correct = [draw(st.sampled_from(indices))]
        else:
            correct = sorted(
                draw(st.lists(st.sampled_from(indices), min_size=2, max_size=len(options), unique=True))
            )
    is_html = draw(st.booleans())
    html_explanation = draw(st.booleans())
    notes = draw(st.lists(FEEDBACK, min_size=len(options), max_size=len(options)))
    combined = (
        {}
        if qtype == "true_false"
        else draw(
            st.dictionaries(
                st.sampled_from(["correct", "partially_correct", "incorrect"]), HTML_STEM, max_size=3
            )
        )
    )
    return QuestionData(
        type=qtype,
        stem=draw(HTML_STEM if is_html else stripped(LINES, 40)),
        options=options,
        correct=correct,
        stem_format="html" if is_html else "text",
        explanation=draw(HTML_STEM if html_explanation else optional(stripped(LINES, 30))),
        explanation_format="html" if html_explanation else "text",
        category=draw(CATEGORY),
        knowledge_point=draw(optional(stripped())),
        difficulty=draw(st.one_of(st.none(), st.integers(1, 5))),
        applies_to=draw(st.lists(st.sampled_from(CODES), max_size=3, unique=True)),
        external_id=draw(optional(stripped())),
        points=draw(st.one_of(st.none(), st.sampled_from([1.0, 2.0, 0.5, 2.5]))),
        options_format="html" if html_options else "text",
        option_feedback=notes if any(notes) else [],
        feedback=combined,
        shuffle=qtype == "true_false" or draw(st.booleans()),
    )


ROUND_TRIP = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# One file names each id once (a repeated id is a row error: test_a_repeated_idnumber_*).
QUESTION_LISTS = st.lists(questions(), min_size=1, max_size=6).filter(
    lambda qs: len({q.external_id for q in qs if q.external_id}) == len([q for q in qs if q.external_id])
)


@ROUND_TRIP
@given(QUESTION_LISTS)
def test_gift_round_trip(qs):
    result = gift.parse(gift.write(qs))
    assert not result.errors and not result.skipped
    assert result.questions == qs


@ROUND_TRIP
@given(QUESTION_LISTS)
def test_moodle_xml_round_trip(qs):
    result = moodle_xml.parse(moodle_xml.write(qs))
    assert not result.errors and not result.skipped
    assert result.questions == [
        dataclasses.replace(q, points=1.0 if q.points is None else q.points) for q in qs
    ]


def test_gift_writes_moodle_fractions_categories_and_metadata():
    qs = [
        QuestionData(
            "multiple_choice",
            "下列属于三大规程的是",
            ["甲", "乙", "丙", "丁"],
            [0, 1, 2],
            category="煤矿安全/规程",
            knowledge_point="规程",
            difficulty=2,
            applies_to=["coal_gas_inspection"],
            external_id="Q-1",
        ),
        QuestionData("multiple_choice", "二选", ["甲", "乙", "丙"], [0, 2], category="煤矿安全/规程"),
        QuestionData("true_false", "井下可以吸烟。", TF, [1], explanation="严禁。", category="通风"),
    ]
    text = gift.write(qs).decode()
    assert text.count("$CATEGORY:") == 2
    assert "$CATEGORY: $course$/top/煤矿安全/规程\n\n" in text
    assert (
        '// qb: {"idnumber": "Q-1", "knowledge_point": "规程", "difficulty": 2, '
        '"applies_to": ["coal_gas_inspection"]}\n::Q-1::'
    ) in text
    assert "~%33.33333%甲" in text and "~%-100%丁" in text and "~%50%丙" in text
    assert "井下可以吸烟。{FALSE####严禁。}" in text
    assert gift.parse(text.encode()).questions == qs


def test_xml_writes_what_moodle_exports():
    qs = [
        QuestionData(
            "multiple_choice",
            "a < b & c",
            ["甲", "乙", "丙", "丁"],
            [0, 1, 3],
            points=2.0,
            category="煤矿安全",
            knowledge_point="规程",
            difficulty=4,
            applies_to=["principal", "coal_hoist"],
            external_id="Q-9",
        ),
        QuestionData(
            "single_choice", "<p>单选 ]]> 题</p>", ["甲", "乙"], [1], stem_format="html", category="煤矿安全"
        ),
    ]
    text = moodle_xml.write(qs).decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
    assert "<text>$course$/top/煤矿安全</text>" in text
    assert "<![CDATA[a &lt; b &amp; c]]>" in text
    assert '<answer fraction="33.33333" format="html">' in text and 'fraction="-100"' in text
    assert "<single>false</single>" in text and "<single>true</single>" in text
    for element in (
        "<defaultgrade>2</defaultgrade>",
        "<penalty>0.3333333</penalty>",
        "<hidden>0</hidden>",
        "<idnumber>Q-9</idnumber>",
        "<shuffleanswers>1</shuffleanswers>",
        "<answernumbering>ABCD</answernumbering>",
        "<text>kp:规程</text>",
        "<text>difficulty:4</text>",
        "<text>applies:principal</text>",
        "<text>applies:coal_hoist</text>",
    ):
        assert element in text
    assert "]]]]><![CDATA[>" in text  # a CDATA end inside the text is split, as Moodle does
    assert moodle_xml.parse(text.encode()).questions == [
        qs[0],
        dataclasses.replace(qs[1], stem=sanitise_html(qs[1].stem), points=1.0),
    ]


# ----------------------------------------------------------------------------- GIFT as people write it

GIFT_SAMPLE = """\ufeff// 煤矿安全题库 — exported from Moodle
// question: 0  name: Switch category to $course$/top/煤矿安全/瓦斯防治
$CATEGORY: $course$/top/煤矿安全/瓦斯防治

// question: 101  name: Q-1
::Q-1::[html]<p>瓦斯爆炸的浓度范围是？</p>{
\t=5%～16%#正确
\t~1%～5%#不对
\t~16%～30%
\t####[html]<p>瓦斯爆炸界限 <b>5%～16%</b>。</p>
}

::Q-2::井下可以使用明火取暖。{FALSE#不对。#对。####井下严禁明火。}

::Q-3::煤矿三大规程包括\\:{
\t~%33.33333%《煤矿安全规程》
\t~%33.33333%作业规程
\t~%33.33333%操作规程
\t~%-100%交通规则
\t####三大规程：\\n安全规程、作业规程、操作规程
}

$CATEGORY: $course$/top/通风

// no title; escaped braces and a tilde
矿井通风的主要任务不包括 \\{ 示例 \\} \\~ ？{~供给新鲜空气 ~稀释有害气体 =提高煤价}

井下发生火灾时，应{=迎着新鲜风流 ~顺着烟雾方向 ~原地等待}撤离。

自救器是{T}

瓦斯是{~%100%甲烷 ~%0%乙烷 ~氢气}为主的气体。
"""


def test_a_moodle_style_gift_file():
    result = gift.parse(GIFT_SAMPLE.encode())
    assert not result.errors and not result.skipped
    q1, q2, q3, q4, q5, q6, q7 = result.questions
    # ::Q-1:: is a title (Moodle's question name), not an id; answers keep their feedback and
    # the general feedback its markup.
    assert q1 == QuestionData(
        "single_choice",
        "<p>瓦斯爆炸的浓度范围是？</p>",
        ["5%～16%", "1%～5%", "16%～30%"],
        [0],
        stem_format="html",
        explanation="<p>瓦斯爆炸界限 <b>5%～16%</b>。</p>",
        explanation_format="html",
        category="煤矿安全/瓦斯防治",
        option_feedback=["正确", "不对", ""],
    )
    assert (q1.title, q1.external_id) == ("Q-1", "")
    assert (q2.type, q2.options, q2.correct, q2.explanation, q2.title, q2.option_feedback) == (
        "true_false",
        TF,
        [1],
        "井下严禁明火。",
        "Q-2",
        ["不对。", "对。"],
    )
    assert (q3.type, q3.stem, q3.correct, q3.category) == (
        "multiple_choice",
        "煤矿三大规程包括:",
        [0, 1, 2],
        "煤矿安全/瓦斯防治",
    )
    assert q3.options[3] == "交通规则" and q3.explanation == "三大规程：\n安全规程、作业规程、操作规程"
    assert (q4.stem, q4.correct, q4.category, q4.title) == (
        "矿井通风的主要任务不包括 { 示例 } ~ ？",
        [2],
        "通风",
        "",
    )
    # missing-word questions: the answer block becomes a blank
    assert (q5.type, q5.stem, q5.correct) == ("single_choice", "井下发生火灾时，应（  ）撤离。", [0])
    assert (q6.type, q6.stem, q6.correct) == ("true_false", "自救器是", [0])
    # weights with one answer at 100% are a single choice
    assert (q7.type, q7.stem, q7.correct) == ("single_choice", "瓦斯是（  ）为主的气体。", [0])


def test_gift_crlf_and_comments_between_questions():
    text = "// a\r\n::A::一{T}\r\n\r\n// b\r\n\r\n::B::二{F}\r\n"
    result = gift.parse(text.encode())
    assert [(q.title, q.correct) for q in result.questions] == [("A", [0]), ("B", [1])]


def test_gift_unsupported_kinds_are_skipped_not_fatal():
    text = "\n".join(
        [
            "::E::写出瓦斯的危害。{}",
            "",
            "::N::瓦斯爆炸下限是多少？{#5:0.5}",
            "",
            "::M::配对{=瓦斯 -> 甲烷 =一氧化碳 -> CO =二氧化碳 -> CO2}",
            "",
            "::S::瓦斯的主要成分是{=甲烷 =CH4}",
            "",
            "这是说明文字，没有答案。",
            "",
            "::OK::正确的是{=甲 ~乙}",
            "",
        ]
    )
    result = gift.parse(text.encode())
    assert not result.errors
    assert [q.title for q in result.questions] == ["OK"]
    assert [i.item for i in result.skipped] == [
        "line 1 (E)",
        "line 3 (N)",
        "line 5 (M)",
        "line 7 (S)",
        "line 9",
    ]
    kinds = ["essay", "numerical", "matching", "shortanswer", "description"]
    assert all(kind in str(issue.reason) for kind, issue in zip(kinds, result.skipped, strict=True))


def test_gift_unclosed_brace_is_an_error(english):
    text = "::A::好题{=甲 ~乙}\n\n::B::坏题{=甲 ~乙\n\n坏题二 =甲 ~乙}\n"
    result = gift.parse(text.encode())
    assert not result.ok
    assert [i.item for i in result.errors] == ["line 3 (B)", "line 5"]
    assert all("braces" in str(i.reason) for i in result.errors)
    assert [q.title for q in result.questions] == ["A"]


def test_gift_malformed_questions_are_errors(english):
    text = "\n".join(
        [
            "::A::两个正确{=甲 =乙 ~丙}",
            "",
            "::B::无正确{~甲 ~乙}",
            "",
            "::C::空选项{=甲 ~ ~乙}",
            "",
            "// qb: {not json",
            "::D::元数据坏{T}",
            "",
            '// qb: {"difficulty": 9}',
            "::E::难度坏{T}",
            "",
            "{=甲 ~乙}",
            "",
        ]
    )
    result = gift.parse(text.encode())
    assert not result.questions
    reasons = {i.item: str(i.reason) for i in result.errors}
    assert set(reasons) == {"line 1 (A)", "line 3 (B)", "line 5 (C)", "line 8 (D)", "line 11 (E)", "line 13"}
    assert "exactly one correct answer" in reasons["line 1 (A)"]
    assert "No answer is marked correct" in reasons["line 3 (B)"]
    assert "empty" in reasons["line 5 (C)"] and "qb" in reasons["line 8 (D)"]
    assert "9" in reasons["line 11 (E)"]
    assert "question text is empty" in reasons["line 13"]


def test_gift_empty_and_unreadable_files(english):
    for data in (b"", b"   \n\n", b"// only a comment\n"):
        result = gift.parse(data)
        assert not result.ok and result.errors[0].item == "file" and str(result.errors[0].reason)
    result = gift.parse("题目{T}".encode("gbk"))
    assert not result.ok and "UTF-8" in str(result.errors[0].reason)


def test_gift_escapes_what_would_be_read_as_markup():
    qs = [
        QuestionData(
            "single_choice",
            "[plain] 看起来像格式",
            ["%50%甲", "[html]乙", "//丙", "a\\nb"],
            [0],
            explanation="[markdown]x",
        ),
        QuestionData("true_false", "//开头的题干", TF, [0], external_id="::x::"),
    ]
    assert gift.parse(gift.write(qs)).questions == qs


# ----------------------------------------------------------------------------- Moodle XML as Moodle writes it

XML_SAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<!-- question: 0  -->
  <question type="category">
    <category>
      <text>$course$/top/煤矿安全/瓦斯防治</text>
    </category>
    <info format="moodle_auto_format"><text>瓦斯题</text></info>
    <idnumber></idnumber>
  </question>

<!-- question: 11  -->
  <question type="multichoice">
    <name><text>瓦斯浓度</text></name>
    <questiontext format="html">
      <text><![CDATA[<p>瓦斯浓度达到 <strong>1%</strong> 时应？<script>alert(1)</script></p>]]></text>
    </questiontext>
    <generalfeedback format="html">
      <text><![CDATA[<p>见《煤矿安全规程》</p><p>第&nbsp;136 条</p>]]></text>
    </generalfeedback>
    <defaultgrade>2.0000000</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <idnumber>GAS-1</idnumber>
    <single>true</single>
    <shuffleanswers>true</shuffleanswers>
    <answernumbering>abc</answernumbering>
    <answer fraction="100" format="html">
      <text><![CDATA[<p>停止作业，<b>撤出</b>人员</p>]]></text>
      <feedback format="html"><text>对</text></feedback>
    </answer>
    <answer fraction="0" format="html">
      <text><![CDATA[<p>继续作业</p>]]></text>
      <feedback format="html"><text></text></feedback>
    </answer>
    <tags>
      <tag><text>kp:瓦斯管理</text></tag>
      <tag><text>difficulty:3</text></tag>
      <tag><text>applies:coal_gas_inspection</text></tag>
      <tag><text>applies:矿井通风作业</text></tag>
      <tag><text>其他标签</text></tag>
    </tags>
  </question>

  <question type="multichoice">
    <name><text>三大规程</text></name>
    <questiontext format="moodle_auto_format"><text>三大规程是？</text></questiontext>
    <generalfeedback format="moodle_auto_format"><text></text></generalfeedback>
    <single>false</single>
    <answer fraction="33.33333"><text>安全规程</text></answer>
    <answer fraction="33.33333"><text>作业规程</text></answer>
    <answer fraction="33.33333"><text>操作规程</text></answer>
    <answer fraction="-100"><text>交通规则</text></answer>
  </question>

  <question type="truefalse">
    <name><text>明火</text></name>
    <questiontext format="plain_text"><text>井下可以使用明火 &lt;取暖&gt;。</text></questiontext>
    <generalfeedback format="html"><text></text></generalfeedback>
    <defaultgrade>1</defaultgrade>
    <answer fraction="0" format="moodle_auto_format"><text>true</text></answer>
    <answer fraction="100" format="moodle_auto_format"><text>false</text></answer>
  </question>
</quiz>
"""


def test_a_moodle_xml_file():
    result = moodle_xml.parse(XML_SAMPLE.encode())
    assert not result.errors and not result.skipped
    single, multiple, true_false = result.questions
    assert single == QuestionData(
        "single_choice",
        "<p>瓦斯浓度达到 <strong>1%</strong> 时应？</p>",
        ["<p>停止作业，<b>撤出</b>人员</p>", "<p>继续作业</p>"],
        [0],
        stem_format="html",
        explanation="<p>见《煤矿安全规程》</p><p>第&nbsp;136 条</p>",
        explanation_format="html",
        category="煤矿安全/瓦斯防治",
        knowledge_point="瓦斯管理",
        difficulty=3,
        applies_to=["coal_gas_inspection", "mn_ventilation"],
        external_id="GAS-1",
        points=2.0,
        options_format="html",
        option_feedback=["对", ""],
    )
    # A Moodle tag the bank has no place for is named in the report, not dropped silently.
    assert [str(n.item) for n in result.notes] == ["line 13 (XML, GAS-1)"]
    assert "其他标签" in str(result.notes[0].reason)
    assert multiple == QuestionData(
        "multiple_choice",
        "三大规程是？",
        ["安全规程", "作业规程", "操作规程", "交通规则"],
        [0, 1, 2],
        category="煤矿安全/瓦斯防治",
    )
    assert (true_false.type, true_false.stem, true_false.options, true_false.correct, true_false.points) == (
        "true_false",
        "井下可以使用明火 <取暖>。",
        TF,
        [1],
        1.0,
    )


UNSUPPORTED = [
    "shortanswer",
    "essay",
    "numerical",
    "matching",
    "cloze",
    "multianswer",
    "description",
    "calculated",
    "calculatedsimple",
    "calculatedmulti",
    "ddwtos",
    "gapselect",
    "ddimageortext",
    "ddmarker",
    "randomsamatch",
    "random",
    "ordering",
]


def test_xml_unsupported_types_are_skipped_by_name():
    body = "".join(
        f'<question type="{qtype}"><name><text>{qtype}</text></name>'
        f'<questiontext format="html"><text>x</text></questiontext></question>\n'
        for qtype in UNSUPPORTED
    )
    data = f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n{body}</quiz>\n'.encode()
    result = moodle_xml.parse(data)
    assert result.ok and not result.questions
    expected = [f"line {n} (XML, {qtype})" for n, qtype in enumerate(UNSUPPORTED, 3)]
    assert [i.item for i in result.skipped] == expected
    assert all(qtype in str(i.reason) for qtype, i in zip(UNSUPPORTED, result.skipped, strict=True))


def test_xml_truncated_file_is_one_error(english):
    data = moodle_xml.write([QuestionData("single_choice", "题", ["甲", "乙"], [0])])
    result = moodle_xml.parse(data[: len(data) // 2])
    assert not result.ok and not result.questions and len(result.errors) == 1
    assert result.errors[0].item.startswith("line ") and "well-formed" in str(result.errors[0].reason)


def test_xml_bomb_and_external_entities_are_refused(english, tmp_path):
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
        + "".join(
            f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
            for i in range(1, 10)
        )
        + ']>\n<quiz><question type="truefalse"><questiontext><text>&lol9;</text></questiontext>'
        "</question></quiz>"
    )
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    external = (
        f'<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        '<quiz><question type="truefalse"><questiontext><text>&xxe;</text></questiontext>'
        '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text>'
        "</answer></question></quiz>"
    )
    for data in (bomb, external):
        result = moodle_xml.parse(data.encode())
        assert not result.ok and not result.questions and result.errors[0].item == "file"
        assert "refused" in str(result.errors[0].reason)
        assert "TOP-SECRET" not in repr(result)


def test_xml_wrong_root_empty_and_bad_values(english):
    assert "quiz" in str(moodle_xml.parse(b"<html><body/></html>").errors[0].reason)
    for data in (b"", b"<quiz></quiz>"):
        result = moodle_xml.parse(data)
        assert not result.ok and result.errors[0].item == "file"
    data = (
        '<quiz>\n<question type="multichoice"><questiontext><text>题</text></questiontext>'
        '<answer fraction="abc"><text>甲</text></answer><answer fraction="0"><text>乙</text></answer>'
        '</question>\n<question type="truefalse"><questiontext><text>题</text></questiontext>'
        '<answer fraction="0"><text>true</text></answer><answer fraction="0"><text>false</text></answer>'
        '</question>\n<question type="multichoice"><questiontext><text> </text></questiontext></question>'
        '\n<question type="multichoice"><idnumber>T9</idnumber>'
        "<questiontext><text>题</text></questiontext>"
        '<answer fraction="100"><text>甲</text></answer><answer fraction="0"><text>乙</text></answer>'
        "<tags><tag><text>difficulty:9</text></tag></tags></question>\n</quiz>"
    ).encode()
    reasons = {i.item: str(i.reason) for i in moodle_xml.parse(data).errors}
    assert reasons.keys() == {"line 2 (XML)", "line 3 (XML)", "line 4 (XML)", "line 5 (XML, T9)"}
    assert "abc" in reasons["line 2 (XML)"] and "No answer is marked correct" in reasons["line 3 (XML)"]
    assert "empty" in reasons["line 4 (XML)"] and "9" in reasons["line 5 (XML, T9)"]


def test_xml_in_a_chinese_encoding_is_read():
    data = (
        '<?xml version="1.0" encoding="GBK"?>\n<quiz><question type="truefalse"><questiontext>'
        "<text>瓦斯是无色无味的气体。</text></questiontext>"
        '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text>'
        "</answer></question></quiz>"
    ).encode("gbk")
    result = moodle_xml.parse(data)
    assert result.ok and result.questions[0].stem == "瓦斯是无色无味的气体。"
