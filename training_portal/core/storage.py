"""Files the portal keeps (photos, uploads, PDFs): outside the web root, under generated names.

A key is ``<area>/<random hex><suffix>``; nothing a user sends ever becomes part of a path.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from flask import current_app

_KEY = re.compile(r"^[a-z_]+/[0-9a-f]{32}\.[a-z0-9]{2,5}$")


def _root() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def path_for(key: str) -> Path:
    if not _KEY.match(key):
        raise ValueError(f"not a storage key: {key!r}")
    return _root() / key


def save(area: str, data: bytes, suffix: str) -> str:
    key = f"{area}/{secrets.token_hex(16)}{suffix}"
    path = path_for(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)  # readers never see half a file
    return key


def delete(key: str) -> None:
    path_for(key).unlink(missing_ok=True)


class FileRefused(ValueError):
    """An uploaded file refused by its content; ``reason`` is what to show."""

    def __init__(self, reason) -> None:
        super().__init__(str(reason))
        self.reason = reason


EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
_EVIDENCE_KINDS = {b"%PDF-": ".pdf", b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}


def save_evidence(area: str, data: bytes) -> str:
    """Store a PDF, JPEG or PNG up to 10 MB, recognised by its content, never by its name."""
    from flask_babel import lazy_gettext as _l

    if not data:
        raise FileRefused(_l("The file is empty."))
    if len(data) > EVIDENCE_MAX_BYTES:
        raise FileRefused(_l("The file is larger than 10 MB."))
    suffix = next((s for magic, s in _EVIDENCE_KINDS.items() if data.startswith(magic)), None)
    if suffix is None:
        raise FileRefused(_l("Evidence must be a PDF, JPEG or PNG file."))
    return save(area, data, suffix)
