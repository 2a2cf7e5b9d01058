"""Excel (.xlsx) question files in the training centers' template, and the table logic that the
CSV format shares: one row per question under a header row of Chinese column names.

Parsing never raises on a bad file: a file that is not a workbook, is encrypted, or would cost
more to read than its size warrants (``core/xlsx_bounds``) gives one error with item ``"file"``; a bad
row gives an error naming the sheet's own row number (``"row 7"``, or ``"row 7 (Q-101)"`` when
the row has an 编号).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from training_portal.core.xlsx import cell_text, save, write_cell
from training_portal.core.xlsx_bounds import CellBudget, WorkbookError, check_archive, not_a_workbook

from .. import types
from ..data import Issue, ParseResult, QuestionData
from .common import (
    FALSE_WORDS,
    LETTERS,
    TRUE_WORDS,
    UnknownAppliesTo,
    applies_to_codes,
    applies_to_error,
    applies_to_label,
    category_path,
    html_losses,
    loss_note,
    parse_difficulty,
    row_item,
    sanitise_html,
    split_list,
)

OPTION_COLUMNS = tuple(f"选项{letter}" for letter in LETTERS)
COLUMNS = (
    "题型",
    "题干",
    *OPTION_COLUMNS,
    "答案",
    "分值",
    "解析",
    "分类",
    "知识点",
    "难度",
    "适用类别",
    "编号",
)
REQUIRED = ("题型", "题干", "答案")
SHEET_NAME = "题库"

MAX_ROWS = 50_000  # question rows in one file
MAX_PHYSICAL_ROWS = 2 * MAX_ROWS  # rows read at all, empty ones included
HEADER_SCAN = 10  # the header is the first of these rows that names a required column

DEFAULT_TRUE_FALSE = ["对", "错"]
SAMPLE_PREFIX = "示例"  # the template's sample rows have 编号 示例1, 示例2 …: never imported
TYPE_WORDS = {"true_false": "判断", "single_choice": "单选", "multiple_choice": "多选"}
TYPE_ALIASES = {
    "判断": "true_false",
    "判断题": "true_false",
    "是非题": "true_false",
    "对错题": "true_false",
    "true_false": "true_false",
    "truefalse": "true_false",
    "tf": "true_false",
    "单选": "single_choice",
    "单选题": "single_choice",
    "单项选择": "single_choice",
    "单项选择题": "single_choice",
    "single_choice": "single_choice",
    "single": "single_choice",
    "多选": "multiple_choice",
    "多选题": "multiple_choice",
    "多项选择": "multiple_choice",
    "多项选择题": "multiple_choice",
    "multiple_choice": "multiple_choice",
    "multiple": "multiple_choice",
    "multichoice": "multiple_choice",
}

_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_TYPE_SEPARATORS = re.compile(r"[\s\-/]+")
_ANSWER_SEPARATORS = re.compile(r"[\s,;、/]+")


# ----------------------------------------------------------------------------- messages


def _too_many_rows() -> ParseResult:
    return ParseResult(
        errors=[
            Issue(
                "file", _l("The file has more than %(max)d rows; split it into smaller files.", max=MAX_ROWS)
            )
        ]
    )


# ----------------------------------------------------------------------------- cells


def _header_key(value: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(value)))


def looks_like_html(text: str) -> bool:
    return bool(_HTML_TAG.search(text))


def type_name(raw: str) -> str | None:
    key = _TYPE_SEPARATORS.sub("_", unicodedata.normalize("NFKC", raw).strip().lower())
    return TYPE_ALIASES.get(key)


# ----------------------------------------------------------------------------- the table


def header_columns(row: Sequence[object]) -> dict[str, int]:
    """The known columns of a header row and where they are (the first one wins)."""
    columns: dict[str, int] = {}
    for index, value in enumerate(row):
        key = _header_key(value)
        if key in COLUMNS and key not in columns:
            columns[key] = index
    return columns


def parse_table(
    head: list[Sequence[object]], data_rows: Callable[[int, int], Iterable[Sequence[object]]]
) -> ParseResult:
    """Questions from a table. ``head`` holds the table's first rows (at least HEADER_SCAN of
    them, if it has that many); ``data_rows(header_number, width)`` gives the rows after the
    header, each at least as wide as it needs to be or shorter (missing cells are empty)."""
    header_number, columns = 0, {}
    for number, row in enumerate(head[:HEADER_SCAN], start=1):
        found = header_columns(row)
        if any(name in found for name in REQUIRED):
            header_number, columns = number, found
            break
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        return ParseResult(
            errors=[
                Issue(
                    "header",
                    _l("The header row lacks the required columns: %(columns)s.", columns="、".join(missing)),
                )
            ]
        )
    width = max(columns.values()) + 1
    result = ParseResult()
    seen_ids: dict[str, int] = {}
    count = 0
    for number, row in enumerate(data_rows(header_number, width), start=header_number + 1):
        if number > header_number + MAX_PHYSICAL_ROWS:
            return _too_many_rows()
        cells = {name: cell_text(row[index]) if index < len(row) else "" for name, index in columns.items()}
        if not any(text.strip() for text in cells.values()):
            continue
        count += 1
        if count > MAX_ROWS:
            return _too_many_rows()
        _parse_row(number, cells, result, seen_ids)
    return result


def _parse_row(number: int, cells: dict[str, str], result: ParseResult, seen_ids: dict[str, int]) -> None:
    def cell(name: str) -> str:
        return cells.get(name, "").strip()

    external_id = cell("编号")
    item = row_item(number, external_id)

    def error(reason) -> None:
        result.errors.append(Issue(item, reason))

    if external_id.startswith(SAMPLE_PREFIX):
        result.skipped.append(
            Issue(item, _l("A sample row of the template (编号 %(id)s): not imported.", id=external_id))
        )
        return

    raw_type = cell("题型")
    if not raw_type:
        error(_l("The %(column)s cell is empty.", column="题型"))
        return
    qtype = type_name(raw_type)
    if qtype is None:
        result.skipped.append(
            Issue(item, _l("Unsupported question type %(type)s: the row was skipped.", type=raw_type))
        )
        return

    lost: list[str] = []
    stem, stem_format = cell("题干"), "text"
    if looks_like_html(stem):
        lost += html_losses(stem)
        stem, stem_format = sanitise_html(stem), "html"
    if not stem:
        error(_l("The %(column)s cell is empty.", column="题干"))
        return

    texts = [cell(name) for name in OPTION_COLUMNS]
    while texts and not texts[-1]:
        texts.pop()
    if "" in texts:
        error(_l("Row has an empty option %(letter)s between filled ones.", letter=LETTERS[texts.index("")]))
        return
    options_format = "html" if any(looks_like_html(t) for t in texts) else "text"
    if options_format == "html":
        lost += [what for t in texts for what in html_losses(t)]
        texts = [sanitise_html(t) for t in texts]

    answer = unicodedata.normalize("NFKC", cell("答案")).strip()
    if not answer:
        error(_l("The %(column)s cell is empty.", column="答案"))
        return
    if qtype == "true_false":
        options, correct = _true_false(texts, answer)
    else:
        options, correct = texts, _letters(answer, len(texts))
    if correct is None:
        error(_l("The answer %(answer)s does not name one of the options.", answer=answer))
        return

    try:
        difficulty = parse_difficulty(cell("难度"))
    except (ValueError, OverflowError):
        error(
            _l("The difficulty %(value)s is not 1–5 or one of 易, 较易, 中等, 较难, 难.", value=cell("难度"))
        )
        return

    points = None
    if cell("分值"):
        try:
            points = float(unicodedata.normalize("NFKC", cell("分值")))
        except ValueError:
            points = None
        if points is None or not 0 < points < 1000:
            error(_l("The 分值 %(value)s is not a positive number of points.", value=cell("分值")))
            return

    try:
        applies_to = applies_to_codes(split_list(cell("适用类别")))
    except UnknownAppliesTo as exc:
        error(applies_to_error(exc.args[0]))
        return

    try:
        types.get(qtype).validate(options, correct)
    except types.QuestionTypeError as exc:
        error(exc.args[0])
        return

    if external_id:
        if external_id in seen_ids:
            error(
                _l("The ID %(id)s is already used in row %(row)d.", id=external_id, row=seen_ids[external_id])
            )
            return
        seen_ids[external_id] = number

    explanation, explanation_format = cell("解析"), "text"
    if looks_like_html(explanation):
        lost += html_losses(explanation, links=True)
        explanation, explanation_format = sanitise_html(explanation, links=True), "html"
    if lost:
        result.notes.append(Issue(item, loss_note(lost)))
    result.questions.append(
        QuestionData(
            type=qtype,
            stem=stem,
            stem_format=stem_format,
            options=options,
            correct=correct,
            explanation=explanation,
            explanation_format=explanation_format,
            category=category_path(cell("分类")),
            knowledge_point=cell("知识点"),
            difficulty=difficulty,
            applies_to=applies_to,
            external_id=external_id,
            points=points,
            options_format=options_format,
            source=item,
        )
    )


def _letters(answer: str, n_options: int) -> list[int] | None:
    """``ABD``, ``A,B,D``, ``a、b`` → indices in the answer's order; None when a letter is no option."""
    letters = _ANSWER_SEPARATORS.sub("", answer).upper()
    if not letters or any(c not in LETTERS[:n_options] for c in letters):
        return None
    return [LETTERS.index(c) for c in letters]


