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
