"""Files the portal keeps (photos, uploads, PDFs, recordings): outside the web root, under
generated names, on local disk by default or in an S3-compatible object store by configuration
(``STORAGE_BACKEND=s3``, ``STORAGE_S3_BUCKET``, ``STORAGE_S3_ENDPOINT_URL`` for MinIO, Ceph and
the like; credentials the standard way, e.g. ``AWS_ACCESS_KEY_ID``).

A key is ``<area>/<random hex><suffix>``; nothing a user sends ever becomes part of a key. The
rest of the portal asks this module for bytes (``read``), for a local file while it works on one
(``local_copy``: OpenCV and FFmpeg read files) and for a response (``send``); it never builds a
path itself. Chunked uploads in progress are staged on local disk (``staging_path``) and stored
whole once they check out.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app, send_file
from sqlalchemy import event
from sqlalchemy.orm import Session

from .db import db

logger = logging.getLogger(__name__)
_KEY = re.compile(r"^[a-z_]+/[0-9a-f]{32}\.[a-z0-9]{2,5}$")
# Records the portal names itself: the audit trail's anchors (each named by its time) and status.
_NAMED = re.compile(r"^audit_[a-z]+/[0-9A-Za-z_-]{1,64}\.json$")


def _checked(key: str) -> str:
    if not isinstance(key, str) or not (_KEY.match(key) or _NAMED.match(key)):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def _root() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


class LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".part")
        try:
            tmp.write_bytes(data)
            tmp.replace(path)  # readers never see half a file
        except BaseException:  # disk full, read-only: no half file left behind either
            tmp.unlink(missing_ok=True)
            raise

    def put_file(self, key: str, source: Path) -> bool:
        """Move ``source`` into the store; True: it was moved (see ``move_back``)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, path)
        return True

    def move_back(self, key: str, source: Path) -> None:
        """Undo ``put_file``: the file goes back where it came from."""
        source.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(self._path(key), source)

    def put_new(self, key: str, data: bytes) -> None:
        """Write a file that must not exist yet (FileExistsError if it does)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as f:
            f.write(data)

    def keys(self, area: str) -> list[str]:
        folder = self.root / area
        return (
            sorted(
                f"{area}/{p.name}"
                for p in folder.glob("*")
                if p.is_file() and _NAMED.match(f"{area}/{p.name}")
            )
            if folder.is_dir()
            else []
        )

    def files(self) -> Iterator[tuple[str, float]]:
        """Every file under a generated key, and ``.part`` files, with their modification time."""
        if not self.root.is_dir():
            return
        for area in self.root.iterdir():
            if not area.is_dir() or area.name == "staging" or not re.fullmatch(r"[a-z_]+", area.name):
                continue
            for path in area.iterdir():
                name = f"{area.name}/{path.name}"
                if path.is_file() and (_KEY.match(name) or name.endswith(".part")):
                    try:
                        yield name, path.stat().st_mtime
                    except FileNotFoundError:
                        continue

    def remove(self, name: str) -> None:
        """Delete what ``files`` listed (a key or a ``.part`` file)."""
        if not (_KEY.match(name) or re.fullmatch(r"[a-z_]+/[0-9a-f]{32}\.[a-z0-9]{2,5}\.part", name)):
            raise ValueError(f"not a stored file: {name!r}")
        (self.root / name).unlink(missing_ok=True)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        yield self._path(key)

    def send(self, key: str, **kwargs):
        return send_file(self._path(key), **kwargs)


class S3Store:
    """An S3-compatible bucket. Large files go up in parts (boto3's transfer manager)."""

    def __init__(self, bucket: str, client) -> None:
        self.bucket, self.client = bucket, client

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=_checked(key), Body=data)

    def put_file(self, key: str, source: Path) -> bool:
        """Upload a copy; False: ``source`` stays until the transaction commits."""
        self.client.upload_file(str(source), self.bucket, _checked(key))
        return False

    def put_new(self, key: str, data: bytes) -> None:
        """Write an object that must not exist yet: a conditional PUT, refused (412) if it does."""
        self.client.put_object(Bucket=self.bucket, Key=_checked(key), Body=data, IfNoneMatch="*")

    def keys(self, area: str) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=f"{area}/")
        return sorted(
            item["Key"] for page in pages for item in page.get("Contents", []) if _NAMED.match(item["Key"])
        )

    def files(self) -> Iterator[tuple[str, float]]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for item in page.get("Contents", []):
                if _KEY.match(item["Key"]):
                    yield item["Key"], item["LastModified"].timestamp()

    def remove(self, name: str) -> None:
        self.delete(name)

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=_checked(key))["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=_checked(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=_checked(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="portal-") as folder:
            path = Path(folder) / Path(_checked(key)).name
            self.client.download_file(self.bucket, key, str(path))
            yield path

    def send(self, key: str, **kwargs):
        return send_file(io.BytesIO(self.get(key)), **kwargs)


def _s3_client(config):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=config.get("STORAGE_S3_ENDPOINT_URL") or None,
        region_name=config.get("STORAGE_S3_REGION") or None,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"}),
    )


