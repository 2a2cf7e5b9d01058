"""How much of a workbook may be read, checked before openpyxl sees the file and while it reads.

openpyxl reads the shared strings and the styles whole when it opens a workbook, and each row
whole before it yields it. Its CPU time grows with the markup it parses: about 1 µs per
unpacked byte at worst (5 µs for an empty string ``<si/>``), while a zip stores such markup a
thousand times smaller. A 40 KB file held 22 MB of empty strings and cost 24 s of CPU before a
row was read. So, from the zip's directory alone, without unpacking anything:

- at most MAX_MEMBERS parts and MAX_UNCOMPRESSED bytes unpacked, MAX_SHARED_STRINGS of them in
  the shared strings. A 5,000-question bank with long Chinese texts, saved the way Excel saves,
  is 9 parts, 7.9 MB unpacked of which 5.8 MB shared strings, 2.2 MB on disk;
- at most FLOOR plus AMPLIFICATION times the file's own size unpacked. Workbooks unpack to 3 to
  10 times their size (that bank: 3.6), and a small one to far less than FLOOR; so the work
  grows with the file, and a 50 KB file holds at most 0.85 MB of markup, which openpyxl reads in
  under a second whatever the markup (0.3 to 0.9 s measured). zipfile stops reading a part at
  its declared size, so a directory that understates the sizes gets no more read than it states.

While reading, the cells (rows × columns) are counted against MAX_CELLS: a row is as wide as
its last cell, so one cell in column XFD makes it 16,384 cells, and 2,000 such rows fit in 40 KB.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence

from flask_babel import lazy_gettext as _l

from .errors import DomainError
from .issues import Issue

MB = 1024 * 1024
MAX_MEMBERS = 1_000
MAX_UNCOMPRESSED = 32 * MB
MAX_SHARED_STRINGS = 16 * MB
FLOOR = 256 * 1024
AMPLIFICATION = 12
MAX_CELLS = 1_000_000  # 50,000 questions of 15 columns are 750,000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class WorkbookError(DomainError):
    """A workbook refused as a whole (422); ``issue`` (item ``"file"``) says why."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.reason, field="file")
        self.issue = issue


def not_a_workbook() -> Issue:
    return Issue(
        "file",
        _l(
            "The file is not a valid Excel workbook (.xlsx); it may be damaged or "
            "incomplete. Save it again in Excel as .xlsx and upload it."
        ),
    )


def password_protected() -> Issue:
    return Issue(
        "file", _l("The file is password-protected; remove the password in Excel and upload it again.")
    )


def check_archive(data: bytes) -> Issue | None:
    """Refuse cheaply what openpyxl should never see: not a zip, encrypted, too much unpacked."""
    if data[:8] == _OLE_MAGIC:
        if "EncryptedPackage".encode("utf-16-le") in data:
            return password_protected()
        return Issue(
            "file",
            _l("The file is an old Excel 97–2003 workbook (.xls); save it as .xlsx and upload it again."),
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return not_a_workbook()
    if len(members) > MAX_MEMBERS:
        return Issue(
            "file",
            _l(
                "The file has more than %(max)d parts; a workbook saved by Excel has "
                "far fewer. Save it again in Excel as .xlsx and upload it.",
                max=MAX_MEMBERS,
            ),
        )
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNCOMPRESSED:
        return Issue(
            "file",
            _l("The file is too large: at most %(max)d MB when uncompressed.", max=MAX_UNCOMPRESSED // MB),
        )
    if sum(m.file_size for m in members if m.filename.lower() == "xl/sharedstrings.xml") > MAX_SHARED_STRINGS:
        return Issue(
            "file",
            _l(
                "The file holds too much text: at most %(max)d MB when uncompressed; "
                "split it into smaller files.",
                max=MAX_SHARED_STRINGS // MB,
            ),
        )
    if unpacked > FLOOR + AMPLIFICATION * len(data):
        return Issue(
            "file",
            _l(
                "The file unpacks to %(size)d MB, far more than a workbook of "
                "%(kb)d KB holds; it may be damaged or made to overload the portal. "
                "Save it again in Excel as .xlsx and upload it.",
                size=max(1, round(unpacked / MB)),
                kb=max(1, len(data) // 1024),
            ),
        )
    if any(m.flag_bits & 0x1 for m in members):
        return password_protected()
    return None


class CellBudget:
    """The cells one workbook may yield, over all the row iterators it is read through."""

    def __init__(self, limit: int = MAX_CELLS) -> None:
        self.limit = self.left = limit

    def rows(self, rows: Iterable[Sequence[object]]) -> Iterator[Sequence[object]]:
        """``rows`` as they come, raising WorkbookError once they hold too many cells. An empty
        row counts as one: reading it costs too."""
        for row in rows:
            self.left -= max(len(row), 1)
            if self.left < 0:
                raise WorkbookError(
                    Issue(
                        "file",
                        _l(
                            "The file has more than %(max)d cells; split it into smaller files.",
                            max=self.limit,
                        ),
                    )
                )
            yield row
