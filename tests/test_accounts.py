"""Log-in, sessions, throttling, passwords, and role changes."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from training_portal.accounts import operations as ops
from training_portal.accounts.models import AuthSession, LoginAttempt
from training_portal.core.audit import AuditEntry
from training_portal.core.db import db, utcnow
from training_portal.core.permissions import Role
from training_portal.organisations.models import Organisation

from . import factories as make
from .conftest import DEMO_PASSWORD, csrf_token, login


def session_cookie(client):
    cookie = client.get_cookie("portal_session")
    return cookie.value if cookie else None


def test_log_in_and_out(demo, client):
    response = login(client, "trainee")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    token = csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def login_error(response) -> str | None:
    if 'data-test="login-error">' not in response.text:
        return None
    return response.text.split('data-test="login-error">')[1].split("<")[0]


def test_wrong_password_and_unknown_user_read_the_same(demo, client):
    wrong = login(client, "trainee", "not-the-password")
    unknown = login(client, "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert login_error(wrong) and login_error(wrong) == login_error(unknown)


def test_log_in_starts_a_new_session(demo, client):
    client.get("/login")
    before = session_cookie(client)
    login(client, "trainee")
    after = session_cookie(client)
    assert before and after and before != after


def test_log_out_really_ends_the_session(demo, client, app):
    login(client, "trainee")
    stolen = session_cookie(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert db.session.scalar(select(func.count()).select_from(AuthSession)) == 0
    # Someone who copied the cookie before log-out gets nothing with it.
    thief = app.test_client()
    thief.set_cookie("portal_session", stolen)
    assert thief.get("/").status_code == 302


def test_idle_session_expires(demo, client, app):
    login(client, "trainee")
    auth = db.session.scalar(select(AuthSession))
    auth.last_seen_at = utcnow() - timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1)
    db.session.commit()
    assert client.get("/").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AuthSession)) == 0


def test_an_active_session_stays_alive(demo, client, app):
    login(client, "trainee")
    auth = db.session.scalar(select(AuthSession))
    auth.last_seen_at = utcnow() - timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"] - 1)
    db.session.commit()
    assert client.get("/").status_code == 200
    db.session.expire_all()
    assert utcnow() - db.session.scalar(select(AuthSession)).last_seen_at < timedelta(minutes=1)


ATTACKER, VICTIM_HOME = "10.66.0.9", "10.20.0.5"


def client_at(app, address: str):
    """A browser whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def failures(address: str, usernames, ago: timedelta = timedelta(0)) -> None:
    """Failed attempts as the log-in form records them, ``ago`` before now: the clock moved
    without sleeping."""
    at = utcnow() - ago
    db.session.add_all(
        LoginAttempt(username=name, address=address, at=at, succeeded=False) for name in usernames
    )
    db.session.commit()


def attempts_count() -> int:
    return db.session.scalar(select(func.count()).select_from(LoginAttempt))


def test_account_is_throttled_at_one_address_after_repeated_failures(demo, app):
    here = client_at(app, ATTACKER)
    for _ in range(5):
        wrong = login(here, "trainee", "wrong-password-123")
        assert wrong.status_code == 200
    recorded = attempts_count()
    refused = login(here, "trainee")  # even the right password, for now
    assert refused.status_code == 429
    assert login_error(refused) and login_error(refused) != login_error(wrong)
    assert "请等待 1 分钟" in login_error(refused)  # how long, in the user's language
    assert here.get("/").status_code == 302
    # The password was not even checked: nothing was recorded and no session began.
    assert attempts_count() == recorded
    assert db.session.scalar(select(func.count()).select_from(AuthSession)) == 0
    # Other accounts in the same exam room are not locked out.
    assert login(client_at(app, ATTACKER), "mine_officer").status_code == 302


def test_a_victim_logs_in_from_elsewhere_whatever_an_attacker_tried(demo, app):
    """Failures on a proctor's account from one address never lock the proctor out."""
    failures(ATTACKER, ["proctor_dept"] * 40)
    victim = client_at(app, VICTIM_HOME)
    assert login(victim, "proctor_dept").status_code == 302
    assert victim.get("/").status_code == 200
    assert login(client_at(app, ATTACKER), "proctor_dept").status_code == 429


def test_a_spray_is_throttled_although_the_sprayer_logs_in_between(demo, app):
    """99 failures across many accounts, one success of the attacker's own account, 99 more:
    a success does not wipe the count of an address."""
    failures(ATTACKER, [f"guess-{i}" for i in range(99)], ago=timedelta(minutes=5))
    assert login(client_at(app, ATTACKER), "trainee").status_code == 302
    failures(ATTACKER, [f"guess-{i}" for i in range(99, 198)])
    recorded = attempts_count()
    refused = login(client_at(app, ATTACKER), "mine_officer")  # right password, another account
    assert refused.status_code == 429 and login_error(refused)
    assert attempts_count() == recorded
    # The exam room next door is not affected.
    assert login(client_at(app, VICTIM_HOME), "mine_officer").status_code == 302


