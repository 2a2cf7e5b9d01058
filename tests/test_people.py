"""People: the record API, the record pages, creating and editing with a photo."""

from sqlalchemy import func, select

from training_portal.core import storage
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db
from training_portal.people.models import Person

from .conftest import csrf_token, login, png_bytes
from .test_idcard import make_number

NEW_NUMBER = make_number("22010019900215003")


def test_record_api_for_a_regulator(demo, client, user_named):
    trainee = user_named("trainee").person
    login(client, "regulator")
    response = client.get(f"/api/records/{trainee.id_number}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id_number"] == trainee.id_number and body["name"] == trainee.name
    assert body["employer"]["name"] == "龙嘉堡煤矿"
    assert [p["post"] for p in body["posts"]] == ["special_operator"]
    assert body["posts"][0]["operation_type"] == "coal_gas_inspection"


def test_record_api_unknown_number_is_404_and_outside_jurisdiction_403(demo, client, user_named):
    login(client, "regulator_jiutai")
    assert client.get(f"/api/records/{NEW_NUMBER}").status_code == 404
    assert client.get("/api/records/not-a-number").status_code == 404
    outside = db.session.scalar(
        select(Person)
        .where(Person.name.isnot(None))
        .join(Person.employer)
        .where(Person.employer.has(name="珲矿集团八连城煤矿"))
    )
    response = client.get(f"/api/records/{outside.id_number}")
    assert response.status_code == 403
    assert response.get_json()["reason"]
    inside = user_named("trainee").person
    assert client.get(f"/api/records/{inside.id_number}").status_code == 200


def test_record_api_for_the_person_themself_and_others(demo, client, user_named):
    login(client, "trainee")
    me = client.get("/api/records/me")
    assert me.status_code == 200
    own_number = me.get_json()["id_number"]
    assert client.get(f"/api/records/{own_number}").status_code == 200
    assert client.get(f"/api/records/{own_number.lower()}").status_code == 200
    other = user_named("mine_officer").person.id_number
    assert client.get(f"/api/records/{other}").status_code == 403


def test_record_api_needs_a_login(demo, client, user_named):
    response = client.get("/api/records/me")
    assert response.status_code == 401
    assert response.get_json()["error"] == 401


def test_record_page_shows_identity_and_posts(demo, client, user_named):
    login(client, "mine_officer")
    trainee = user_named("trainee").person
    page = client.get(f"/people/{trainee.id}")
    assert page.status_code == 200
    assert trainee.name in page.text and trainee.id_number in page.text


def test_search_finds_by_partial_name_and_by_number_within_scope(demo, client, user_named):
    trainee = user_named("trainee").person
    login(client, "regulator_jiutai")
    by_name = client.get("/people/", query_string={"q": trainee.name[1:]})
    assert trainee.name in by_name.text
    by_number = client.get("/people/", query_string={"q": trainee.id_number})
    assert trainee.name in by_number.text
    baliancheng = client.get("/people/", query_string={"q": "八连城"})  # nobody matches by that name
    assert "珲矿集团八连城" not in baliancheng.text


def _person_form(client, **fields):
    data = {
        "id_number": NEW_NUMBER,
        "name": "测试人",
        "education": "college",
        "education_field": "采矿工程",
        "work_started_on": "2015-03-01",
        "employer_id": "0",
        "phone": "",
        "csrf_token": csrf_token(client, "/people/new"),
    }
    data.update(fields)
    return client.post("/people/new", data=data, content_type="multipart/form-data")


def test_admin_creates_a_person_with_a_photo(demo, client):
    login(client, "admin")
    response = _person_form(client, photo=(__import__("io").BytesIO(png_bytes()), "me.png"))
    assert response.status_code == 302
    person = db.session.scalar(select(Person).where(Person.id_number == NEW_NUMBER))
    assert person.gender.value == "M" and person.birth_date.isoformat() == "1990-02-15"
    assert person.photo_key and storage.exists(person.photo_key)
    photo = client.get(f"/people/{person.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.data[:3] == b"\xff\xd8\xff"  # re-encoded as JPEG
    actions = db.session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "people", AuditEntry.object_id == str(person.id)
        )
    ).all()
    assert actions == ["person.create", "person.photo_set"]


def test_a_bad_identity_number_is_a_form_error_and_writes_nothing(demo, client):
    login(client, "admin")
    count = db.session.scalar(select(func.count()).select_from(Person))
    response = _person_form(client, id_number=NEW_NUMBER[:-1] + ("1" if NEW_NUMBER[-1] != "1" else "2"))
    assert response.status_code == 422
    assert "check digit" in response.text or "校验" in response.text
    assert db.session.scalar(select(func.count()).select_from(Person)) == count


def test_a_non_image_photo_is_refused_and_nothing_is_written(demo, client):
    import io

    login(client, "admin")
    count = db.session.scalar(select(func.count()).select_from(Person))
    response = _person_form(client, photo=(io.BytesIO(b"<html><script>x</script></html>"), "photo.png"))
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Person)) == count


def huge_png(width: int, height: int) -> bytes:
    """A real black-and-white PNG of ``width`` × ``height`` pixels, a few KB on disk: one bit a
    pixel, every row the same."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer = zlib.compressobj(9)
    row = b"\0" * (1 + (width + 7) // 8)  # the filter byte, then the row's bits
    rows = 1000
    pixels = b"".join(packer.compress(row * rows) for _ in range(height // rows))
    pixels += packer.compress(row * (height % rows)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_a_photo_of_too_many_pixels_is_refused_before_it_is_decoded(demo, client):
    """A phone's photo is 12 megapixels. 6,000 × 6,000 is under PIL's own limit (89 million),
    so it was decoded to 36 MB, then to 108 MB of colour; 20,000 × 20,000 met PIL's limit but
    was called unreadable."""
    import io

    login(client, "admin")
    count = db.session.scalar(select(func.count()).select_from(Person))
    for side in (6000, 20000):
        data = huge_png(side, side)
        assert len(data) < 100 * 1024
        response = _person_form(client, photo=(io.BytesIO(data), "photo.png"))
        assert response.status_code == 422, side
        assert "at most 25 megapixels" in response.text or "最多 25 百万像素" in response.text, side
        assert db.session.scalar(select(func.count()).select_from(Person)) == count


def test_a_duplicate_identity_number_is_refused(demo, client, user_named):
    login(client, "admin")
    response = _person_form(client, id_number=user_named("trainee").person.id_number)
    assert response.status_code == 409  # a conflict with the record that exists: was 422
    assert "该身份证号已有档案（一人一档）。" in response.text and 'name="id_number"' in response.text


def test_mine_officer_edits_only_their_own_people(demo, client, user_named):
    login(client, "mine_officer")
    trainee = user_named("trainee").person
    page = client.get(f"/people/{trainee.id}/edit")
    assert page.status_code == 200
    data = {
        "id_number": trainee.id_number,
        "name": trainee.name,
        "education": "college",
        "education_field": "",
        "work_started_on": "",
        "employer_id": str(trainee.employer_id),
        "phone": "13900000000",
        "csrf_token": csrf_token(client, f"/people/{trainee.id}/edit"),
    }
    assert client.post(f"/people/{trainee.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert user_named("trainee").person.phone == "13900000000"
    center_person = user_named("center").person
    assert client.get(f"/people/{center_person.id}/edit").status_code == 403