def _true_false(texts: list[str], answer: str) -> tuple[list[str], list[int] | None]:
    """The options (the true word first) and the correct index of a 判断 row."""
    options = list(texts) if texts else list(DEFAULT_TRUE_FALSE)
    if len(options) != 2:
        return options, [0]  # validate() says what is wrong
    # The file's words the wrong way round (错误/正确): the true one is put first.
    swapped = options[0].lower() in FALSE_WORDS and options[1].lower() in TRUE_WORDS
    if answer.upper() in ("A", "B"):
        correct = LETTERS.index(answer.upper())
    elif answer in options:
        correct = options.index(answer)
    elif answer.lower() in TRUE_WORDS or answer.lower() in FALSE_WORDS:
        correct = int((answer.lower() in FALSE_WORDS) != swapped)
    else:
        return options, None
    if swapped:
        options.reverse()
        correct = 1 - correct
    return options, [correct]


def table_row(q: QuestionData) -> list[object]:
    """One question as the template's columns, in COLUMNS order."""
    options = list(q.options[: len(LETTERS)])
    if q.type == "true_false" and q.options == DEFAULT_TRUE_FALSE:
        options, answer = [], DEFAULT_TRUE_FALSE[q.correct[0]]
    else:
        answer = "".join(LETTERS[i] for i in q.correct)
    options += [""] * (len(LETTERS) - len(options))
    points = "" if q.points is None else int(q.points) if q.points == int(q.points) else q.points
    return [
        TYPE_WORDS.get(q.type, q.type),
        q.stem,
        *options,
        answer,
        points,
        q.explanation,
        q.category,
        q.knowledge_point,
        "" if q.difficulty is None else q.difficulty,
        "、".join(applies_to_label(c) for c in q.applies_to),
        q.external_id,
    ]


