"""The file store full or read-only, for real: the user is told that storage is the cause (507
disk full, 503 unavailable, in Chinese), never a bare 500; nothing half-written stays behind."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from training_portal.core import storage

from ..recordings.test_recordings import classroom, staff_client, start
from .conftest import full_disk, read_only


def test_a_full_disk_is_a_507_that_says_so_and_leaves_no_part_file(demo, app):
    folder = Path(app.config["STORAGE_DIR"])
    client = staff_client(app)
    with full_disk(folder):
        upload_id = start(client, classroom(), 1 << 20).get_json()["id"]
        response = client.put(f"/api/recordings/uploads/{upload_id}?offset=0", data=b"v" * (256 * 1024))
        assert response.status_code == 507
        assert "存储空间已满" in response.get_json()["reason"]
        page = client.put(
            f"/api/recordings/uploads/{upload_id}?offset=0",
            data=b"v" * (256 * 1024),
            headers={"Accept": "text/html"},
        )
        assert page.status_code == 507
        with pytest.raises(OSError) as failed:
            storage.save("certificates", b"%PDF" + b"x" * (256 * 1024), ".pdf")
        assert failed.value.errno == errno.ENOSPC
        assert not list(folder.rglob("*.pdf.part")), "LocalStore.put left its .part file"
        # What the server holds is still what the page resumes from.
        assert client.get(f"/api/recordings/uploads/{upload_id}").get_json()["received"] == 0


def test_a_read_only_store_is_a_503_that_says_so(demo, app):
    client = staff_client(app)
    upload_id = start(client, classroom(), 1 << 20).get_json()["id"]
    with read_only(Path(app.config["STORAGE_DIR"])):
        response = client.put(f"/api/recordings/uploads/{upload_id}?offset=0", data=b"v" * 1000)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "文件存储暂时不可用" in response.get_json()["reason"]
    assert client.put(f"/api/recordings/uploads/{upload_id}?offset=0", data=b"v" * 1000).status_code == 200
