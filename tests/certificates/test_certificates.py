"""Issuing, serials, dates, 复审, revocation, verification, the PDF, batches and reminders."""

from __future__ import annotations

import subprocess
from datetime import date, datetime, timedelta

import cv2
import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from training_portal.accounts import operations as account_ops
from training_portal.certificates import operations as ops
from training_portal.certificates import tasks
from training_portal.certificates.models import Certificate, CertificateBatch, CertificateStatus
from training_portal.certificates.operations import rendering
from training_portal.core import audit, storage
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.core.i18n import local_today, local_zone
from training_portal.core.pdf import PortalFetcher, create_pdf
from training_portal.exams.models import ExamAttempt
from training_portal.notifications.models import Notification
from training_portal.people.categories import add_years
from training_portal.people.models import OperationType, PersonnelCategory
from training_portal.training.models import CourseKind

from ..conftest import csrf_token, login, png_bytes
from ..exams.conftest import candidate_user
from ..training.helpers import give_hours
from .conftest import certified

SPECIAL = PersonnelCategory.SPECIAL_OPERATOR


# ----------------------------------------------------------------------------- serials and dates


def test_serials_are_unique_and_carry_a_check_character(ctx):
    serials = [ops.next_serial(SPECIAL, date(2026, 5, 1)) for _ in range(50)]
    assert len(set(serials)) == 50 and serials[0] == "T26000001" + ops.check_character("T26000001")
    assert all(ops.is_valid_serial(s) for s in serials)
    for serial in serials[:10]:
        for position in range(1, 9):  # any single changed digit is caught
            digit = serial[position]
            typo = serial[:position] + str((int(digit) + 1) % 10) + serial[position + 1 :]
            assert not ops.is_valid_serial(typo)
        for position in range(1, 8):  # and any swap of two neighbouring digits
            swapped = serial[:position] + serial[position + 1] + serial[position] + serial[position + 2 :]
            assert swapped == serial or not ops.is_valid_serial(swapped)
    assert ops.next_serial(PersonnelCategory.SAFETY_MANAGER, date(2027, 1, 1)).startswith("S27000001")


def test_validity_and_review_dates_by_category(users):
    person = users["trainee"].person  # two years in the trade
    assert ops.dates_for(SPECIAL, person, date(2026, 3, 1)) == (date(2032, 2, 29), date(2029, 3, 1))
    assert ops.dates_for(PersonnelCategory.SAFETY_MANAGER, person, date(2026, 3, 1)) == (
        date(2029, 2, 28),
        None,
    )
    person.work_started_on = date(2010, 1, 1)  # ten clean years: 复审 every six years
    assert ops.dates_for(SPECIAL, person, date(2026, 3, 1)) == (date(2032, 2, 29), date(2032, 2, 29))
    ops.record_violation(person, date(2025, 1, 1), "违章作业", actor=users["regulator"])
    assert ops.dates_for(SPECIAL, person, date(2026, 3, 1))[1] == date(2029, 3, 1)


def test_a_passed_candidate_gets_exactly_one_certificate(users):
    certificate = certified(users)
    attempt = db.session.get(ExamAttempt, certificate.written_attempt_id)
    assert (certificate.category, certificate.operation_type) == (SPECIAL, OperationType.COAL_GAS_INSPECTION)
    assert certificate.issuer.review_unit.value == "business_dept"
    assert ops.issue_for(attempt) is certificate  # again: the same one
    duplicate = Certificate(
        serial="T99999999" + ops.check_character("T99999999"),
        person_id=certificate.person_id,
        category=SPECIAL,
        written_attempt_id=attempt.id,
        issuer_id=certificate.issuer_id,
        issued_on=local_today(),
        valid_until=local_today(),
        status=CertificateStatus.VALID,
    )
    # The unique result column refuses a second certificate.
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(duplicate)
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_no_certificate_without_the_practical_or_with_a_failed_one(users):
    from ..exams.conftest import passed_practical

    practical = passed_practical(users)
    attempt = db.session.get(ExamAttempt, practical.written_attempt_id)
    assert ops.issue_for(attempt) is None  # the practical is not decided yet
    from training_portal.exams import practical as practical_ops

    zero = [0.0 for _ in practical.rubric.items]
    for name in ("proctor_center", "proctor_dept"):
        practical_ops.score(practical, examiner=users[name], item_scores=zero)
    assert practical.passed is False and ops.issue_for(attempt) is None


