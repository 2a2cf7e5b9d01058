"""The certificate PDF: its template context, its rendering and storage, the public verification link."""

from __future__ import annotations

import base64

import segno
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from ...core import storage
from ...core.db import db
from ...core.errors import CONFLICT
from ...core.pdf import create_pdf
from ...organisations.models import Organisation
from ...people.idcard import mask
from ...people.models import OperationType, Person, PersonnelCategory
from ..models import (
    Certificate,
    CertificateStatus,
)
from ._base import PDF_TEMPLATE, CertificateError, certified, today
from .serials import check_character, dates_for


def verify_url(serial: str) -> str:
    base = current_app.config.get("PORTAL_URL") or "http://localhost:5000"
    return f"{base.rstrip('/')}/verify/{serial}"


def _data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def pdf_context(certificate: Certificate) -> dict:
    """Plain values only: what the certificate says, its photo and QR code inlined."""
    person = certificate.person
    photo = None
    if person.photo_key:
        try:
            photo = _data_url("image/jpeg", storage.read(person.photo_key))
        except storage.Missing:  # never a certificate without the photo its holder has on record
            raise CertificateError(
                _(
                    "The photo of %(name)s is on record but its file is missing from the file store; "
                    "upload the photo again, then print the certificate.",
                    name=person.name,
                ),
                status=CONFLICT,
            ) from None
    url = verify_url(certificate.serial)
    kind = certified(certificate.category)
    return {
        "serial": certificate.serial,
        "name": person.name,
        "gender": person.gender.label,
        "id_number": person.id_number,
        "birth_date": person.birth_date.isoformat(),
        "category": certificate.category.label,
        "subject": certificate.subject_label,
        "issuer": certificate.issuer.name,
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "next_review_on": certificate.next_review_on.isoformat() if certificate.next_review_on else "",
        "photo": photo,
        "qr": segno.make(url, error="m").png_data_uri(scale=6, border=2),
        "verify_url": url,
        "title": kind.certificate_title,
        "subject_heading": kind.subject_heading,
    }


def sample_context(person: Person) -> dict:
    """The certificate a person would get, for ``flask certificates sample`` (nothing issued)."""
    issued_on = today()
    valid_until, next_review = dates_for(PersonnelCategory.SPECIAL_OPERATOR, person, issued_on)
    sample = Certificate(
        serial=f"{certified(PersonnelCategory.SPECIAL_OPERATOR).serial_prefix}{issued_on:%y}000000",
        person=person,
        category=PersonnelCategory.SPECIAL_OPERATOR,
        operation_type=OperationType.COAL_GAS_INSPECTION,
        issuer=db.session.scalars(select(Organisation).order_by(Organisation.id)).first(),
        issued_on=issued_on,
        valid_until=valid_until,
        next_review_on=next_review,
        status=CertificateStatus.VALID,
    )
    sample.serial += check_character(sample.serial)
    return pdf_context(sample)


def ensure_pdfs(certificates: list[Certificate]) -> None:
    """Render (together) and store the PDFs of those that have none yet."""
    missing = [c for c in certificates if c.pdf_key is None]
    if not missing:
        return
    pdfs = create_pdf(PDF_TEMPLATE, [pdf_context(c) for c in missing], separate=True)
    for certificate, data in zip(missing, pdfs, strict=True):
        certificate.pdf_key = storage.save("certificates", data, ".pdf")
    db.session.flush()


def pdf_bytes(certificate: Certificate) -> bytes:
    ensure_pdfs([certificate])
    return storage.read(certificate.pdf_key)


def masked_id(certificate: Certificate) -> str:
    return mask(certificate.person.id_number)
