"""Evidence files of an application, accepted by their content, never by their name."""

from __future__ import annotations

from ..core import storage
from ..core.errors import DomainError

MAX_BYTES = storage.EVIDENCE_MAX_BYTES
MEDIA = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}


class EvidenceError(DomainError):
    """An uploaded evidence file refused (type, size)."""


def store(data: bytes) -> str:
    try:
        return storage.save_evidence("evidence", data)
    except storage.FileRefused as exc:
        raise EvidenceError(str(exc.reason)) from exc


def media_type(key: str) -> str:
    return MEDIA[key[key.rindex(".") :]]