def test_the_wait_doubles_with_each_failure_up_to_a_cap_and_counts_from_the_last(demo, app):
    def wait_shown(count: int, ago: timedelta) -> str | None:
        db.session.execute(delete(LoginAttempt))
        failures(ATTACKER, ["trainee"] * count, ago=ago)
        response = login(client_at(app, ATTACKER), "trainee", "wrong-password-123")
        return login_error(response) if response.status_code == 429 else None

    assert wait_shown(4, timedelta(0)) is None  # the first failures are free
    assert re.findall(r"\d+", wait_shown(5, timedelta(0))) == ["1"]  # a minute after the fifth
    assert re.findall(r"\d+", wait_shown(7, timedelta(0))) == ["4"]  # then 2, 4, ... minutes
    assert re.findall(r"\d+", wait_shown(40, timedelta(0))) == ["15"]  # never more than 15
    assert wait_shown(7, timedelta(minutes=4, seconds=5)) is None  # the wait is over: checked
    db.session.execute(delete(LoginAttempt))
    failures(ATTACKER, ["trainee"] * 7, ago=timedelta(minutes=4, seconds=5))
    assert login(client_at(app, ATTACKER), "trainee").status_code == 302


def test_the_wait_runs_from_the_last_failure_whatever_the_clock_says(demo, user_named):
    """The operations take ``now``: the same failures, asked about at different moments."""
    start = utcnow()
    for second in range(5):
        with pytest.raises(ops.LoginRefused) as refused:
            ops.authenticate("trainee", "wrong-password-123", ATTACKER, now=start + timedelta(seconds=second))
        assert not isinstance(refused.value, ops.Throttled)
    last = start + timedelta(seconds=4)
    with pytest.raises(ops.Throttled) as throttled:
        ops.authenticate("trainee", DEMO_PASSWORD, ATTACKER, now=last + timedelta(seconds=59))
    assert timedelta(0) < throttled.value.wait <= timedelta(seconds=1)
    assert ops.authenticate(
        "trainee", DEMO_PASSWORD, ATTACKER, now=last + timedelta(seconds=61)
    ) == user_named("trainee")
    # The success wiped nothing: one more failure and the wait is two minutes.
    with pytest.raises(ops.LoginRefused):
        ops.authenticate("trainee", "wrong-password-123", ATTACKER, now=last + timedelta(seconds=62))
    with pytest.raises(ops.Throttled) as throttled:
        ops.authenticate("trainee", DEMO_PASSWORD, ATTACKER, now=last + timedelta(seconds=63))
    assert throttled.value.wait == timedelta(minutes=2, seconds=-1)


def test_address_is_throttled_after_many_failures(demo, app):
    app.config["LOGIN_FREE_FAILURES_PER_ADDRESS"] = 3
    try:
        client = app.test_client()
        for name in ("a-user", "b-user", "c-user"):
            login(client, name, "wrong-password-123")
        assert login(client, "trainee").status_code == 429  # refused from this address
    finally:
        app.config["LOGIN_FREE_FAILURES_PER_ADDRESS"] = 100


def test_passwords_need_twelve_characters(ctx):
    with pytest.raises(ops.AccountError):
        ops.hash_password("short-pass1")
    assert ops.hash_password("twelve-chars").startswith("$argon2")


def test_csrf_is_required_on_every_form(demo, client):
    response = client.post("/login", data={"username": "trainee", "password": "demo-pass-2026"})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def org(name):
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def test_role_rules(ctx):
    admin, trainee, center = make.admin(), make.user(Role.TRAINEE), make.center()
    with pytest.raises(ops.AccountError):  # a proctor belongs to one of the two units
        ops.grant_role(trainee, Role.PROCTOR, center, actor=admin)
    with pytest.raises(ops.AccountError):  # a regulator acts for a regulator unit
        ops.grant_role(trainee, Role.REGULATOR, center, actor=admin)
    with pytest.raises(ops.AccountError):  # admin is not held for an organisation
        ops.grant_role(trainee, Role.ADMIN, center, actor=admin)
    with pytest.raises(ops.AccountError):  # held already
        ops.grant_role(trainee, Role.TRAINEE, None, actor=admin)
    assignment = ops.grant_role(trainee, Role.CENTER_STAFF, center, actor=admin)
    assert trainee.roles == {Role.TRAINEE, Role.CENTER_STAFF}  # one person, several roles
    with pytest.raises(ops.AccountError):
        ops.revoke_role(next(a for a in admin.assignments if a.role is Role.ADMIN), actor=admin)
    ops.revoke_role(assignment, actor=admin)
    db.session.commit()
    actions = db.session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "users",
            AuditEntry.object_id == str(trainee.id),
            AuditEntry.actor_user_id == admin.id,
        )
    ).all()
    assert actions == ["user.role_grant", "user.role_revoke"]