# ----------------------------------------------------------------------------- xlsx files


def parse(data: bytes) -> ParseResult:
    problem = check_archive(data)
    if problem is not None:
        return ParseResult(errors=[problem])
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file; none may escape
        return ParseResult(errors=[not_a_workbook()])
    try:
        sheets = workbook.worksheets
        if not sheets:
            return ParseResult(errors=[not_a_workbook()])
        sheet = workbook[SHEET_NAME] if SHEET_NAME in workbook.sheetnames else sheets[0]
        if not hasattr(sheet, "iter_rows"):  # 题库 is a chart sheet
            sheet = sheets[0]
        if (sheet.max_row or 0) > MAX_PHYSICAL_ROWS + HEADER_SCAN:
            return _too_many_rows()
        sheet.reset_dimensions()  # read what is there, whatever the declared dimension says
        budget = CellBudget()  # the header may stand far to the right, widening every row read
        head = list(budget.rows(sheet.iter_rows(min_row=1, max_row=HEADER_SCAN, values_only=True)))
        return parse_table(
            head,
            lambda header, width: budget.rows(
                sheet.iter_rows(min_row=header + 1, max_col=width, values_only=True)
            ),
        )
    except WorkbookError as exc:
        return ParseResult(errors=[exc.issue])
    except Exception:
        return ParseResult(errors=[not_a_workbook()])
    finally:
        workbook.close()


_WIDTHS = {
    "题型": 8,
    "题干": 60,
    "答案": 8,
    "分值": 6,
    "解析": 40,
    "分类": 24,
    "知识点": 16,
    "难度": 6,
    "适用类别": 24,
    "编号": 12,
}


def _sheet(workbook: Workbook, title: str = SHEET_NAME):
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, name in enumerate(COLUMNS):
        sheet.column_dimensions[get_column_letter(index + 1)].width = _WIDTHS.get(name, 18)
    bold = Font(bold=True)
    sheet.append([write_cell(sheet, name, bold) for name in COLUMNS])
    return sheet


