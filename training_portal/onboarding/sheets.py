"""Reading an onboarding workbook the way clerks fill it: the template's Chinese headers in any
order, full-width letters and stray spaces, dates typed as text or stored as Excel dates, and
the words of each enum in Chinese (its label, usual aliases) or English."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..core.labels import Labelled
from ..core.xlsx import WorkbookError, sheet_rows
from ..people.categories import normalise_word

MAX_ROWS = 20_000
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass
class RowError:
    row: int | None  # the sheet's row number as Excel shows it; None: the file as a whole
    message: object  # lazy: rendered in the language of whoever reads it

    def as_json(self) -> dict:
        return {"row": self.row, "message": str(self.message)}

    def __str__(self) -> str:
        if self.row is None:
            return str(self.message)
        return str(_l("Row %(n)d: %(why)s", n=self.row, why=self.message))


@dataclass
class Sheet:
    """The data rows of a workbook as {header: text}, with their row numbers."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def clean(text: str) -> str:
    """A cell as a value: runs of spaces (full-width ones too) tidied; the text itself kept as
    typed, since Chinese names use full-width brackets (（）). Codes and words are folded where
    they are read (``compact``, ``normalise_word``)."""
    return re.sub(r"\s+", " ", text or "").strip()


def compact(text: str) -> str:
    """A cell as a code: full-width folded, every space dropped, upper case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).upper()


def read(data: bytes, columns: tuple[str, ...]) -> Sheet:
    """The first sheet: a header row holding exactly ``columns`` (any order) among its first
    ten rows, then the data rows (blank ones skipped)."""
    sheet = Sheet()
    try:
        rows = sheet_rows(data, MAX_ROWS + 10)
    except WorkbookError as exc:
        sheet.errors.append(RowError(None, exc.issue.reason))
        return sheet
    wanted = {normalise_word(c): c for c in columns}
    header_at, positions = None, {}
    for index, row in enumerate(rows[:10]):
        found = {normalise_word(v): i for i, v in enumerate(row) if v and v.strip()}
        if found.keys() & wanted.keys():
            header_at, positions = index, found
            break
    if header_at is None:
        sheet.errors.append(
            RowError(
                None, _l("No header row found; use the template's headers: %(c)s.", c="、".join(columns))
            )
        )
        return sheet
    missing = [c for key, c in wanted.items() if key not in positions]
    unknown = [rows[header_at][i] for key, i in positions.items() if key not in wanted]
    if missing:
        sheet.errors.append(
            RowError(header_at + 1, _l("The header row lacks the columns: %(c)s.", c="、".join(missing)))
        )
    if unknown:
        sheet.errors.append(
            RowError(
                header_at + 1,
                _l("Columns not in the template: %(c)s.", c="、".join(v.strip() for v in unknown)),
            )
        )
    if sheet.errors:
        return sheet
    index_of = {c: positions[key] for key, c in wanted.items()}
    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        cells = {c: clean(row[i]) if i < len(row) else "" for c, i in index_of.items()}
        if any(cells.values()):
            sheet.rows.append((number, cells))
    if not sheet.rows:
        sheet.errors.append(RowError(None, _l("The file has no data rows.")))
    return sheet


def parse_date(text: str) -> date:
    """A date as clerks type it (2020-03-01, 2020/3/1, 2020.3.1, 2020年3月1日, 20200301) or as
    Excel stores it (a date cell, or its serial number). Raise ValueError."""
    text = compact(text)
    if not text:
        raise ValueError("empty")
    if re.fullmatch(r"\d{4,5}(\.0+)?", text) and not re.fullmatch(r"(19|20)\d{2}", text):
        return _EXCEL_EPOCH + timedelta(days=int(float(text)))
    if re.fullmatch(r"\d{8}", text):
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(T[\d:.]+)?", text)
    if match is None:
        try:
            return datetime.fromisoformat(text).date()
        except ValueError:
            raise ValueError(text) from None
    return date(int(match[1]), int(match[2]), int(match[3]))


def words_of(kind: type[Labelled], aliases: dict | None = None) -> dict[str, Labelled]:
    """Every word a cell may name a member of ``kind`` by: its code, its label in Chinese and
    English, and ``aliases`` ({member: (word, …)}); keys normalised."""
    words: dict[str, Labelled] = {}
    for member, names in (aliases or {}).items():
        words.update({normalise_word(n): member for n in names})
    for locale in ("zh_Hans_CN", "en"):
        with force_locale(locale):
            for member in kind:
                words.setdefault(normalise_word(member.label), member)
    words.update({normalise_word(m.value): m for m in kind})
    return words