def test_the_batch_job_issues_a_sitting_once_however_often_it_runs(app, users):
    certificate = certified(users)
    batch = db.session.get(CertificateBatch, certificate.batch_id)
    assert batch is not None
    db.session.commit()
    for _ in range(2):  # as a worker would, twice (a re-delivered message)
        assert tasks.issue_batch(batch.id) == {"batch": batch.id, "certificates": 1}
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Certificate.id))) == 1
    batch = db.session.get(CertificateBatch, batch.id)
    assert (batch.status, batch.issued, batch.total) == ("done", 1, 1)
    assert certificate.pdf_key is not None
    issued = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action == "certificate.issue")
    ).all()
    assert issued == ["certificate.issue"]


# ----------------------------------------------------------------------------- the PDF


def _first_page_image(pdf: bytes, tmp_path) -> np.ndarray:
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page")], check=True
    )
    return cv2.imread(str(tmp_path / "page.png"))


def test_the_pdf_embeds_a_cjk_font_carries_the_text_and_a_qr_to_the_verification_page(users, tmp_path):
    certificate = certified(users)
    pdf = ops.pdf_bytes(certificate)
    path = tmp_path / "cert.pdf"
    path.write_bytes(pdf)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    embedded = [line for line in fonts.splitlines()[2:] if "CJK" in line]
    assert embedded and all(" yes " in line for line in embedded)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert (
        certificate.person.name in text
        and certificate.serial in text
        and certificate.person.id_number in text
    )
    decoded, _points, _ = cv2.QRCodeDetector().detectAndDecode(_first_page_image(pdf, tmp_path))
    assert decoded == ops.verify_url(certificate.serial) and decoded.endswith(f"/verify/{certificate.serial}")


def test_the_fetcher_refuses_files_and_outside_urls(ctx, tmp_path):
    fetcher = PortalFetcher()
    for url in ("file:///etc/passwd", "http://example.com/x.png", "https://127.0.0.1/", "ftp://x/y"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain;base64,aGk=") is not None
    # The portal's own faces are served from memory, and only those it cut.
    for name in ("0" * 64, "../../etc/passwd", ""):
        with pytest.raises(ValueError):
            fetcher.fetch(f"portal-font:{name}")
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_bytes(size=(200, 200), color=(255, 0, 0)))
    from weasyprint import HTML

    pdf = HTML(string=f'<img src="file://{secret}">', url_fetcher=PortalFetcher()).write_pdf()
    assert b"/Subtype /Image" not in pdf  # the image was never read into the PDF


def test_a_rare_character_is_set_in_the_embedded_subset_not_the_system_face(users, tmp_path):
    """Names often have characters outside GB2312 (喆, 堃, 犇): they are cut into the batch's
    face with the rest, so the PDF embeds the same fonts as for a common name."""

    def fonts_and_text(name: str) -> tuple[list[str], str]:
        context = ops.sample_context(users["trainee"].person) | {"name": name}
        path = tmp_path / f"{len(name)}{ord(name[-1])}.pdf"
        path.write_bytes(create_pdf(ops.PDF_TEMPLATE, [context]))
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        return [line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:] if "CJK" in line], text

    common_fonts, _ = fonts_and_text("王伟")
    rare_fonts, text = fonts_and_text("王喆堃")
    assert "王喆堃" in text
    assert sorted(rare_fonts) == sorted(common_fonts) and common_fonts


def test_a_photo_missing_from_the_store_refuses_the_pdf_with_why_and_prints_nothing(users, client):
    """The holder's photo is on record but its file is gone (a lost disk, a store switched
    without copying): the certificate is not printed without it, and the page says why."""
    certificate = certified(users)
    person = certificate.person
    person.photo_key = storage.save("photos", png_bytes(), ".jpg")
    db.session.commit()
    (storage.store().root / person.photo_key).unlink()  # the local store of the tests
    login(client, "trainee" if users["trainee"].person_id == person.id else "admin")
    answer = client.get(f"/certificates/{certificate.id}.pdf")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 409 and "找不到该照片文件" in page and person.name in page
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).pdf_key is None


def test_pdf_templates_get_plain_values_only(users):
    with pytest.raises(TypeError):
        create_pdf(ops.PDF_TEMPLATE, [{"name": users["trainee"].person}])


# ----------------------------------------------------------------------------- life cycle