def write(questions: list[QuestionData]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = _sheet(workbook)
    for q in questions:
        sheet.append([write_cell(sheet, value) for value in table_row(q)])
    return save(workbook)


# ----------------------------------------------------------------------------- the template

TEMPLATE_EXAMPLES = [
    QuestionData(
        type="true_false",
        stem="入井人员必须随身携带自救器和矿灯。",
        options=["对", "错"],
        correct=[0],
        explanation="《煤矿安全规程》规定，入井人员必须随身携带自救器、标识卡和矿灯。",
        category="煤矿安全/个体防护",
        knowledge_point="自救器",
        difficulty=1,
        applies_to=["special_operator"],
        external_id="示例1",
    ),
    QuestionData(
        type="single_choice",
        stem="采掘工作面进风流中，氧气浓度不得低于（　）。",
        options=["18%", "20%", "22%", "25%"],
        correct=[1],
        explanation="采掘工作面的进风流中，氧气浓度不低于20%，二氧化碳浓度不超过0.5%。",
        category="煤矿安全/通风管理",
        knowledge_point="矿井空气成分",
        difficulty=2,
        applies_to=["coal_gas_inspection", "coal_safety_inspection"],
        external_id="示例2",
        points=2.0,
    ),
    QuestionData(
        type="multiple_choice",
        stem="瓦斯爆炸必须同时具备的条件有（　）。",
        options=["瓦斯浓度在爆炸界限内", "有高温火源", "氧气浓度不低于12%", "煤尘浓度超限"],
        correct=[0, 1, 2],
        explanation="瓦斯爆炸的三个条件：一定浓度的瓦斯、高温火源和充足的氧气。",
        category="煤矿安全/瓦斯防治",
        knowledge_point="瓦斯爆炸条件",
        difficulty=3,
        applies_to=["coal_gas_inspection"],
        external_id="示例3",
        points=2.0,
    ),
]

TEMPLATE_NOTES = [
    (
        "题型",
        "必填",
        "判断、单选或多选（也可写判断题、单选题、多选题）。其他题型（填空、简答等）导入时跳过。",
    ),
    ("题干", "必填", "题目内容。可含简单的 HTML（如 <p>、<br>、<img>），导入时会清理不安全的内容。"),
    (
        "选项A～选项F",
        "选择题必填",
        "单选、多选题至少两个选项，最多六个，从选项A起连续填写，中间不能留空。"
        "判断题可不填，默认选项为“对”“错”；也可填自己的两个说法（如“正确”“错误”）。",
    ),
    (
        "答案",
        "必填",
        "选择题填选项字母，如 A、ABD、A,B,D（大小写均可）；多选题至少两个字母。"
        "判断题填 对/错、正确/错误、√/× 或 A/B。",
    ),
    ("分值", "选填", "每题的分值，如 1、2、0.5；留空为 1 分。组卷时按组卷规则的每题分值计分。"),
    ("解析", "选填", "答案解析，考后显示给考生。"),
    ("分类", "选填", "题目所属分类，多级用“/”分隔，如：煤矿安全/瓦斯防治。"),
    ("知识点", "选填", "题目考查的知识点。"),
    ("难度", "选填", "1（最易）～5（最难），或 易、较易、中等、较难、难。"),
    (
        "适用类别",
        "选填",
        "适用的人员类别或特种作业类别，写名称"
        "（如“主要负责人”“煤矿瓦斯检查作业”“瓦斯检查作业”）或代码，多个用顿号、逗号或空格分隔；填“全部”或留空表示适用于全部类别。"
        "写了不认识的名称时，该行报错并列出可用的名称。",
    ),
    (
        "编号",
        "选填",
        "题目在本单位题库中的编号。同一文件内不能重复；再次导入同一编号的题目会更新该题。"
        "不填编号时，按题目内容识别：再次导入同一题不会重复。"
        "以“示例”开头的编号是模板的示例行，不会导入，可删除。",
    ),
    ("", "", ""),
    (
        "说明",
        "",
        "第一行为表头，列的顺序可以调整，多余的列会被忽略；空行会被忽略。"
        "一个文件最多 50000 道题。有任何错误时整个文件都不会导入，请按提示的行号修改后重新上传。",
    ),
]


def template() -> bytes:
    """An empty workbook for the upload page: the header, three examples and a sheet 说明."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheet = workbook.create_sheet(SHEET_NAME)
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for q in TEMPLATE_EXAMPLES:
        sheet.append([value if value != "" else None for value in table_row(q)])
    sheet.freeze_panes = "A2"
    for index, name in enumerate(COLUMNS):
        sheet.column_dimensions[get_column_letter(index + 1)].width = _WIDTHS.get(name, 18)
    choice = DataValidation(type="list", formula1='"判断,单选,多选"', allow_blank=True)
    sheet.add_data_validation(choice)
    choice.add(f"A2:A{MAX_ROWS + 1}")

    notes = workbook.create_sheet("说明")
    notes.append(["列名", "是否必填", "说明"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for row in TEMPLATE_NOTES:
        notes.append(list(row))
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 12
    notes.column_dimensions["C"].width = 100
    for row in notes.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    return save(workbook)
