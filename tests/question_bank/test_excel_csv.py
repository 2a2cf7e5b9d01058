"""The Excel (.xlsx) and CSV question files: round trips, the template, and every kind of bad
file or row, which must give issues and never an exception."""

from __future__ import annotations

import codecs
import dataclasses
import html
import io
import re
import tracemalloc
import zipfile

import pytest
from flask import session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from question_bank.data import QuestionData
from question_bank.formats import delimited, excel
from question_bank.formats.common import FALSE_WORDS, TRUE_WORDS, category_path, sanitise_html
from training_portal.core import xlsx_bounds
from training_portal.core.xlsx import sheet_rows
from training_portal.people import categories as registry

HEADER = list(excel.COLUMNS)


# ----------------------------------------------------------------------------- helpers


def xlsx(rows: list[list[object]], header: list[object] | None = None, title: str = "Sheet1") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(HEADER if header is None else header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list[object]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    lines = [delimiter.join(str(c) for c in HEADER)]
    lines += [delimiter.join("" if c is None else str(c) for c in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def row(type_="单选", stem="题干", options=("甲", "乙", "丙"), answer="A", **extra) -> list[object]:
    cells = {"题型": type_, "题干": stem, "答案": answer}
    cells.update({f"选项{letter}": text for letter, text in zip("ABCDEF", options, strict=False)})
    cells.update(extra)
    return [cells.get(name) for name in HEADER]


def rewrite_member(data: bytes, name: str, change) -> bytes:
    """The same zip with one member's bytes changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for info in source.infolist():
            content = source.read(info.filename)
            dest.writestr(info.filename, change(content) if info.filename == name else content)
    return out.getvalue()


SHARED_STRINGS = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
SHARED_STRINGS_LINK = (
    b'<Relationship Id="rIdSharedStrings" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    b"</Relationships>"
)
_INLINE = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"( s="[0-9]+")? t="inlineStr"><is><t( xml:space="preserve")?>'
    rb"(.*?)</t></is></c>",
    re.S,
)


def as_excel_saves(data: bytes) -> bytes:
    """An openpyxl workbook (text in each cell) rewritten as Excel saves one: each text once in
    xl/sharedStrings.xml, the cells pointing to it."""
    strings: dict[bytes, int] = {}

    def shared(match: re.Match) -> bytes:
        index = strings.setdefault(match[4], len(strings))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match[1], match[2] or b"", index)

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                content = _INLINE.sub(shared, content)
            elif info.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", SHARED_STRINGS)
            elif info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b"</Relationships>", SHARED_STRINGS_LINK)
            dest.writestr(info.filename, content)
        items = b"".join(b'<si><t xml:space="preserve">%s</t></si>' % text for text in strings)
        dest.writestr(
            "xl/sharedStrings.xml",
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            b'2006/main" uniqueCount="%d">%s</sst>' % (len(strings), items),
        )
    return out.getvalue()


def hostile_workbook(part: str = "xl/sharedStrings.xml", megabytes: float = 22) -> bytes:
    """The template as Excel saves it, with one part blown up by ``megabytes`` of the cheapest
    markup that still costs openpyxl work per element. At 22 MB of empty shared strings the file
    is ~40 KB, and openpyxl spent 24 s of CPU on it before a row was read."""
    size = int(megabytes * 1024 * 1024)

    def blow_up(xml: bytes) -> bytes:
        if part == "xl/sharedStrings.xml":
            return xml.replace(b"</sst>", b"<si/>" * (size // 5) + b"</sst>")
        xf = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        return xml.replace(b"</cellXfs>", xf * (size // len(xf)) + b"</cellXfs>", 1)

    return rewrite_member(as_excel_saves(excel.template()), part, blow_up)


FORMATS = pytest.mark.parametrize("fmt", [excel, delimited], ids=["xlsx", "csv"])


def table(fmt, rows, **kwargs) -> bytes:
    return xlsx(rows, **kwargs) if fmt is excel else csv_bytes(rows)


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

ALPHABET = st.sampled_from(
    list(
        "煤矿安全瓦斯通风井下爆破自救器正确错误对错是否甲乙丙丁abcXYZ019 ,;:\"'，。、“”（）%/\t\n-_=+#&<>?!　"
    )
)


def stripped(alphabet=ALPHABET, max_size: int = 20):
    return st.text(alphabet, min_size=1, max_size=max_size).map(str.strip).filter(bool)


text_stems = stripped(max_size=40).filter(lambda s: not excel.looks_like_html(s))
html_stems = (
    st.builds(
        lambda a, b, bold: (
            f"<p>{html.escape(a)}<br>{'<b>' if bold else ''}{html.escape(b)}{'</b>' if bold else ''}</p>"
        ),
        stripped(),
        stripped(),
        st.booleans(),
    )
    .map(sanitise_html)
    .filter(lambda s: sanitise_html(s) == s)
)
categories = (
    st.lists(stripped(st.sampled_from(list("煤矿安全瓦斯防治 top$"))), max_size=3)
    .map("/".join)
    .filter(lambda c: category_path(c) == c)
)
# 适用类别 holds registry codes only: a word no category has is a row error (test_applies_to_*).
codes = st.lists(st.sampled_from([code for code, _ in registry.targets()]), max_size=3, unique=True)
external_ids = (
    st.just("")
    | st.integers(0, 10**6).map(str)
    | stripped(st.sampled_from(list("QA-_0123456789题号 ")), max_size=10)
)


@st.composite
def questions(draw) -> QuestionData:
    qtype = draw(st.sampled_from(["true_false", "single_choice", "multiple_choice"]))
    if qtype == "true_false":
        words = st.sampled_from([["对", "错"], ["正确", "错误"], ["是", "否"], ["True", "False"], ["√", "×"]])
        options = draw(words | st.lists(stripped(), min_size=2, max_size=2, unique=True))
        # The true word comes first: a pair that is plainly false/true is not a valid question.
        if options[0].lower() in FALSE_WORDS and options[1].lower() in TRUE_WORDS:
            options.reverse()
        correct = [draw(st.integers(0, 1))]
    else:
        options = draw(st.lists(stripped(), min_size=2, max_size=6, unique=True))
        if qtype == "single_choice":
            correct = [draw(st.integers(0, len(options) - 1))]
        else:
            correct = draw(st.permutations(range(len(options))))[: draw(st.integers(2, len(options)))]
    is_html = draw(st.booleans())
    return QuestionData(
        type=qtype,
        stem=draw(html_stems if is_html else text_stems),
        stem_format="html" if is_html else "text",
        options=options,
        correct=correct,
        explanation=draw(st.just("") | stripped()),
        category=draw(categories),
        knowledge_point=draw(st.just("") | stripped()),
        difficulty=draw(st.none() | st.integers(1, 5)),
        applies_to=draw(codes),
        external_id=draw(external_ids),
        points=draw(st.none() | st.sampled_from([1.0, 2.0, 0.5, 2.5])),
    )


def unique_ids(qs: list[QuestionData]) -> bool:
    ids = [q.external_id for q in qs if q.external_id]
    return len(ids) == len(set(ids))


question_lists = st.lists(questions(), max_size=6).filter(unique_ids)


@FORMATS
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(qs=question_lists)
def test_round_trip(fmt, qs):
    result = fmt.parse(fmt.write(qs))
    assert result.errors == [] and result.skipped == []
    assert result.questions == qs


@FORMATS
def test_round_trip_of_awkward_text(fmt):
    qs = [
        QuestionData(
            type="single_choice",
            stem='=SUM(A1) 含"引号"，逗号\n换行',
            options=["#N/A", "-1", "+1"],
            correct=[2],
            explanation="@x",
            external_id="007",
        ),
        QuestionData(
            type="true_false",
            stem='<p>瓦斯<br><img src="https://x.cn/a.png"></p>',
            stem_format="html",
            options=["A", "B"],
            correct=[1],
        ),
    ]
    assert fmt.parse(fmt.write(qs)).questions == qs


def test_written_workbook_has_a_bold_frozen_header():
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(excel.write(excel.TEMPLATE_EXAMPLES))).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    assert sheet["I2"].value == "对" and sheet["C2"].value is None  # 判断 with the default words
    assert sheet["J2"].value is None and sheet["J3"].value == 2  # 分值: blank is 1 point
    assert sheet["N2"].value == 1  # 难度 is a number


def test_written_csv_is_utf8_with_bom_and_commas():
    data = delimited.write(excel.TEMPLATE_EXAMPLES)
    assert data.startswith(codecs.BOM_UTF8)
    assert data.decode("utf-8-sig").splitlines()[0] == ",".join(HEADER)
    assert "coal_gas_inspection、coal_safety_inspection" in data.decode("utf-8-sig")


# ----------------------------------------------------------------------------- the template


def test_template_sample_rows_are_never_imported_and_a_clerks_row_under_them_is():
    from openpyxl import load_workbook

    data = excel.template()
    result = excel.parse(data)
    assert result.ok and result.questions == []
    assert [str(i.item) for i in result.skipped] == ["row 2 (示例1)", "row 3 (示例2)", "row 4 (示例3)"]
    workbook = load_workbook(io.BytesIO(data))
    workbook["题库"].append(row("单选", "新题", answer="B", 分值=2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = excel.parse(buffer.getvalue())
    assert result.ok and [(q.stem, q.points) for q in result.questions] == [("新题", 2.0)]
    assert len(result.skipped) == 3
    examples = [dataclasses.replace(q, external_id="") for q in excel.TEMPLATE_EXAMPLES]
    assert excel.parse(excel.write(examples)).questions == examples  # the samples themselves are valid
    assert workbook.sheetnames == ["题库", "说明"]
    assert [c.value for c in workbook["题库"][1]] == HEADER
    explained = " ".join(str(c.value) for c in workbook["说明"]["A"])
    assert all(name in explained for name in ("题型", "题干", "答案", "难度", "适用类别", "编号"))


# ----------------------------------------------------------------------------- rows


@FORMATS
def test_unsupported_types_are_skipped_not_fatal(fmt):
    result = fmt.parse(
        table(
            fmt,
            [
                row(),
                row("填空", answer="瓦斯"),
                row("判断", options=(), answer="错"),
                row("案例分析", answer="略", 编号="C-9"),
            ],
        )
    )
    assert result.ok
    assert [q.type for q in result.questions] == ["single_choice", "true_false"]
    assert [i.item for i in result.skipped] == ["row 3", "row 5 (C-9)"]
    assert "填空" in str(result.skipped[0].reason) and "案例分析" in str(result.skipped[1].reason)


def test_type_names_in_every_spelling():
    rows = [row(t, options=(), answer="对") for t in ("判断", "判断题", "true_false", "True/False")]
    rows += [row(t) for t in ("单选", "单选题", "single_choice", "Single choice")]
    rows += [row(t, answer="A,C") for t in ("多选", "多选题", "multiple_choice", " 多选 ")]
    result = excel.parse(xlsx(rows))
    assert result.ok
    assert [q.type for q in result.questions] == (
        ["true_false"] * 4 + ["single_choice"] * 4 + ["multiple_choice"] * 4
    )


def test_answers_and_fields():
    result = excel.parse(
        xlsx(
            [
                row(
                    "多选",
                    options=("a", "b", "c", "d"),
                    answer="a、b, D",
                    难度="较难",
                    适用类别="coal_hoist，mn_hoist",
                    分类="$course$/top/煤矿安全/ 瓦斯防治 /",
                    知识点=" 瓦斯 ",
                    解析="因为",
                    编号=101,
                ),
                row("判断", options=(), answer="×"),
                row("判断", options=("正确", "错误"), answer="正确"),
                row("判断", options=("错误", "正确"), answer="B"),  # the true word is put first
                row("判断", options=("安全", "不安全"), answer="错"),
                row("单选", stem="  <p>瓦斯<script>alert(1)</script></p> ", answer="b", 难度=4.0, 编号=12.5),
            ]
        )
    )
    assert result.ok, result.errors
    q = result.questions
    assert q[0].correct == [0, 1, 3] and q[0].difficulty == 4
    assert q[0].applies_to == ["coal_hoist", "mn_hoist"]
    assert (q[0].category, q[0].knowledge_point, q[0].explanation) == ("煤矿安全/瓦斯防治", "瓦斯", "因为")
    assert q[0].external_id == "101" and q[0].points is None and q[0].stem_format == "text"
    assert (q[1].options, q[1].correct) == (["对", "错"], [1])
    assert (q[2].options, q[2].correct) == (["正确", "错误"], [0])
    assert (q[3].options, q[3].correct) == (["正确", "错误"], [0])
    assert (q[4].options, q[4].correct) == (["安全", "不安全"], [1])
    assert (q[5].stem, q[5].stem_format, q[5].correct) == ("<p>瓦斯</p>", "html", [1])
    assert q[5].difficulty == 4 and q[5].external_id == "12.5"


def test_numeric_id_cells_are_text():
    result = excel.parse(xlsx([row(编号=101), row(编号=102.0), row(编号="0103")]))
    assert [q.external_id for q in result.questions] == ["101", "102", "0103"]


@FORMATS
def test_headers_in_any_order_with_spaces_and_extra_columns(fmt):
    header = [" 答案 ", "备注", "题干", "选项B", " 选项A", "题型", "编号"]
    rows = [
        ["B", "随便", "题一", "乙", "甲", "单选", "Q1"],
        [None] * 7,
        ["对", None, "题二", None, None, "判断", None],
    ]
    if fmt is excel:
        data = xlsx(rows, header=header)
    else:
        data = "\n".join(",".join("" if c is None else c for c in r) for r in [header, *rows]).encode()
    result = fmt.parse(data)
    assert result.ok, result.errors
    assert [(q.stem, q.options, q.correct, q.external_id) for q in result.questions] == [
        ("题一", ["甲", "乙"], [1], "Q1"),
        ("题二", ["对", "错"], [0], ""),
    ]


def test_title_rows_above_the_header_and_row_numbers():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["煤矿安全题库（2026）"])
    sheet.append(HEADER)
    sheet.append(row())
    sheet.append([])
    sheet.append(row(answer="Z"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = excel.parse(buffer.getvalue())
    assert [e.item for e in result.errors] == ["row 5"]


def test_sheet_named_tiku_is_preferred():
    workbook = Workbook()
    workbook.active.append(["别的", "表"])
    workbook.create_sheet("题库").append(HEADER)
    workbook["题库"].append(row())
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert len(excel.parse(buffer.getvalue()).questions) == 1


@FORMATS
def test_missing_columns(fmt):
    header = ["题型", "选项A", "选项B", "解析"]
    if fmt is excel:
        data = xlsx([["单选", "a", "b", "x"]], header=header)
    else:
        data = "题型,选项A,选项B\n单选,a,b\n".encode()
    result = fmt.parse(data)
    assert result.questions == [] and len(result.errors) == 1
    assert result.errors[0].item == "header"
    reason = str(result.errors[0].reason)
    assert "题干" in reason and "答案" in reason and "题型" not in reason


@FORMATS
def test_bad_answer_letter(fmt):
    result = fmt.parse(
        table(fmt, [row(answer="D"), row("多选", answer="AG"), row("判断", options=(), answer="也许")])
    )
    assert [e.item for e in result.errors] == ["row 2", "row 3", "row 4"]
    assert "D" in str(result.errors[0].reason) and "也许" in str(result.errors[2].reason)
    assert result.questions == []


@FORMATS
def test_empty_middle_option(fmt):
    result = fmt.parse(table(fmt, [row(options=("甲", None, "丙"))]))
    assert [e.item for e in result.errors] == ["row 2"]
    assert "B" in str(result.errors[0].reason)


@FORMATS
def test_duplicate_ids(fmt):
    result = fmt.parse(table(fmt, [row(编号="Q-1"), row(编号="Q-2"), row(stem="另一题", 编号="Q-1")]))
    assert [e.item for e in result.errors] == ["row 4 (Q-1)"]
    assert "Q-1" in str(result.errors[0].reason) and "2" in str(result.errors[0].reason)


@FORMATS
def test_bad_difficulty(fmt):
    result = fmt.parse(table(fmt, [row(难度="6"), row(难度="很难"), row(难度="2.5"), row(难度="中等")]))
    assert [e.item for e in result.errors] == ["row 2", "row 3", "row 4"]
    assert "很难" in str(result.errors[1].reason)


@FORMATS
def test_type_rules_become_row_errors(fmt):
    result = fmt.parse(
        table(
            fmt,
            [
                row(options=("甲",)),
                row("多选", answer="A"),
                row(options=("甲", "甲")),
                row("单选", answer="AB"),
                row(type_=None),
                row(stem=" "),
            ],
        )
    )
    assert [e.item for e in result.errors] == [f"row {n}" for n in range(2, 8)]
    assert "题型" in str(result.errors[4].reason) and "题干" in str(result.errors[5].reason)


def test_messages_read_in_english(english):
    result = excel.parse(xlsx([row(options=("甲", "", "丙")), row("简答")]))
    assert str(result.errors[0].reason) == "Row has an empty option B between filled ones."
    assert str(result.skipped[0].reason) == "Unsupported question type 简答: the row was skipped."
    assert result.errors[0].as_json() == {
        "item": "row 2",
        "reason": "Row has an empty option B between filled ones.",
    }


# ----------------------------------------------------------------------------- CSV files


def test_gbk_csv():
    result = delimited.parse(csv_bytes([row(stem="瓦斯是什么？", 编号="甲-1")], encoding="gbk"))
    assert result.ok
    assert (result.questions[0].stem, result.questions[0].external_id) == ("瓦斯是什么？", "甲-1")


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_delimiters(delimiter):
    rows = [row(options=("1.5", "2")), row("多选", answer="A、B", 难度="2")]
    result = delimited.parse(csv_bytes(rows, delimiter=delimiter))
    assert result.ok, result.errors
    assert [q.correct for q in result.questions] == [[0], [0, 1]]


def test_utf16_and_bom_csv():
    text = csv_bytes([row()]).decode()
    utf16 = delimited.parse(text.encode("utf-16")).questions
    assert len(utf16) == 1 and utf16 == delimited.parse(text.encode("utf-8-sig")).questions


def test_csv_that_is_no_text():
    result = delimited.parse(b"\x80\xff\xfd" * 20)
    assert [e.item for e in result.errors] == ["file"]


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    monkeypatch.setattr(excel, "MAX_PHYSICAL_ROWS", 6)
    for fmt in (excel, delimited):
        assert fmt.parse(table(fmt, [row()] * 3)).ok
        result = fmt.parse(table(fmt, [row()] * 4))
        assert [e.item for e in result.errors] == ["file"] and result.questions == []
        assert "3" in str(result.errors[0].reason)
        result = fmt.parse(table(fmt, [row()] + [[None] * len(HEADER)] * 6 + [row()]))  # empty rows count too
        assert [e.item for e in result.errors] == ["file"]


# ----------------------------------------------------------------------------- bad xlsx files


def test_not_a_zip():
    for data in (b"just some text", b"PK\x03\x04 not really", "题型,题干".encode()):
        result = excel.parse(data)
        assert [e.item for e in result.errors] == ["file"] and result.questions == []


def test_truncated_xlsx():
    data = excel.write(excel.TEMPLATE_EXAMPLES)
    for cut in (len(data) // 2, len(data) - 30, 100):
        result = excel.parse(data[:cut])
        assert [e.item for e in result.errors] == ["file"]


def test_zip_without_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "题型,题干")
    assert [e.item for e in excel.parse(buffer.getvalue()).errors] == ["file"]


def test_corrupt_sheet_xml():
    data = rewrite_member(
        excel.write(excel.TEMPLATE_EXAMPLES), "xl/worksheets/sheet1.xml", lambda xml: xml[: len(xml) // 2]
    )
    assert [e.item for e in excel.parse(data).errors] == ["file"]


def test_password_protected_and_old_xls():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500
    encrypted = excel.parse(ole + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 100)
    old = excel.parse(ole + "Workbook".encode("utf-16-le"))
    assert [e.item for e in encrypted.errors] == ["file"] == [e.item for e in old.errors]
    assert str(encrypted.errors[0].reason) != str(old.errors[0].reason)


def test_zip_bomb_is_refused_quickly():
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(excel.write(excel.TEMPLATE_EXAMPLES))) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bomb,
    ):
        for info in source.infolist():
            bomb.writestr(info.filename, source.read(info.filename))
        with bomb.open("xl/media/image1.png", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(210):
                member.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 2 * 1024 * 1024
    # Refused from the sizes the archive declares, before anything is inflated: what parsing
    # allocates stays far below the 210 MB the member would inflate to (a bound on work done,
    # not on time, which a shared machine cannot promise).
    tracemalloc.start()
    try:
        result = excel.parse(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, peak
    assert [e.item for e in result.errors] == ["file"]
    assert f"{xlsx_bounds.MAX_UNCOMPRESSED // xlsx_bounds.MB} MB" in str(result.errors[0].reason)


@pytest.mark.parametrize(
    "part, megabytes, refusal",
    [
        ("xl/sharedStrings.xml", 22, "The file holds too much text"),  # the 40 KB file of the issue
        ("xl/sharedStrings.xml", 2, "The file unpacks to 2 MB, far more than"),
        ("xl/styles.xml", 5, "The file unpacks to 5 MB, far more than"),
    ],
)
def test_a_small_workbook_that_unpacks_to_megabytes_is_refused_before_it_is_read(
    english, part, megabytes, refusal
):
    data = hostile_workbook(part, megabytes)
    assert len(data) < 64 * 1024
    result = excel.parse(data)
    assert [e.item for e in result.errors] == ["file"] and result.questions == []
    assert str(result.errors[0].reason).startswith(refusal)
    with pytest.raises(xlsx_bounds.WorkbookError) as refused:  # a class roster is read with the same bounds
        sheet_rows(data, 2010)
    assert str(refused.value.issue.reason) == str(result.errors[0].reason)


def test_a_directory_that_understates_a_size_gets_no_more_read_than_it_states():
    """The bounds trust the sizes in the zip's directory: zipfile stops a part there."""
    import struct
    import zlib

    data = bytearray(hostile_workbook())
    name, stated = b"xl/sharedStrings.xml", 100_000
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        crc = zlib.crc32(archive.read(name.decode())[:stated])  # so that the check-sum holds
    for signature, crc_at, size_at, name_length_at, name_at in (
        (b"PK\x01\x02", 16, 24, 28, 46),
        (b"PK\x03\x04", 14, 22, 26, 30),
    ):
        at = data.find(signature)
        while at >= 0:
            (length,) = struct.unpack_from("<H", data, at + name_length_at)
            if data[at + name_at : at + name_at + length] == name:
                struct.pack_into("<I", data, at + crc_at, crc)
                struct.pack_into("<I", data, at + size_at, stated)
            at = data.find(signature, at + 4)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        assert len(archive.read(name.decode())) == stated
    tracemalloc.start()  # the work done is bounded by what the directory states, not by time
    try:
        result = excel.parse(bytes(data))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, peak
    assert [e.item for e in result.errors] == ["file"]


def test_a_workbook_of_too_many_parts_is_refused(english):
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(excel.template())) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as crowded,
    ):
        for info in source.infolist():
            crowded.writestr(info.filename, source.read(info.filename))
        for number in range(xlsx_bounds.MAX_MEMBERS):
            crowded.writestr(f"xl/media/image{number}.png", b"")
    result = excel.parse(buffer.getvalue())
    assert [e.item for e in result.errors] == ["file"]
    assert str(result.errors[0].reason).startswith(f"The file has more than {xlsx_bounds.MAX_MEMBERS} parts")


def test_a_real_5000_question_bank_fits_the_bounds():
    """Long Chinese stems, options and explanations, every text different, saved the way Excel
    saves (shared strings): 5.8 MB of text, 2.2 MB on disk."""
    import random

    rng = random.Random(1)
    words = "煤矿安全规程井下作业人员必须随身携带自救器和矿灯瓦斯检查通风管理采掘工作面进风流中氧气浓度"

    def text(low: int, high: int) -> str:
        return "".join(rng.choice(words) for _ in range(rng.randint(low, high)))

    bank = [
        QuestionData(
            type="single_choice",
            stem=text(30, 150),
            options=[text(8, 40) for _ in range(4)],
            correct=[1],
            explanation=text(50, 300),
            category="煤矿安全/" + text(4, 4),
            knowledge_point=text(6, 6),
            difficulty=3,
            applies_to=["special_operator"],
            external_id=f"Q-{n:05d}",
        )
        for n in range(5000)
    ]
    data = as_excel_saves(excel.write(bank))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("xl/sharedStrings.xml").file_size > 5 * xlsx_bounds.MB
    result = excel.parse(data)
    assert result.errors == [] and len(result.questions) == 5000


def test_a_roster_reads_2000_rows_but_not_millions_of_cells(english):
    rows = [["姓名", "身份证号", "单位", "岗位"]] + [
        ["王一", "222402199001010011", "龙嘉堡煤矿", "瓦斯检查作业"]
    ] * 2000
    assert len(sheet_rows(as_excel_saves(xlsx(rows[1:], header=rows[0])), 2010)) == 2001
    workbook = Workbook()
    for number, row in enumerate(rows, start=1):
        workbook.active.append(row)
        workbook.active.cell(row=number, column=16384, value="x")  # each row 16,384 cells wide
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert len(buffer.getvalue()) < 64 * 1024
    with pytest.raises(xlsx_bounds.WorkbookError) as refused:
        sheet_rows(buffer.getvalue(), 2010)
    assert str(refused.value.issue.reason).startswith(f"The file has more than {xlsx_bounds.MAX_CELLS} cells")


def test_a_header_far_to_the_right_widens_every_row_read_and_is_refused(english):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([name for name in HEADER if name != "编号"])
    sheet.cell(row=1, column=16000, value="编号")  # every row is now read 16,000 cells wide
    for _ in range(1000):
        sheet.append(row())
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = excel.parse(buffer.getvalue())
    assert [e.item for e in result.errors] == ["file"] and result.questions == []
    assert str(result.errors[0].reason).startswith(f"The file has more than {xlsx_bounds.MAX_CELLS} cells")


def test_absurd_dimension_and_far_away_rows_are_refused(monkeypatch):
    data = excel.write(excel.TEMPLATE_EXAMPLES)
    sheet = "xl/worksheets/sheet1.xml"
    dimension = b'<dimension ref="A1:XFD1048576"/><sheetViews>'
    declared = rewrite_member(data, sheet, lambda xml: xml.replace(b"<sheetViews>", dimension))
    result = excel.parse(declared)
    assert [e.item for e in result.errors] == ["file"]

    far = b'<row r="90000000"><c r="A90000000" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    read = []  # the rows openpyxl handed over, counted on the way (a work count, not a clock)

    class Counted(xlsx_bounds.CellBudget):
        def rows(self, rows):
            for row in super().rows(rows):
                read.append(len(row))
                yield row

    monkeypatch.setattr(excel, "CellBudget", Counted)
    result = excel.parse(rewrite_member(data, sheet, lambda xml: xml.replace(b"</sheetData>", far)))
    assert [e.item for e in result.errors] == ["file"]
    assert result.errors[0].reason._kwargs == {"max": xlsx_bounds.MAX_CELLS}  # stopped by the cell budget
    assert (
        sum(max(n, 1) for n in read) <= xlsx_bounds.MAX_CELLS < 90_000_000
    )  # not by reading to row 90,000,000


def test_parse_never_raises_on_garbage():
    data = excel.write(excel.TEMPLATE_EXAMPLES)
    for garbage in (data[::-1], re.sub(rb"sheet1", b"sheet9", data), b"PK\x05\x06" + b"\0" * 18):
        result = excel.parse(garbage)
        assert result.errors and result.questions == []
