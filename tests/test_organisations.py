import pytest
from sqlalchemy import select
from stdnum.cn import uscc

from training_portal.core.db import db
from training_portal.core.permissions import Role
from training_portal.organisations import operations as ops
from training_portal.organisations.models import Classroom, Organisation

from . import factories as make
from .conftest import csrf_token, login


def center(name="长春市矿山安全技术培训中心") -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def test_center_staff_add_a_classroom_to_their_own_center(demo, client):
    login(client, "center")
    own = center()
    page = f"/organisations/{own.id}"
    token = csrf_token(client, page)
    response = client.post(
        f"{page}/classrooms",
        data={"name": "三号教室", "seats": "30", "camera_ref": "TY-CAM-09", "csrf_token": token},
    )
    assert response.status_code == 302
    room = db.session.scalar(select(Classroom).where(Classroom.name == "三号教室"))
    assert (room.center_id, room.seats, room.camera_ref) == (own.id, 30, "TY-CAM-09")
    duplicate = client.post(
        f"{page}/classrooms", data={"name": "三号教室", "seats": "30", "csrf_token": token}
    )
    assert duplicate.status_code == 409 and "本机构已有同名教室。" in duplicate.text  # a conflict: was 422
    other = center("延边州安全生产培训学校")
    assert (
        client.post(
            f"/organisations/{other.id}/classrooms", data={"name": "x", "seats": "3", "csrf_token": token}
        ).status_code
        == 403
    )


def test_a_classroom_needs_seats(ctx):
    own = make.center()
    with pytest.raises(ops.OrganisationError):
        ops.add_classroom(own, "空教室", 0, actor=make.user(Role.CENTER_STAFF, at=own))


def test_credit_codes_are_checked():
    body = "91220100MA0000008"
    valid = body + uscc.calc_check_digit(body + "0")
    assert ops.normalise_credit_code(valid) == valid
    wrong_digit = "0" if valid[-1] != "0" else "1"
    with pytest.raises(ops.OrganisationError):
        ops.normalise_credit_code(valid[:-1] + wrong_digit)