def test_a_regulator_suspends_reinstates_and_revokes_with_a_reason(users):
    certificate = certified(users)
    with pytest.raises(ops.CertificateError):
        ops.set_status(certificate, CertificateStatus.REVOKED, " ", actor=users["regulator"])
    ops.set_status(certificate, CertificateStatus.SUSPENDED, "涉嫌违章", actor=users["regulator"])
    ops.set_status(certificate, CertificateStatus.VALID, "核查无误", actor=users["regulator"])
    ops.set_status(certificate, CertificateStatus.REVOKED, "考试作弊", actor=users["regulator"])
    with pytest.raises(ops.CertificateError):
        ops.set_status(certificate, CertificateStatus.VALID, "恢复", actor=users["regulator"])
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.like("certificate.%")).order_by(AuditEntry.id)
    ).all()
    assert actions[-3:] == ["certificate.suspended", "certificate.valid", "certificate.revoked"]
    assert certificate.state(local_today()).value == "revoked"
    assert certificate.state(local_today() + timedelta(days=10000)).value == "revoked"


def test_expiry_comes_from_the_date(users):
    certificate = certified(users)
    assert certificate.state(certificate.next_review_on).value == "valid"
    assert certificate.state(certificate.next_review_on + timedelta(days=1)).value == "review_due"
    assert certificate.state(certificate.valid_until + timedelta(days=1)).value == "expired"


def _review_training(holder) -> None:
    """8 学时 of 复审 gas-inspection training, verified by video, three days ago."""
    starts_at = datetime.combine(local_today() - timedelta(days=3), datetime.min.time(), local_zone())
    give_hours(
        [holder],
        SPECIAL,
        80,
        kind=CourseKind.REVIEW,
        operation_type=OperationType.COAL_GAS_INSPECTION,
        starts_at=starts_at.replace(hour=8),
    )


def test_review_needs_the_window_the_hours_and_at_most_one_violation(users):
    certificate = certified(users)
    holder = certificate.person
    due = certificate.next_review_on
    with pytest.raises(ops.CertificateError, match=(due - timedelta(days=60)).isoformat()):
        ops.apply_for_review(certificate, actor=users["admin"], on=due - timedelta(days=61))
    with pytest.raises(ops.CertificateError):
        ops.apply_for_review(certificate, actor=users["admin"], on=due + timedelta(days=1))
    assert certificate.next_review_on == due and certificate.reviews == []
    on = due - timedelta(days=30)
    no_hours = ops.apply_for_review(certificate, actor=users["admin"], on=on)
    assert not no_hours.passed and not next(c for c in no_hours.checks if c["rule"] == "training_hours")["ok"]
    # 8 学时 of 复审 training, verified, just before applying; then two violations fail it.
    _review_training(holder)
    for _ in range(2):
        ops.record_violation(holder, certificate.issued_on, "违章", actor=users["regulator"])
    two = ops.apply_for_review(certificate, actor=users["admin"], on=max(on, local_today()))
    assert not two.passed and not next(c for c in two.checks if c["rule"] == "violations")["ok"]


def test_a_passed_review_moves_the_next_date(users):
    certificate = certified(users)
    holder = certificate.person
    due = certificate.next_review_on
    _review_training(holder)
    ops.record_violation(holder, certificate.issued_on, "违章", actor=users["regulator"])  # one is allowed
    certificate.next_review_on = due = local_today() + timedelta(days=20)  # its 复审 is due soon
    review = ops.apply_for_review(certificate, actor=users["admin"])
    assert review.passed, review.checks
    assert certificate.next_review_on == min(add_years(due, 3), certificate.valid_until)


# ----------------------------------------------------------------------------- verification