def test_role_change_through_the_admin_page_ends_the_users_sessions(demo, app, user_named):
    admin_client, trainee_client = app.test_client(), app.test_client()
    login(admin_client, "admin")
    login(trainee_client, "trainee")
    trainee = user_named("trainee")
    center = org("长春市矿山安全技术培训中心")
    page = admin_client.get(f"/admin/users/{trainee.id}")
    token = csrf_token(admin_client, f"/admin/users/{trainee.id}")
    assert page.status_code == 200
    granted = admin_client.post(
        f"/admin/users/{trainee.id}/roles",
        data={"role": "center_staff", "organisation_id": center.id, "csrf_token": token},
    )
    assert granted.status_code == 302
    refused = admin_client.post(
        f"/admin/users/{trainee.id}/roles",
        data={"role": "proctor", "organisation_id": center.id, "csrf_token": token},
    )
    assert refused.status_code == 422
    db.session.expire_all()
    assignment = next(a for a in user_named("trainee").assignments if a.role is Role.CENTER_STAFF)
    revoked = admin_client.post(
        f"/admin/users/{trainee.id}/roles/{assignment.id}/revoke", data={"csrf_token": token}
    )
    assert revoked.status_code == 302
    assert trainee_client.get("/").status_code == 302  # must log in again


def test_deactivated_account_cannot_log_in(demo, app, user_named):
    ops.set_active(user_named("trainee"), False, actor=user_named("admin"))
    db.session.commit()
    client = app.test_client()
    assert login(client, "trainee").status_code == 200
    assert client.get("/").status_code == 302


def test_changing_ones_own_password(demo, client, app):
    login(client, "trainee")
    token = csrf_token(client, "/account/password")
    wrong = client.post(
        "/account/password",
        data={
            "current": "not-my-password",
            "new": "a-new-password-2026",
            "confirm": "a-new-password-2026",
            "csrf_token": token,
        },
    )
    # Not a 4xx: the failed attempt it recorded for throttling must be committed.
    assert wrong.status_code == 200 and "当前密码不正确" in wrong.text
    short = client.post(
        "/account/password",
        data={"current": "demo-pass-2026", "new": "short", "confirm": "short", "csrf_token": token},
    )
    assert short.status_code == 422
    done = client.post(
        "/account/password",
        data={
            "current": "demo-pass-2026",
            "new": "a-new-password-2026",
            "confirm": "a-new-password-2026",
            "csrf_token": token,
        },
    )
    assert done.status_code == 302
    assert client.get("/").status_code == 302  # every session ended, this one too
    assert login(app.test_client(), "trainee").status_code == 200  # the old one no longer works
    assert login(app.test_client(), "trainee", "a-new-password-2026").status_code == 302


def change_password(client, current: str):
    return client.post(
        "/account/password",
        data={
            "current": current,
            "new": "a-new-password-2026",
            "confirm": "a-new-password-2026",
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )


def test_wrong_current_passwords_are_throttled_like_log_ins(demo, app, user_named):
    here = client_at(app, ATTACKER)
    login(here, "trainee")
    before = user_named("trainee").password_hash
    for _ in range(5):
        assert change_password(here, "not-my-password").status_code == 200
    recorded = attempts_count()
    assert recorded == 6  # the log-in and the five wrong current passwords
    refused = change_password(here, DEMO_PASSWORD)  # right, but not even checked now
    assert refused.status_code == 429 and "请等待 1 分钟" in refused.text
    assert attempts_count() == recorded
    db.session.expire_all()
    assert user_named("trainee").password_hash == before
    assert here.get("/").status_code == 200  # still logged in: nothing changed
    # The same account from another address is not held up by them.
    assert login(client_at(app, VICTIM_HOME), "trainee").status_code == 302


def test_pruning_keeps_live_sessions_and_recent_attempts(demo, app, user_named):
    from training_portal.accounts.tasks import prune_login_records

    login(app.test_client(), "trainee")
    login(app.test_client(), "mine_officer")
    stale = db.session.scalars(select(AuthSession)).first()
    stale.last_seen_at = utcnow() - timedelta(hours=1)
    db.session.add(
        LoginAttempt(username="x", address="1.2.3.4", at=utcnow() - timedelta(days=2), succeeded=False)
    )
    db.session.commit()
    assert prune_login_records.run() == {"attempts": 1, "sessions": 1}
    assert db.session.scalar(select(func.count()).select_from(AuthSession)) == 1