def store():
    """The configured store, made once per app."""
    app = current_app
    found = app.extensions.get("storage")
    if found is None:
        if app.config.get("STORAGE_BACKEND", "local") == "s3":
            found = S3Store(app.config["STORAGE_S3_BUCKET"], _s3_client(app.config))
        else:
            found = LocalStore(_root())
        app.extensions["storage"] = found
    return found


def _new_key(area: str, suffix: str) -> str:
    return _checked(f"{area}/{secrets.token_hex(16)}{suffix}")


def save(area: str, data: bytes, suffix: str) -> str:
    key = _new_key(area, suffix)
    store().put(key, data)
    _pending("written", key)
    return key


def save_file(area: str, source: Path, suffix: str) -> str:
    """Store a (large) local file, which is moved away; return its key. The file existed before
    the transaction (an upload's staged bytes): if the transaction rolls back it is put back
    where it was, never deleted, so the same request can be sent again."""
    key = _new_key(area, suffix)
    moved = store().put_file(key, source)
    _pending("moved" if moved else "copied", (key, source))
    return key


class Missing(LookupError):
    """A key the database holds whose file is not in the store (lost, or never copied over)."""


def read(key: str) -> bytes:
    """The stored file's bytes; ``Missing`` when the store has no such file."""
    try:
        return store().get(key)
    except FileNotFoundError as exc:
        raise Missing(key) from exc
    except Exception as exc:  # the bucket's "no such key", without importing botocore here
        if getattr(exc, "response", {}).get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            raise Missing(key) from exc
        raise


def delete(key: str) -> None:
    """Delete the file once the transaction that no longer needs it commits."""
    _pending("doomed", key)


# Files follow the database transaction of the request or task that stored them: a file
# stored by a transaction that rolls back is deleted, and a file deleted by one is deleted
# only when it commits (until then, rows that may yet be restored still point to it). A file
# that existed before the transaction and was moved into the store goes back where it was
# (kept as a copy until the commit, on a store that copies).


def _pending(kind: str, item) -> None:
    session = db.session()
    if not session.in_transaction():  # the file opens the transaction it belongs to
        session.begin()
    waiting = session.info.setdefault("storage", {"written": [], "doomed": [], "moved": [], "copied": []})
    waiting[kind].append((store(), item))


def _undo(where, kind: str, item) -> None:
    if kind == "written":
        where.delete(item)
    elif kind == "moved":
        where.move_back(*item)
    elif kind == "copied":
        where.delete(item[0])