def test_the_public_page_shows_the_status_and_nothing_private(users, client):
    certificate = certified(users)
    holder = certificate.person
    holder.phone = "13800000000"
    db.session.commit()
    page = client.get(f"/verify/{certificate.serial}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert certificate.serial in html and holder.name in html and "有效" in html
    assert holder.id_number not in html and holder.id_number[-4:] in html  # masked
    assert holder.phone not in html and holder.employer.name not in html
    assert holder.birth_date.isoformat() not in html
    missing = client.get("/verify/T26999999X")
    assert missing.status_code == 404 and "T26999999X" in missing.get_data(as_text=True)
    ops.set_status(certificate, CertificateStatus.REVOKED, "考试作弊", actor=users["regulator"])
    db.session.commit()
    revoked = client.get(f"/verify/{certificate.serial}").get_data(as_text=True)
    assert "已吊销" in revoked or "Revoked" in revoked
    assert "考试作弊" not in revoked  # the reason is not public


def test_verification_is_rate_limited(app, users, client):
    from training_portal.certificates.views import limiter

    certificate = certified(users)
    db.session.commit()
    limiter.reset()
    try:
        codes = [client.get(f"/verify/{certificate.serial}").status_code for _ in range(31)]
        assert codes[:30] == [200] * 30 and codes[30] == 429
    finally:
        limiter.reset()


def test_the_record_api_lists_certificates(users, client):
    certificate = certified(users)
    db.session.commit()
    login(client, "regulator")
    body = client.get(f"/api/records/{certificate.person.id_number}").get_json()
    assert body["certificates"] == [
        {
            "id": certificate.id,
            "serial": certificate.serial,
            "category": "special_operator",
            "operation_type": "coal_gas_inspection",
            "status": "valid",
            "issued": certificate.issued_on.isoformat(),
            "valid_until": certificate.valid_until.isoformat(),
            "next_review": certificate.next_review_on.isoformat(),
            "issuer": certificate.issuer.name,
            "suspended_until": None,
        }
    ]


def test_reminders_at_60_and_30_days_go_once_each(users):
    certificate = certified(users)
    user = candidate_user(certificate.person)
    due = certificate.next_review_on
    db.session.commit()
    assert tasks.send_reminders((due - timedelta(days=61)).isoformat()) == {}
    assert tasks.send_reminders((due - timedelta(days=60)).isoformat()) == {"certificate_review": 1}
    assert tasks.send_reminders((due - timedelta(days=45)).isoformat()) == {}
    assert tasks.send_reminders((due - timedelta(days=30)).isoformat()) == {"certificate_review": 1}
    assert tasks.send_reminders((due - timedelta(days=29)).isoformat()) == {}
    keys = db.session.scalars(
        select(Notification.key).where(
            Notification.user_id == user.id, Notification.kind == "certificate_review"
        )  # the holder was also told of the result and the certificate
    ).all()
    assert len(keys) == 2


@pytest.mark.parametrize("how", ["revoke", "deactivate", "not_a_regulator"])
def test_only_a_regulator_covering_the_holder_now_changes_a_certificate(users, how):
    certificate = certified(users)
    actor = users["regulator"]
    if how == "revoke":
        for assignment in list(actor.assignments):
            account_ops.revoke_role(assignment, actor=users["admin"])
    elif how == "deactivate":
        account_ops.set_active(actor, False, actor=users["admin"])
    else:
        actor = users["mine_officer"]  # the holder's employer, yet no regulator
    db.session.commit()
    entries = audit.entry_count()
    for status in (CertificateStatus.SUSPENDED, CertificateStatus.REVOKED):
        with pytest.raises(ops.CertificateError):
            ops.set_status(certificate, status, "考试作弊", actor=actor)
    db.session.flush()
    db.session.expire_all()
    assert audit.entry_count() == entries
    assert certificate.status is CertificateStatus.VALID and certificate.status_changed_at is None


def test_a_failed_render_marks_the_batch_failed_and_a_retry_completes_it(app, users, client, monkeypatch):
    certificate = certified(users)
    batch_id = certificate.batch_id
    db.session.commit()

    def broken(*_args, **_kwargs):
        raise RuntimeError("font missing")

    monkeypatch.setattr(rendering, "create_pdf", broken)
    assert tasks.issue_batch(batch_id) == {"batch": batch_id, "failed": "font missing"}
    db.session.expire_all()
    batch = db.session.get(CertificateBatch, batch_id)
    assert (batch.status, batch.failure) == ("failed", "RuntimeError: font missing")
    assert db.session.get(Certificate, certificate.id).pdf_key is None

    login(client, "admin")
    page = client.get(f"/certificates/batches/{batch_id}").get_data(as_text=True)
    assert "RuntimeError: font missing" in page and "失败" in page and ">failed<" not in page
    monkeypatch.undo()
    assert (
        client.post(
            f"/certificates/batches/{batch_id}/retry",
            data={"csrf_token": csrf_token(client, f"/certificates/batches/{batch_id}")},
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(CertificateBatch, batch_id).status == "queued"
    assert tasks.issue_batch(batch_id) == {"batch": batch_id, "certificates": 1}  # the queued job
    db.session.expire_all()
    batch = db.session.get(CertificateBatch, batch_id)
    assert (batch.status, batch.failure, batch.issued) == ("done", "", 1)
    assert db.session.get(Certificate, certificate.id).pdf_key is not None
    assert (
        client.post(
            f"/certificates/batches/{batch_id}/retry",
            data={"csrf_token": csrf_token(client, f"/certificates/batches/{batch_id}")},
        ).status_code
        == 409
    )
