"""CSV question files: the Excel template's columns, saved as text.

Read as UTF-8 (with or without a BOM), else GB18030 (what Excel in China saves CSV as), or
UTF-16 when the file starts with its BOM (Excel's "Unicode text"); the delimiter is a comma, a
tab or a semicolon, whichever the header line has most of. Written as UTF-8 with a BOM, so
that Excel opens it, comma-delimited.
"""

from __future__ import annotations

import codecs
import csv
import io
from itertools import chain, islice

from flask_babel import lazy_gettext as _l

from ..data import Issue, ParseResult, QuestionData
from .excel import COLUMNS, HEADER_SCAN, REQUIRED, parse_table, table_row

DELIMITERS = (",", "\t", ";")
FIELD_LIMIT = 64 * 1024 * 1024  # an html stem with an embedded image can be long


def decode(data: bytes) -> str | None:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def sniff_delimiter(text: str) -> str:
    """The delimiter the header line (the first of the first lines naming a required column, or
    the first non-empty line) uses most; a comma when it has none."""
    lines = [line for line in islice(text[:65536].splitlines(), HEADER_SCAN) if line.strip()]
    header = next(
        (line for line in lines if any(name in line for name in REQUIRED)), lines[0] if lines else ""
    )
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties go to the earlier, the comma first
    return best if counts[best] else ","


def parse(data: bytes) -> ParseResult:
    text = decode(data)
    if text is None:
        return ParseResult(
            errors=[
                Issue(
                    "file",
                    _l(
                        "The file is neither UTF-8 nor GB18030 (GBK) "
                        "text; save it as CSV UTF-8 and upload it again."
                    ),
                )
            ]
        )
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        head = list(islice(reader, HEADER_SCAN))
        return parse_table(head, lambda header, width: chain(head[header:], reader))
    except csv.Error:
        return ParseResult(errors=[Issue("file", _l("The file is not a well-formed CSV file."))])


def write(questions: list[QuestionData]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for q in questions:
        writer.writerow(table_row(q))
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