def _settle(session, committed: bool) -> None:
    """The transaction ended: after a commit delete the doomed files and the sources of copies;
    after a rollback undo what it stored. Then forget the rest."""
    waiting = session.info.pop("storage", None) or {}
    if committed:
        steps = [(w, "written", key) for w, key in waiting.get("doomed", [])]
        steps += [(w, "source", item) for w, item in waiting.get("copied", [])]
    else:
        steps = [
            (w, kind, item) for kind in ("written", "moved", "copied") for w, item in waiting.get(kind, [])
        ]
    for where, kind, item in steps:
        try:
            if kind == "source":
                item[1].unlink(missing_ok=True)
            else:
                _undo(where, kind, item)
        except Exception:  # a file left behind is logged, never a failed request
            logger.exception("could not settle stored file %s (%s)", item, kind)


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if not session.in_nested_transaction():  # a savepoint's commit decides nothing yet
        _settle(session, committed=True)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        _settle(session, committed=False)


def exists(key: str) -> bool:
    return store().exists(key)


def referenced_keys() -> set[str]:
    """Every stored file a row names. By convention a row names a file in a text column whose
    name ends in ``_key`` (``pdf_key``, ``photo_key``, ``storage_key``…) or in a JSON column
    named ``evidence`` (an application's files by kind); a new kind of reference must follow it,
    or ``sweep_orphans`` would take its files for orphans."""
    from sqlalchemy import JSON, String, select

    found: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, str):
            if _KEY.match(value):
                found.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if (isinstance(column.type, String) and column.name.endswith("_key")) or (
                isinstance(column.type, JSON) and column.name == "evidence"
            ):
                for value in db.session.scalars(select(column).where(column.is_not(None))):
                    walk(value)
    return found


def sweep_orphans(older_than_s: float) -> int:
    """Delete stored files no row names and ``.part`` files, once older than ``older_than_s``
    (longer than any job runs): what a killed worker or a failed write left behind. Return how
    many were deleted."""
    import time

    cutoff = time.time() - older_than_s
    old = [name for name, modified in store().files() if modified < cutoff]
    if not old:
        return 0
    keep = referenced_keys()
    gone = 0
    for name in old:
        if name not in keep:
            store().remove(name)
            logger.warning("deleted orphaned file %s", name)
            gone += 1
    return gone


def put_named(key: str, data: bytes, *, replace: bool) -> None:
    """Write a record the portal names itself (``<area>/<name>.json``), at once and outside
    any transaction: with ``replace=False`` an existing one is never overwritten."""
    if replace:
        store().put(_checked(key), data)
    else:
        store().put_new(_checked(key), data)


def keys(area: str) -> list[str]:
    """The named records of ``area``, in name order."""
    return store().keys(area)


def local_copy(key: str):
    """A context manager giving a local file with the stored bytes, for code that reads files."""
    return store().local_copy(key)


def send(key: str, **kwargs):
    """A response with the stored file; ``kwargs`` as for Flask's ``send_file``."""
    return store().send(key, **kwargs)


def suffix_of(key: str) -> str:
    return Path(_checked(key)).suffix


def staging_path(name: str) -> Path:
    """A local file for an upload in progress (``name`` is generated, never the user's)."""
    path = _root() / "staging" / Path(_checked(f"uploads/{name}")).name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def staging_folder(name: str) -> Path:
    """A local folder beside the staged uploads for work that collects files over time (a live
    camera's samples of one lesson); ``name`` is generated, letters, digits and dashes."""
    if not re.fullmatch(r"[a-z0-9-]{1,80}", name):
        raise ValueError(f"not a staging folder name: {name!r}")
    path = _root() / "staging" / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def staging_folders(prefix: str) -> list[Path]:
    folder = _root() / "staging"
    return sorted(p for p in folder.glob(f"{prefix}*") if p.is_dir()) if folder.is_dir() else []


def staging_files() -> list[Path]:
    """Every file staged for an upload, for the job that clears abandoned ones."""
    folder = _root() / "staging"
    return sorted(folder.glob("*.part")) if folder.is_dir() else []


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
