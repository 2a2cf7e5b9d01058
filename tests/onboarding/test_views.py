"""The administrator's onboarding pages and the public activation page."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories as make
from tests.conftest import csrf_token, login
from training_portal.accounts.models import LoginAttempt, User
from training_portal.core.db import db
from training_portal.core.permissions import Role
from training_portal.onboarding import activation
from training_portal.onboarding.models import ImportRun
from training_portal.onboarding.operations import PEOPLE_COLUMNS
from training_portal.organisations.models import Region
from training_portal.people.models import Person

from .helpers import people_file, regions_file


@pytest.fixture()
def admin_client(ctx):
    make.user(Role.ADMIN, username="onboard_admin")
    db.session.commit()
    client = ctx.test_client()
    assert login(client, "onboard_admin", make.PASSWORD).status_code == 302
    return client


def _upload(client, kind: str, data: bytes, name: str = "file.xlsx"):
    return client.post(
        "/admin/onboarding/import",
        data={
            "kind": kind,
            "file": (io.BytesIO(data), name),
            "csrf_token": csrf_token(client, "/admin/onboarding/"),
        },
        content_type="multipart/form-data",
    )


def test_upload_shows_the_result_or_every_row_error(admin_client):
    bad = _upload(
        admin_client, "region_file", regions_file([("990000", "测试省", "", ""), ("12", "", "", "")])
    )
    assert bad.status_code == 422
    assert "第 3 行" in bad.text and "六位" in bad.text and "名称" in bad.text
    assert db.session.scalar(select(Region)) is None
    good = _upload(admin_client, "region_file", regions_file([("990000", "测试省", "", "")]), "省.xlsx")
    assert good.status_code == 302
    page = admin_client.get(good.headers["Location"])
    assert page.status_code == 200 and "省.xlsx" in page.text
    assert db.session.scalar(select(ImportRun.filename)) == "省.xlsx"


def test_templates_download_with_chinese_headers(admin_client):
    response = admin_client.get("/admin/onboarding/templates/people_file.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert tuple(c.value for c in sheet[1]) == PEOPLE_COLUMNS
    assert admin_client.get("/admin/onboarding/templates/nothing.xlsx").status_code == 404


def test_issue_for_a_whole_import_gives_the_sheet_pdf(admin_client):
    numbers = [make.id_number(), make.id_number()]
    db.session.commit()
    data = people_file([("甲", numbers[0]), ("乙", numbers[1])])
    response = _upload(admin_client, "people_file", data)
    assert response.status_code == 302
    run_page = admin_client.get(response.headers["Location"])
    assert "甲" in run_page.text and "乙" in run_page.text
    run_id = db.session.scalar(select(ImportRun.id))
    pdf = admin_client.post(
        "/admin/onboarding/accounts",
        data={
            "run_id": run_id,
            "csrf_token": csrf_token(admin_client, f"/admin/onboarding/imports/{run_id}"),
        },
    )
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    users = db.session.scalars(select(User).where(User.username.in_(numbers))).all()
    assert len(users) == 2 and all(activation.is_pending(u) for u in users)


def test_issue_for_people_ticked_and_nobody_ticked(admin_client):
    chosen, other = make.person("张选中"), make.person("李未选")
    db.session.commit()
    listing = admin_client.get("/admin/onboarding/accounts")
    assert "张选中" in listing.text and "李未选" in listing.text
    token = csrf_token(admin_client, "/admin/onboarding/accounts")
    assert admin_client.post("/admin/onboarding/accounts", data={"csrf_token": token}).status_code == 422
    response = admin_client.post(
        "/admin/onboarding/accounts", data={"person_ids": [chosen.id], "csrf_token": token}
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert db.session.scalar(select(User.username).where(User.person_id == chosen.id)) == chosen.id_number
    assert db.session.scalar(select(User).where(User.person_id == other.id)) is None


def test_activation_page(ctx):
    person = make.person()
    (issued,), _ = activation.issue_accounts([person], actor=make.admin())
    db.session.commit()
    client = ctx.test_client()
    form = {
        "username": person.id_number,
        "code": "2222-3333-4444",
        "password": "my-own-password-1",
        "confirm": "my-own-password-1",
        "csrf_token": csrf_token(client, "/accounts/activate"),
    }
    wrong = client.post("/accounts/activate", data=form)
    assert wrong.status_code == 422 and "激活码" in wrong.text
    # the failed attempt is kept for the throttle although the answer is a refusal
    assert (
        db.session.scalar(select(LoginAttempt.succeeded).where(LoginAttempt.username == person.id_number))
        is False
    )
    done = client.post("/accounts/activate", data=form | {"code": issued.code})
    assert done.status_code == 200 and 'data-test="activated"' in done.text
    assert login(client, person.id_number, "my-own-password-1").status_code == 302
    again = ctx.test_client()
    used = again.post(
        "/accounts/activate",
        data=form | {"code": issued.code, "csrf_token": csrf_token(again, "/accounts/activate")},
    )
    assert used.status_code == 422 and re.search("已使用|used", used.text)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/onboarding/"),
        ("POST", "/admin/onboarding/import"),
        ("GET", "/admin/onboarding/templates/region_file.xlsx"),
        ("GET", "/admin/onboarding/imports/1"),
        ("GET", "/admin/onboarding/accounts"),
        ("POST", "/admin/onboarding/accounts"),
    ],
)
def test_not_for_anyone_but_administrators(ctx, method, path):
    officer = make.user(Role.MINE_OFFICER, Role.REGULATOR)
    db.session.add(ImportRun(kind="people_file", person_ids=[]))
    db.session.commit()
    client = ctx.test_client()
    assert login(client, officer.username, make.PASSWORD).status_code == 302
    ctx.config["WTF_CSRF_ENABLED"] = False
    try:
        assert client.open(path, method=method).status_code == 403
    finally:
        ctx.config["WTF_CSRF_ENABLED"] = True
    assert db.session.scalar(select(Person)) is None
