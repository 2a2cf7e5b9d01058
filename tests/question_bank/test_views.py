"""The bank's pages through HTTP: upload, report, review, blueprint, preview, export."""

import io
import re

from openpyxl import load_workbook
from sqlalchemy import func, select

from question_bank import formats
from question_bank.models import Blueprint, Question, QuestionStatus
from training_portal.core.db import db

from ..conftest import csrf_token, login
from .conftest import qdata


def upload(client, data: bytes, name: str, fmt: str = "auto"):
    return client.post(
        "/questions/import",
        data={
            "file": (io.BytesIO(data), name),
            "format": fmt,
            "csrf_token": csrf_token(client, "/questions/import"),
        },
        content_type="multipart/form-data",
    )


def test_upload_review_blueprint_preview(demo, app):
    author, reviewer = app.test_client(), app.test_client()
    login(author, "reviewer_center")
    login(reviewer, "reviewer_dept")
    before = set(db.session.scalars(select(Question.id)).all())  # the demo bank
    drafts_before = db.session.scalar(select(func.count()).where(Question.status == QuestionStatus.DRAFT))
    bank = [qdata("true_false") for _ in range(12)] + [qdata("single_choice") for _ in range(12)]
    response = upload(author, formats.write(bank, "xlsx"), "题库.xlsx")
    assert response.status_code == 200
    assert 'data-test="import-ok"' in response.text
    ids = sorted(set(db.session.scalars(select(Question.id)).all()) - before)
    assert len(ids) == 24
    # The author may not approve their own questions, all or nothing.
    token = csrf_token(author, "/questions/")
    refused = author.post("/questions/bulk", data={"action": "approve", "ids": ids, "csrf_token": token})
    assert refused.status_code == 409
    drafts = db.session.scalar(select(func.count()).where(Question.status == QuestionStatus.DRAFT))
    assert drafts == drafts_before + 24
    token = csrf_token(reviewer, "/questions/")
    assert (
        reviewer.post(
            "/questions/bulk", data={"action": "approve", "ids": ids, "csrf_token": token}
        ).status_code
        == 302
    )
    token = csrf_token(author, "/questions/")
    assert (
        author.post(
            "/questions/bulk", data={"action": "activate", "ids": ids, "csrf_token": token}
        ).status_code
        == 302
    )
    form = {
        "name": "瓦斯检查作业抽考",
        "target": "coal_gas_inspection",
        "purpose": "spot_test",
        "duration_minutes": "20",
        "csrf_token": csrf_token(author, "/questions/blueprints/new"),
        "sections-0-type": "true_false",
        "sections-0-count": "5",
        "sections-0-points": "2",
        "sections-1-type": "single_choice",
        "sections-1-count": "5",
        "sections-1-points": "2",
    }
    saved = author.post("/questions/blueprints/new", data=form)
    assert saved.status_code == 302
    page = author.get(saved.headers["Location"])
    assert 'data-test="can"' in page.text
    b = db.session.scalar(select(Blueprint).where(Blueprint.name == "瓦斯检查作业抽考"))
    preview = author.get(f"/questions/blueprints/{b.id}/preview")
    assert preview.status_code == 200
    assert len(re.findall(r"<li><p>", preview.text)) == 10


def test_a_broken_file_shows_where_and_why_and_imports_nothing(demo, client):
    login(client, "reviewer_center")
    before = db.session.scalar(select(func.count()).select_from(Question))
    good = formats.write([qdata()], "xlsx")
    response = upload(client, good[: len(good) // 2], "坏文件.xlsx")
    assert response.status_code == 422
    assert 'data-test="import-errors"' in response.text
    assert db.session.scalar(select(func.count()).select_from(Question)) == before


def test_an_exam_blueprint_must_total_100_points(demo, client):
    login(client, "reviewer_center")
    response = client.post(
        "/questions/blueprints/new",
        data={
            "name": "错误规则",
            "target": "principal",
            "purpose": "exam",
            "csrf_token": csrf_token(client, "/questions/blueprints/new"),
            "sections-0-type": "true_false",
            "sections-0-count": "10",
            "sections-0-points": "1",
        },
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).where(Blueprint.name == "错误规则")) == 0


def test_template_and_export_download(demo, client):
    login(client, "reviewer_center")
    template = client.get("/questions/import/template.xlsx")
    assert template.status_code == 200
    assert "attachment" in template.headers["Content-Disposition"]
    headers = [c.value for c in next(load_workbook(io.BytesIO(template.data)).active.iter_rows(max_row=1))]
    assert headers[:3] == ["题型", "题干", "选项A"] and "编号" in headers
    export = client.get("/questions/export?format=moodle-xml")
    assert export.status_code == 200 and export.data.lstrip().startswith(b"<?xml")
    assert client.get("/questions/export?format=docx").status_code == 400


def test_training_centers_never_see_the_exam_bank(demo, client):
    login(client, "center")
    assert client.get("/questions/").status_code == 403
    assert client.get("/questions/import").status_code == 403
