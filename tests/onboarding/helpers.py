"""Workbooks filled the way clerks fill them, for the onboarding tests."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

from training_portal.onboarding.operations import ORGANISATION_COLUMNS, PEOPLE_COLUMNS, REGION_COLUMNS


def workbook(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """A sheet with ``header`` then ``rows``; cells keep their Python types (an Excel date for a
    ``date``, a number for an ``int``)."""
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def regions_file(rows) -> bytes:
    return workbook(REGION_COLUMNS, rows)


def organisations_file(rows) -> bytes:
    """Rows of (类型, 名称, 信用代码, 区划代码, 地址, 矿山类别, 开采方式, 规模, 生产状态, 审核单位);
    short rows are padded with empty cells."""
    return workbook(ORGANISATION_COLUMNS, [(*r, *[""] * (len(ORGANISATION_COLUMNS) - len(r))) for r in rows])


def people_file(rows) -> bytes:
    """Rows in the order of ``PEOPLE_COLUMNS``; short rows are padded with empty cells."""
    return workbook(PEOPLE_COLUMNS, [(*r, *[""] * (len(PEOPLE_COLUMNS) - len(r))) for r in rows])


def fullwidth(text: str) -> str:
    """ASCII letters and digits as a Chinese input method types them in full-width mode."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)
