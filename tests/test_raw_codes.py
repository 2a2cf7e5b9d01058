"""Chinese pages show labels, never raw codes or untranslated English.

Every GET page each demo role may open (the access matrix says which) and every
Excel export is read in zh_CN; its visible text must hold no enum value and no
English message of the catalogue.
"""

from __future__ import annotations

import enum
import importlib
import io
import pkgutil
import re
from html.parser import HTMLParser

import openpyxl
import pytest
from babel.messages.pofile import read_po

from proctoring.analysis import EVENT_KINDS
from proctoring.models import RECORDING_STATUSES
from training_portal.core.db import db
from training_portal.exams.models import ExamSession, ProctorAction

from .conftest import login
from .test_access_matrix import MATRIX, ROLES, objects, routes  # noqa: F401 (objects is a fixture)
from .test_i18n import PACKAGE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PACKAGES = ("training_portal", "question_bank", "proctoring")

# The only exceptions, text nodes that are data, not labels: the demo accounts' user names (admin, trainee, …
# are what people type to log in) and the audit log's payloads, shown verbatim as evidence.
USERNAMES = set(ROLES)


def enum_values() -> set[str]:
    for name in PACKAGES:
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, name + "."):
            if info.name.rsplit(".", 1)[-1] in ("models", "permissions", "types"):
                importlib.import_module(info.name)
    found, todo = set(), [enum.Enum]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PACKAGES:
            found |= {m.value for m in cls if isinstance(m.value, str)}
    # Codes kept in plain string columns, not enums: a recording's status and its events' kinds.
    found |= set(RECORDING_STATUSES) | set(EVENT_KINDS)
    return {v for v in found if len(v) >= 4 and ("_" in v or re.fullmatch(r"[a-z]{5,}", v))}


def english_messages() -> set[str]:
    with open(PACKAGE / "translations/zh_Hans_CN/LC_MESSAGES/messages.po", "rb") as f:
        catalog = read_po(f)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    # Only plain messages of two words or more: placeholders are filled in, so never verbatim.
    return {i for i in ids if len(i.split()) >= 2 and "%" not in i and re.fullmatch(r"[ -~]+", i)}


class Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style") and self.skip > 0

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(data.strip())


def visible_text(response) -> list[str]:
    if response.mimetype == XLSX:
        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        return [
            str(c)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for c in row
            if c is not None
        ]
    if response.mimetype != "text/html":
        return []
    parser = Text()
    parser.feed(response.text)
    return parser.parts


def findings(texts: list[str], codes: set[str], english: set[str]) -> set[str]:
    found = set()
    for text in texts:
        if text in USERNAMES or text[:1] in "{[":
            continue
        # Dotted names (permission names such as exam.proctor) stay one word.
        words = set(re.findall(r"[A-Za-z_.]+", text))
        found |= {f"code {c!r} in {text[:80]!r}" for c in codes & words}
        found |= {f"English {m!r}" for m in english if m in text}
    return found


@pytest.fixture()
def walked(objects, user_named):  # noqa: F811
    """The access matrix's objects, with proctor actions on record for the room report."""
    session = db.session.get(ExamSession, objects["session_id"])
    proctor = user_named("proctor_center")
    for kind, minutes in (("pause", None), ("add_time", 5), ("irregularity", None)):
        db.session.add(
            ProctorAction(
                attempt=session.attempts[0], kind=kind, reason="", minutes=minutes, by_id=proctor.id
            )
        )
    db.session.commit()
    return objects


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_pages_and_exports_show_no_raw_code_and_no_english(app, walked, role):
    codes, english = enum_values(), english_messages()
    client = app.test_client()
    assert login(client, role).status_code == 302
    problems = []
    for endpoint, method, rule in routes(app):
        if method != "GET" or MATRIX[(endpoint, method)][role] != 200 or endpoint == "static":
            continue
        url = rule
        for name, value in walked.items():
            url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
            url = url.replace(f"<path:{name}>", str(value))
        response = client.get(url)
        problems += [f"{url}: {f}" for f in sorted(findings(visible_text(response), codes, english))]
    assert not problems, "\n".join(problems)


def test_certificate_batches_show_their_state_in_words(app, objects):  # noqa: F811
    # A batch's state is a plain string column (queued/running/done/failed), not an enum,
    # so the walk above cannot see it.
    client = app.test_client()
    login(client, "admin")
    page = visible_text(client.get("/certificates/batches"))
    assert not {"queued", "running", "done", "failed"} & set(page) and "等待发证" in page
