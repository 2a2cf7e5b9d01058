"""Warning-education films: assigned to a mine's whole staff or to posts, watched with the same
counting as lessons, the share per mine for the mine and the regulators over it."""

from __future__ import annotations

from datetime import timedelta

from training_portal.core.db import db, utcnow
from training_portal.core.i18n import local_today
from training_portal.core.permissions import Role
from training_portal.learning import operations as ops
from training_portal.learning.models import WarningFilm
from training_portal.people.models import Post

from .. import factories as make
from ..practice.conftest import logged_in
from .conftest import upload


def _watch_all(viewing, person_user):
    """Play the whole film at normal speed, answering each check rightly at once."""
    flags = {"playing": True, "muted": False, "visible": True, "rate": 1.0, "interacted": True}
    now = utcnow()
    position, seq = 0.0, 0
    while position <= viewing.film.duration_s:
        seq += 1
        now += timedelta(seconds=5)
        answer = ops.report(viewing, viewing.token, {"seq": seq, "position": position, **flags}, now=now)
        if answer["check"]:
            ops.answer_check(viewing, viewing.token, viewing.check["answer"], actor=person_user, now=now)
        position += 5.0
    return viewing


def test_assignment_and_the_share_who_watched_per_mine(app, ctx, clip):
    county = make.region("桦甸市")
    regulator = make.user(Role.REGULATOR, at=make.regulator(region=county))
    mine = make.mine(region=county)
    officer = make.user(Role.MINE_OFFICER, at=mine)
    workers = [make.person(employer=mine, post=Post.FRONTLINE_WORKER) for _ in range(3)]
    manager = make.person(employer=mine, post=Post.PRINCIPAL)
    users = [make.user(Role.TRAINEE, person=p) for p in (*workers, manager)]
    film = ops.add_film(
        regulator.organisations()[0], "某矿透水事故警示片", "2025 年某矿透水事故，3 人遇难。", actor=regulator
    )
    db.session.commit()
    reg_client = logged_in(app, regulator)
    assert upload(reg_client, {"film_id": film.id}, clip).status_code == 200
    due = (local_today() + timedelta(days=7)).isoformat()
    assigned = reg_client.post(
        f"/learning/films/{film.id}/assign",
        data={"mine": mine.id, "posts": [Post.FRONTLINE_WORKER.value], "due_on": due},
    )
    assert assigned.status_code == 303
    officer_client = logged_in(app, officer)
    officer_client.post(
        f"/learning/films/{film.id}/assign", data={"mine": mine.id, "due_on": due}
    )  # whole staff
    db.session.expire_all()
    film = db.session.get(WarningFilm, film.id)
    by_posts, everyone = film.assignments
    assert [p.name for p in ops.audience(by_posts)] == sorted(p.name for p in workers)
    assert len(ops.audience(everyone)) == 4

    _watch_all(ops.open_viewing(workers[0], film), users[0])
    half = ops.open_viewing(workers[1], film)  # stops after a few seconds
    ops.report(
        half,
        half.token,
        {
            "seq": 1,
            "position": 0,
            "playing": True,
            "muted": False,
            "visible": True,
            "rate": 1,
            "interacted": True,
        },
    )
    db.session.commit()
    shares = {s.assignment.id: s for s in (ops.share(a) for a in film.assignments)}
    assert (shares[by_posts.id].done, shares[by_posts.id].total) == (1, 3)
    assert (shares[everyone.id].done, shares[everyone.id].total) == (1, 4)

    page = reg_client.get("/learning/films/")
    assert page.status_code == 200 and "1/3 (33%)" in page.text and "1/4 (25%)" in page.text
    missing = officer_client.get(f"/learning/assignments/{by_posts.id}")
    assert missing.status_code == 200
    assert workers[1].name in missing.text and workers[0].name not in missing.text.split("Not watched")[-1]
    far = make.user(Role.REGULATOR, at=make.regulator(region=make.region("延边州")))
    db.session.commit()
    far_client = logged_in(app, far)
    assert far_client.get(f"/learning/assignments/{by_posts.id}").status_code == 403
    assert "1/3" not in far_client.get("/learning/films/").text
    # The manager is not among the workers the first assignment names, but the whole staff's.
    assert logged_in(app, users[3]).get(f"/learning/films/{film.id}/watch").status_code == 200


def test_a_person_of_another_mine_cannot_open_the_film(app, ctx, clip):
    mine, other = make.mine(), make.mine()
    officer = make.user(Role.MINE_OFFICER, at=mine)
    center_staff = make.user(Role.CENTER_STAFF)
    mine_worker = make.user(Role.TRAINEE, person=make.person(employer=mine, post=Post.FRONTLINE_WORKER))
    stranger = make.user(Role.TRAINEE, person=make.person(employer=other, post=Post.FRONTLINE_WORKER))
    film = ops.add_film(center_staff.organisations()[0], "冒顶事故案例", "", actor=center_staff)
    db.session.commit()
    assert upload(logged_in(app, center_staff), {"film_id": film.id}, clip).status_code == 200
    logged_in(app, officer).post(
        f"/learning/films/{film.id}/assign", data={"mine": other.id, "due_on": local_today().isoformat()}
    )  # not the officer's mine: the form offers only their own
    logged_in(app, officer).post(
        f"/learning/films/{film.id}/assign", data={"mine": mine.id, "due_on": local_today().isoformat()}
    )
    db.session.expire_all()
    assert [a.mine_id for a in db.session.get(WarningFilm, film.id).assignments] == [mine.id]
    client = logged_in(app, stranger)
    assert client.get(f"/learning/films/{film.id}/watch").status_code == 404
    assert client.get(f"/learning/films/{film.id}/video").status_code == 404
    assert client.post("/api/learning/viewings", json={"film_id": film.id}).status_code == 404
    assert logged_in(app, mine_worker).get(f"/learning/films/{film.id}/watch").status_code == 200


def test_the_list_shows_only_the_assignments_that_ask_the_person(app, ctx):
    county = make.region("磐石市")
    regulator = make.user(Role.REGULATOR, at=make.regulator(region=county))
    mine = make.mine(region=county)
    manager = make.user(Role.TRAINEE, person=make.person(employer=mine, post=Post.PRINCIPAL))
    film = ops.add_film(regulator.organisations()[0], "顶板事故警示片", "", actor=regulator)
    film.video_key, film.duration_s = "no-file-needed-for-the-list", 24.0
    soon, later = local_today() + timedelta(days=3), local_today() + timedelta(days=20)
    ops.assign_film(film, mine, posts=[Post.FRONTLINE_WORKER.value], due_on=soon, actor=regulator)
    ops.assign_film(film, mine, posts=[], due_on=later, actor=regulator)  # the whole staff
    db.session.commit()
    films = logged_in(app, manager).get("/learning/").text
    listed = films.split('data-test="my-films"')[1].split("</ul>")[0]
    assert listed.count("顶板事故警示片") == 1  # the workers' assignment does not ask a manager
    assert later.isoformat() in listed and soon.isoformat() not in listed
