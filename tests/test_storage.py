"""Where files live: local disk by default, an S3-compatible bucket by configuration. The same
operations on both stores; and on a bucket (moto's S3 server, over HTTP), a recording uploaded
in chunks is stored there whole, analysed from there, and its evidence frames and a
certificate's PDF are served from there, with nothing left on the web server's disk."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from proctoring.tasks import analyse_recording
from training_portal.core import storage
from training_portal.core.db import db
from training_portal.demo import photos
from training_portal.people import operations as people_ops

from .certificates.conftest import certified
from .exams.conftest import users_by_name
from .recordings.test_recordings import classroom, send, staff_client, start, video  # noqa: F401

pytestmark = pytest.mark.one_backend


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture()
def s3(app, s3_endpoint, monkeypatch):
    """The app stores into a bucket of its own for the length of the test."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "portal")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "portal-secret")
    bucket = f"portal-{uuid.uuid4().hex[:8]}"
    keys = ("STORAGE_BACKEND", "STORAGE_S3_BUCKET", "STORAGE_S3_ENDPOINT_URL", "STORAGE_S3_REGION")
    before = {k: app.config[k] for k in keys}
    app.config.update(
        STORAGE_BACKEND="s3",
        STORAGE_S3_BUCKET=bucket,
        STORAGE_S3_ENDPOINT_URL=s3_endpoint,
        STORAGE_S3_REGION="us-east-1",
    )
    app.extensions.pop("storage", None)
    with app.app_context():
        client = storage.store().client
    client.create_bucket(Bucket=bucket)

    def objects() -> set[str]:
        return {o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])}

    yield objects
    app.config.update(before)
    app.extensions.pop("storage", None)


def _disk_files(app) -> set[Path]:
    return {p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()}


@pytest.fixture(params=["local", "s3"])
def backend(request, ctx) -> str:
    """The app's store: its local directory, or a bucket on moto's S3 server."""
    if request.param == "s3":
        request.getfixturevalue("s3")
        ctx.extensions.pop("storage", None)
    return request.param


def test_each_store_saves_reads_copies_sends_and_deletes(ctx, backend):
    key = storage.save("photos", b"\xff\xd8\xff\xe0 a photo", ".jpg")
    assert storage.exists(key) and storage.read(key) == b"\xff\xd8\xff\xe0 a photo"
    with storage.local_copy(key) as path:
        assert path.read_bytes() == storage.read(key)
    with ctx.test_request_context():
        response = storage.send(key, mimetype="image/jpeg")
        response.direct_passthrough = False
        assert response.get_data() == b"\xff\xd8\xff\xe0 a photo"
    db.session.commit()
    storage.delete(key)
    assert storage.exists(key)  # until the transaction that deletes it commits
    db.session.commit()
    assert not storage.exists(key)
    for bad in ("../etc/passwd", "photos/x.jpg", "photos/" + "0" * 32 + ".jpg/../../x"):
        with pytest.raises(ValueError):
            storage.read(bad)


def test_files_follow_the_transaction(ctx, backend):
    """A file stored by a transaction that rolls back is gone; a file deleted by one is kept."""
    kept = storage.save("photos", b"kept", ".jpg")
    db.session.commit()
    dropped = storage.save("photos", b"dropped", ".jpg")
    storage.delete(kept)
    db.session.rollback()
    assert storage.exists(kept) and not storage.exists(dropped)
    with db.session.begin_nested():  # a savepoint that commits: the outer transaction decides
        inner = storage.save("photos", b"inner", ".jpg")
    assert storage.exists(inner)
    db.session.rollback()
    assert not storage.exists(inner)


def test_recordings_evidence_and_certificates_live_in_the_bucket(s3, demo, app, video):  # noqa: F811
    on_disk = _disk_files(app)  # other tests' files: the local store is shared
    client = staff_client(app)
    upload_id = start(client, classroom(), len(video)).get_json()["id"]
    send(client, upload_id, video)
    done = client.post(f"/api/recordings/uploads/{upload_id}/complete")
    assert done.status_code == 200, done.get_json()
    from proctoring.models import Recording

    recording = db.session.get(Recording, done.get_json()["recording"])
    assert recording.storage_key in s3()
    assert _disk_files(app) == on_disk  # the chunks went up whole and left nothing behind
    assert storage.read(recording.storage_key) == video

    analyse_recording.run(recording.id, 8)  # the job's body, here: it reads the bucket
    db.session.commit()
    event = next(e for e in recording.events if e.evidence_key)
    assert event.kind == "covered" and event.evidence_key in s3()
    frame = client.get(f"/recordings/events/{event.id}/evidence.jpg")
    assert frame.status_code == 200 and frame.data == storage.read(event.evidence_key)

    users = users_by_name()
    certificate = certified(users)
    # The demo's photos went to the local store when the session's demo was seeded, before this
    # test switched to the bucket (moving a store's files is the operator's, not the portal's):
    # the holder's photo goes into the bucket, as a photo set after the switch does.
    people_ops.set_photo(certificate.person, photos.named("obama2"), actor=users["admin"])
    db.session.commit()
    assert certificate.person.photo_key in s3()
    login_client = app.test_client()
    from .conftest import login

    login(login_client, "regulator")
    pdf = login_client.get(f"/certificates/{certificate.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    db.session.refresh(certificate)
    assert certificate.pdf_key in s3()
    assert _disk_files(app) == on_disk
