"""Question files: Excel and CSV in the training centers' template, GIFT, Moodle XML and QTI 2.1
content packages.

Each format module has ``parse(data: bytes) -> ParseResult`` and
``write(questions: list[QuestionData]) -> bytes``; parsing never touches the database.
"""

from __future__ import annotations

from types import ModuleType

from flask_babel import lazy_gettext as _l

from ..data import Issue, ParseResult, QuestionData
from . import delimited, excel, gift, moodle_xml, qti

FORMATS: dict[str, ModuleType] = {
    "xlsx": excel,
    "csv": delimited,
    "gift": gift,
    "moodle-xml": moodle_xml,
    "qti": qti,
}
EXTENSIONS = {
    ".xlsx": "xlsx",
    ".csv": "csv",
    ".gift": "gift",
    ".txt": "gift",
    ".xml": "moodle-xml",
    ".zip": "qti",
}
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "gift": "text/plain; charset=utf-8",
    "moodle-xml": "application/xml",
    "qti": "application/zip",
}
FILE_SUFFIX = {"xlsx": ".xlsx", "csv": ".csv", "gift": ".gift.txt", "moodle-xml": ".xml", "qti": ".qti.zip"}


def detect(data: bytes, filename: str = "") -> str | None:
    """The format by content first (a file's name can lie), then by its extension."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf").lstrip()
    if data[:4] == b"PK\x03\x04":
        return "qti" if qti.looks_like_package(data) else "xlsx"
    if head.startswith(b"<?xml") or head.startswith(b"<quiz"):
        return "moodle-xml"
    for suffix, fmt in EXTENSIONS.items():
        if filename.lower().endswith(suffix):
            return fmt
    text = head.decode("utf-8", errors="ignore")
    if "{" in text and ("}" in text or "::" in text or "$CATEGORY" in text):
        return "gift"
    if "题型" in text or "题干" in text:
        return "csv"
    return None


def parse(data: bytes, fmt: str = "auto", filename: str = "") -> ParseResult:
    if fmt == "auto":
        fmt = detect(data, filename) or ""
    module = FORMATS.get(fmt)
    if module is None:
        return ParseResult(
            errors=[
                Issue(
                    "file",
                    _l(
                        "The file's format is not one of Excel (.xlsx), "
                        "CSV, GIFT, Moodle XML or a QTI package (.zip)."
                    ),
                )
            ]
        )
    if not data.strip():
        return ParseResult(errors=[Issue("file", _l("The file is empty."))])
    return module.parse(data)


def write(questions: list[QuestionData], fmt: str) -> bytes:
    return FORMATS[fmt].write(questions)
