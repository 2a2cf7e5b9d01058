"""Evidence files of an application, accepted by their content, never by their name."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core import storage

MAX_BYTES = 10 * 1024 * 1024
KINDS = {b"%PDF-": ".pdf", b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}
MEDIA = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}


class EvidenceError(ValueError):
    pass


def store(data: bytes) -> str:
    if not data:
        raise EvidenceError(_l("The file is empty."))
    if len(data) > MAX_BYTES:
        raise EvidenceError(_l("The file is larger than 10 MB."))
    suffix = next((s for magic, s in KINDS.items() if data.startswith(magic)), None)
    if suffix is None:
        raise EvidenceError(_l("Evidence must be a PDF, JPEG or PNG file."))
    return storage.save("evidence", data, suffix)


def media_type(key: str) -> str:
    return MEDIA[key[key.rindex("."):]]
