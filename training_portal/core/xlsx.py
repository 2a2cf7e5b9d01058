"""Excel workbooks the portal reads and writes: cells as text, small tables others import (a
class roster) or are handed (an export, a template), every text cell stored as text, never a
formula. The bounds on what may be read are in ``xlsx_bounds``; the question bank's own format
builds on these (``question_bank/formats/excel.py``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .issues import Issue
from .xlsx_bounds import CellBudget, WorkbookError, check_archive, not_a_workbook


def cell_text(value: object) -> str:
    """A cell as text: numbers without a spurious ``.0`` (编号 101, not 101.0), line breaks as
    ``\\n``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def write_cell(sheet, value: object, font: Font | None = None) -> WriteOnlyCell:
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value) or None
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value:
        cell.data_type = "s"  # never a formula or an error code, whatever the text starts with
    if font is not None:
        cell.font = font
    return cell


def save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def simple_table(title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A one-sheet workbook: a bold header and rows, every text cell stored as text (never a
    formula), for the tables others hand out (a roster template, an export)."""
    buffer = io.BytesIO()
    write_table(buffer, title, header, rows)
    return buffer.getvalue()


def write_table(target, title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """``simple_table`` written to ``target`` (a file or a path) as ``rows`` come: in
    write-only mode openpyxl keeps no row in memory, so a generator over a query's cursor
    exports a province without holding it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index in range(len(header)):
        sheet.column_dimensions[get_column_letter(index + 1)].width = 20
    sheet.append([write_cell(sheet, name, Font(bold=True)) for name in header])
    for row in rows:
        sheet.append([write_cell(sheet, value) for value in row])
    workbook.save(target)


def sheet_rows(data: bytes, max_rows: int) -> list[tuple]:
    """The first sheet's rows as values, for small tables others import (a class roster); the
    same bounds as a question file. Raise WorkbookError with a file-level issue."""
    problem = check_archive(data)
    if problem is not None:
        raise WorkbookError(problem)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file; none may escape
        raise WorkbookError(not_a_workbook()) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None or not hasattr(sheet, "iter_rows"):
            raise WorkbookError(not_a_workbook())
        sheet.reset_dimensions()
        rows = []
        for row in CellBudget().rows(sheet.iter_rows(values_only=True)):
            rows.append(tuple(cell_text(v) for v in row))
            if len(rows) > max_rows:
                raise WorkbookError(
                    Issue(
                        "file",
                        _l("The file has more than %(max)d rows; split it into smaller files.", max=max_rows),
                    )
                )
        return rows
    except WorkbookError:
        raise
    except Exception:
        raise WorkbookError(not_a_workbook()) from None
    finally:
        workbook.close()
