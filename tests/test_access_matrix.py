"""Every route of the URL map, walked with every role and anonymously.

A route without an entry here fails the test: whoever adds a route decides,
in this table, who may use it. Each response is also checked for the security
headers and cookie flags every page must carry.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from proctoring import cameras as camera_ops
from proctoring.models import Recording, RecordingEvent
from training_portal.accounts import operations as account_ops
from training_portal.certificates.views import limiter
from training_portal.core import storage
from training_portal.core.db import db, utcnow
from training_portal.core.i18n import local_today
from training_portal.core.permissions import Role
from training_portal.demo.seed import DEMO_COURSE
from training_portal.exams.models import ExamSession
from training_portal.learning import operations as learning_ops
from training_portal.learning.models import OnlineLesson, WarningFilm
from training_portal.notifications import operations as notes
from training_portal.notifications.models import Notification
from training_portal.onboarding.models import ImportKind, ImportRun
from training_portal.organisations.models import Organisation
from training_portal.people import operations as people_ops
from training_portal.people.departments import departments
from training_portal.people.models import Post
from training_portal.practice import operations as practice_ops
from training_portal.regulator import operations as regulator_ops
from training_portal.regulator.operations import phone as spot_phone
from training_portal.safety_culture import operations as culture_ops
from training_portal.safety_culture.models import templates as culture_templates
from training_portal.staff_training.operations import topics as staff_topics
from training_portal.training.models import Course, MineAssessment
from training_portal.warnings.models import Bulletin, WarningDay

from .certificates.conftest import certified
from .conftest import login, png_bytes
from .exams.conftest import passed_practical, users_by_name
from .question_bank.conftest import blueprint, make_active, qdata

ROLES = [
    "anonymous",
    "admin",
    "trainee",
    "center",
    "reviewer_center",
    "reviewer_dept",
    "proctor_center",
    "proctor_dept",
    "regulator",
    "regulator_jiutai",
    "mine_officer",
    "inspector_national",
]
LOGGED_IN = ROLES[1:]


def only(allowed: dict[str, int], default: int, anonymous: int = 302) -> dict[str, int]:
    table = {role: default for role in LOGGED_IN} | {"anonymous": anonymous}
    return table | allowed


def everyone(status: int, anonymous: int = 302) -> dict[str, int]:
    return only({}, status, anonymous)


ADMIN_ONLY_GET = only({"admin": 200}, 403)
VIEWERS_OF_PEOPLE = ("admin", "center", "regulator", "regulator_jiutai", "mine_officer")
OF_THE_LONGJIABAO_MINE = ("admin", "regulator", "regulator_jiutai", "mine_officer")

# (endpoint, method) -> expected status per role. The objects: the trainee's person
# (a worker at the Longjiabao mine), the Longjiabao mine, and a spare account to change.
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("static", "GET"): everyone(200, anonymous=200),
    ("core.healthz", "GET"): everyone(200, anonymous=200),
    ("core.switch_language", "POST"): everyone(400, anonymous=400),  # no language given
    ("accounts.login", "GET"): everyone(302, anonymous=200),
    ("accounts.login", "POST"): everyone(302, anonymous=200),  # empty form shown again
    ("accounts.home", "GET"): everyone(200),
    ("accounts.logout", "POST"): everyone(302),
    ("accounts.change_password", "GET"): everyone(200),
    ("accounts.confirm_password", "GET"): everyone(200),
    ("accounts.confirm_password", "POST"): everyone(200),  # no password typed: the form again
    ("accounts.replay", "GET"): everyone(302),  # nothing held: home
    ("accounts.change_password", "POST"): everyone(422),  # empty form
    ("people.index", "GET"): only({r: 200 for r in VIEWERS_OF_PEOPLE}, 403),
    ("people.me", "GET"): only({"admin": 404}, 302),
    # The center trains the trainee, so its staff see the trainee's record.
    ("people.record", "GET"): only({r: 200 for r in (*OF_THE_LONGJIABAO_MINE, "trainee", "center")}, 403),
    ("people.photo", "GET"): only({r: 200 for r in (*OF_THE_LONGJIABAO_MINE, "trainee", "center")}, 403),
    ("people.create", "GET"): only({"admin": 200, "mine_officer": 200}, 403),
    ("people.create", "POST"): only({"admin": 422, "mine_officer": 422}, 403),
    ("people.edit", "GET"): only({"admin": 200, "mine_officer": 200}, 403),
    ("people.edit", "POST"): only({"admin": 400, "mine_officer": 400}, 403),  # empty form
    # The 五科: the administrator keeps the list; the mine appoints its heads (an empty form is refused).
    ("people.departments_list", "GET"): ADMIN_ONLY_GET,
    ("people.add_department", "POST"): only({"admin": 422}, 403),
    ("people.edit_department", "POST"): only({"admin": 422}, 403),
    ("people.mine_departments", "GET"): only(
        {r: 200 for r in (*OF_THE_LONGJIABAO_MINE, "inspector_national")}, 403
    ),
    ("people.appoint_head", "POST"): only({"admin": 422, "mine_officer": 422}, 403),
    ("people_api.my_record", "GET"): only({"admin": 404}, 200, anonymous=401),
    ("people_api.record", "GET"): only(
        {r: 200 for r in ("admin", "trainee", "regulator", "regulator_jiutai")}, 403, anonymous=401
    ),
    ("organisations.index", "GET"): only({"trainee": 403}, 200),
    ("organisations.detail", "GET"): only({r: 200 for r in OF_THE_LONGJIABAO_MINE}, 403),
    # The Longjiabao mine is no training center: nobody adds classrooms to it.
    ("organisations.add_classroom", "POST"): only({r: 403 for r in OF_THE_LONGJIABAO_MINE}, 403),
    ("admin.users", "GET"): ADMIN_ONLY_GET,
    ("admin.user", "GET"): ADMIN_ONLY_GET,
    ("admin.create_user", "GET"): ADMIN_ONLY_GET,
    ("admin.create_user", "POST"): only({"admin": 422}, 403),
    ("admin.grant_role", "POST"): only({"admin": 422}, 403),
    ("admin.revoke_role", "POST"): only({"admin": 302}, 403),
    ("admin.set_active", "POST"): only({"admin": 302}, 403),
    ("admin.policy_table", "GET"): ADMIN_ONLY_GET,
    ("admin.policy_table", "POST"): only({"admin": 400}, 403),  # no rule named
    ("admin.audit_log", "GET"): ADMIN_ONLY_GET,
    ("admin.permission_registry", "GET"): ADMIN_ONLY_GET,
    # Onboarding: imports and accounts in bulk for administrators; activation for anyone.
    ("onboarding.index", "GET"): ADMIN_ONLY_GET,
    ("onboarding.upload", "POST"): only({"admin": 422}, 403),  # no file
    ("onboarding.template", "GET"): ADMIN_ONLY_GET,
    ("onboarding.run", "GET"): ADMIN_ONLY_GET,
    ("onboarding.accounts", "GET"): ADMIN_ONLY_GET,
    ("onboarding.issue", "POST"): only({"admin": 422}, 403),  # nobody chosen
    ("onboarding_public.activate", "GET"): everyone(200, anonymous=200),
    ("onboarding_public.activate", "POST"): everyone(422, anonymous=422),  # empty form
}

BANK = ("admin", "reviewer_center", "reviewer_dept")  # the reviewing units keep the bank (考教分离)
MATRIX |= {
    ("questions.index", "GET"): only({r: 200 for r in BANK}, 403),
    ("questions.detail", "GET"): only({r: 200 for r in BANK}, 403),
    ("questions.create", "GET"): only({r: 200 for r in BANK}, 403),
    ("questions.create", "POST"): only({r: 422 for r in BANK}, 403),
    ("questions.edit", "GET"): only({r: 200 for r in BANK}, 403),
    ("questions.edit", "POST"): only({r: 422 for r in BANK}, 403),
    ("questions.change_status", "POST"): only({r: 400 for r in BANK}, 403),  # no action named
    ("questions.bulk", "POST"): only({r: 400 for r in BANK}, 403),
    ("questions.import_page", "GET"): only({r: 200 for r in BANK}, 403),
    ("questions.import_page", "POST"): only({r: 422 for r in BANK}, 403),  # no file
    ("questions.import_template", "GET"): only({r: 200 for r in BANK}, 403),
    ("questions.export", "GET"): only({r: 200 for r in BANK}, 403),
    ("questions.blueprints", "GET"): only({r: 200 for r in BANK}, 403),
    ("questions.blueprint", "GET"): only({r: 200 for r in BANK}, 403),
    ("questions.blueprint", "POST"): only({r: 422 for r in BANK}, 403),
    ("questions.preview", "GET"): only({r: 200 for r in BANK}, 403),
    ("questions.statistics", "GET"): only({r: 200 for r in BANK}, 403),
}

REVIEWERS = ("admin", "reviewer_center", "reviewer_dept")
PROCTORS = ("proctor_center", "proctor_dept")
REGULATORS = ("regulator", "regulator_jiutai")
# The demo session is the education center's (its reviewer scheduled it), at a site in Changchun:
# the business department's reviewers and the Jiutai county regulator do not see it.
SESSION_OWNERS = ("admin", "reviewer_center")
SESSION_VIEWERS = (*SESSION_OWNERS, *PROCTORS, "regulator")
# The objects: the demo session, the trainee's approved application and their seat in it.
MATRIX |= {
    ("exams.mine", "GET"): everyone(200),
    ("exams.apply", "GET"): everyone(200),
    ("exams.apply", "POST"): everyone(422),  # empty form
    # The trainee works at the Longjiabao mine: its safety officer applies for and follows them.
    ("exams.application", "GET"): only(
        {r: 200 for r in (*REVIEWERS, *REGULATORS, "trainee", "mine_officer")}, 403
    ),
    ("exams.application", "POST"): only({r: 422 for r in REVIEWERS}, 403),
    ("exams.evidence_file", "GET"): only(
        {r: 404 for r in (*REVIEWERS, *REGULATORS, "trainee", "mine_officer")}, 403
    ),
    ("exams.reviews", "GET"): only({r: 200 for r in REVIEWERS}, 403),
    ("exams.sessions", "GET"): only({r: 200 for r in (*REVIEWERS, *PROCTORS, *REGULATORS)}, 403),
    ("exams.new_session", "GET"): only({r: 200 for r in REVIEWERS}, 403),
    ("exams.new_session", "POST"): only({r: 422 for r in REVIEWERS}, 403),
    ("exams.session", "GET"): only({r: 200 for r in SESSION_VIEWERS}, 403),
    ("exams.assign_proctor", "POST"): only({r: 422 for r in SESSION_OWNERS}, 403),  # nobody chosen
    ("exams.seat", "POST"): only({r: 422 for r in SESSION_OWNERS}, 403),
    ("exams.open_session", "POST"): only({r: 409 for r in PROCTORS}, 403),  # open already
    ("exams.sign", "POST"): only({r: 302 for r in PROCTORS}, 403),
    ("exams.room_action", "POST"): only({r: 422 for r in PROCTORS}, 403),  # no action named
    # Run after the proctor's signature (LAST), which marked the seat not started absent.
    ("exams.start_all", "POST"): only({r: 409 for r in PROCTORS}, 403),
    ("exams.add_time_all", "POST"): only({r: 422 for r in PROCTORS}, 403),  # no minutes, no reason
    ("exams.candidate_photo", "GET"): only({r: 200 for r in PROCTORS}, 403),
    ("exams.identity_check", "GET"): only({r: 200 for r in PROCTORS}, 403),
    ("exams.identity_check", "POST"): only({r: 422 for r in PROCTORS}, 403),  # no decision
    ("exams.identity_compare", "POST"): only({r: 422 for r in PROCTORS}, 403),  # no picture
    ("exams.client", "GET"): only({"trainee": 200}, 404),  # someone else's seat: as if none
    ("exams_api.my_attempts", "GET"): everyone(200, anonymous=401),
    # Someone else's attempt does not exist for them.
    ("exams_api.attempt", "GET"): only({"trainee": 200}, 404, anonymous=401),
    ("exams_api.attempt_state", "GET"): only({"trainee": 200}, 404, anonymous=401),
    ("exams_api.start", "POST"): only({"trainee": 200}, 404, anonymous=401),
    ("exams_api.save", "PUT"): only({"trainee": 400}, 404, anonymous=401),  # no body
    ("exams_api.submit", "POST"): only({"trainee": 200}, 404, anonymous=401),
    ("exams_api.seats", "GET"): only({r: 200 for r in PROCTORS}, 403, anonymous=401),
    # A practical exam of another gas inspector, scored by the two demo proctors.
    ("exams.practicals", "GET"): only({r: 200 for r in (*REVIEWERS, *PROCTORS)}, 403),
    ("exams.practicals", "POST"): only({r: 422 for r in REVIEWERS}, 403),  # nobody chosen
    # Its candidate works at a mine outside the Jiutai county; its sitting is the education center's.
    ("exams.practical", "GET"): only({r: 200 for r in (*SESSION_OWNERS, *PROCTORS, "regulator")}, 403),
    ("exams.practical", "POST"): only({r: 422 for r in PROCTORS}, 403),  # no scores sent
    ("exams.practical_third", "POST"): only({r: 422 for r in SESSION_OWNERS}, 403),  # nobody chosen
    ("exams.appeal", "POST"): only({"trainee": 409}, 403),  # the attempt was not terminated
    ("exams.appeals", "GET"): only({r: 200 for r in REVIEWERS}, 403),
    ("exams.decide_appeal", "POST"): only({r: 404 for r in REVIEWERS}, 403),  # no such appeal
    ("exams.sitting_report", "GET"): only({r: 200 for r in SESSION_VIEWERS}, 403),
    ("exams.sitting_report_xlsx", "GET"): only({r: 200 for r in SESSION_VIEWERS}, 403),
}

# Recordings: an upload that does not exist (the real ones are in tests/recordings and
# tests/test_idor.py) and the demo room's recording with an evidence frame, seen by those who see
# the sitting; the list is for everyone who holds an organisation's view.
MATRIX |= {
    ("recordings.index", "GET"): only({"trainee": 403}, 200),
    ("recordings.upload_page", "GET"): everyone(404),  # no classroom named
    ("recordings.start_upload", "POST"): everyone(404, anonymous=401),
    ("recordings.upload_status", "GET"): everyone(404, anonymous=401),
    ("recordings.upload_chunk", "PUT"): everyone(404, anonymous=401),
    ("recordings.finish_upload", "POST"): everyone(404, anonymous=401),
    ("recordings.report", "GET"): only({r: 200 for r in SESSION_VIEWERS}, 403),
    ("recordings.progress", "GET"): only({r: 200 for r in SESSION_VIEWERS}, 403),
    ("recordings.evidence", "GET"): only({r: 200 for r in SESSION_VIEWERS}, 403),
    # The room's proctors, who upload its video; the demo's analysis did not fail: nothing to retry.
    ("recordings.retry", "POST"): only({r: 409 for r in PROCTORS}, 403),
}

# Training: the demo course and its class at the Changchun center (the demo trainee is on its
# roster), yesterday's lesson, and a notification of the trainee's.
CENTER = ("admin", "center")
WITH_A_PERSON = [r for r in LOGGED_IN if r != "admin"]
MATRIX |= {
    ("training.courses", "GET"): everyone(200),
    ("training.course", "GET"): everyone(200),
    # Regulators over the center mark a year's special training (empty: of no year, no change).
    ("training.mark_special_training", "POST"): only({r: 302 for r in ("admin", "regulator")}, 403),
    # A mine's officer runs the training of its own team leaders and front-line workers (issue 19).
    # Regulators organise their officials' own training (issue 21, item 4).
    ("training.new_course", "GET"): only({r: 200 for r in (*CENTER, "mine_officer", *REGULATORS)}, 403),
    ("training.new_course", "POST"): only(
        {r: 422 for r in (*CENTER, "mine_officer", *REGULATORS)}, 403
    ),  # empty form
    ("training.classes", "GET"): only({r: 200 for r in (*CENTER, *REGULATORS, "mine_officer")}, 403),
    # The mine's assessments: its officer records them, the regulators over it read them (the
    # demo's passed one is at 龙嘉堡, in the Jiutai county).
    ("training.assessments", "GET"): only({r: 200 for r in (*OF_THE_LONGJIABAO_MINE, *REGULATORS)}, 403),
    ("training.record_written", "POST"): only({r: 422 for r in ("admin", "mine_officer")}, 403),
    ("training.assessment", "GET"): only({r: 200 for r in OF_THE_LONGJIABAO_MINE}, 403),
    ("training.record_practical", "POST"): only({r: 422 for r in ("admin", "mine_officer")}, 403),
    ("training.new_class", "GET"): only({r: 200 for r in CENTER}, 403),
    ("training.new_class", "POST"): only({r: 422 for r in CENTER}, 403),
    # The Changchun center is outside the Jiutai county regulator's jurisdiction.
    ("training.class_detail", "GET"): only({r: 200 for r in (*CENTER, "regulator", "trainee")}, 403),
    ("training.enrol", "POST"): only({r: 422 for r in CENTER}, 403),
    ("training.import_roster", "POST"): only({r: 422 for r in CENTER}, 403),
    ("training.roster_template", "GET"): everyone(200),
    ("training.add_lesson", "POST"): only({r: 422 for r in CENTER}, 403),
    ("training.lesson", "GET"): only({r: 200 for r in (*CENTER, "regulator")}, 403),
    ("training.mark_attendance", "POST"): only({r: 422 for r in CENTER}, 403),  # no action named
    ("training.lesson_code_page", "GET"): only({r: 200 for r in CENTER}, 403),
    ("training.lesson_code", "GET"): only({r: 200 for r in CENTER}, 403),
    ("training.check_in", "GET"): only({r: 200 for r in WITH_A_PERSON}, 403),
    ("training.check_in", "POST"): only({r: 422 for r in WITH_A_PERSON}, 403),
    ("training.me", "GET"): only({r: 200 for r in WITH_A_PERSON}, 403),
    ("training.deficits", "GET"): only({r: 200 for r in VIEWERS_OF_PEOPLE}, 403),
    ("training.accidents", "GET"): only({r: 200 for r in ("admin", *REGULATORS)}, 403),
    ("training.accidents", "POST"): only({r: 422 for r in ("admin", *REGULATORS)}, 403),
    ("training.education", "GET"): only(
        {r: 200 for r in (*OF_THE_LONGJIABAO_MINE, "trainee", "center")}, 403
    ),
    ("training.education", "POST"): only({r: 422 for r in ("admin", "mine_officer")}, 403),
    # No training center lies in the Jiutai county.
    ("training.coverage", "GET"): only({r: 200 for r in (*CENTER, "regulator")}, 403),
    ("notifications.index", "GET"): everyone(200),
    ("notifications.read", "POST"): only({"trainee": 302}, 404),  # someone else's does not exist
    ("notifications_api.my_notifications", "GET"): everyone(200, anonymous=401),  # only one's own
}

# Certificates: the certificate of a Jiutai gas inspector (trained at the Changchun center) from a
# signed sitting and a passed practical; its batch (that certificate alone: seen by those who see
# the certificate, not by the sitting's proctors and schedulers); the trainee's person for a
# violation.
CERT_VIEWERS = (*OF_THE_LONGJIABAO_MINE, "center")
MATRIX |= {
    ("certificates.mine", "GET"): only({r: 200 for r in WITH_A_PERSON}, 403),
    ("certificates.detail", "GET"): only({r: 200 for r in CERT_VIEWERS}, 403),
    ("certificates.pdf", "GET"): only({r: 200 for r in CERT_VIEWERS}, 403),
    # No status chosen.
    ("certificates.change_status", "POST"): only({r: 422 for r in ("admin", *REGULATORS)}, 403),
    # The employer's officer may apply for the holder; its 复审 is years away, so it is refused.
    ("certificates.apply_review", "POST"): only({r: 409 for r in ("admin", "mine_officer")}, 403),
    ("certificates.record_violation", "POST"): only({r: 422 for r in ("admin", *REGULATORS)}, 403),  # no date
    ("certificates.search", "GET"): only({r: 200 for r in ("admin", *REGULATORS)}, 403),
    ("certificates.batches", "GET"): only({r: 200 for r in ("admin", *REVIEWERS[1:], *REGULATORS)}, 403),
    ("certificates.batch", "GET"): only({r: 200 for r in CERT_VIEWERS}, 403),
    ("certificates.batch_progress", "GET"): only({r: 200 for r in CERT_VIEWERS}, 403),
    ("certificates.batch_zip", "GET"): only({r: 200 for r in CERT_VIEWERS}, 403),
    ("certificates.batch_print", "GET"): only({r: 200 for r in CERT_VIEWERS}, 403),
    # A scheduler who may see the batch; the demo's batch is done, so there is nothing to retry.
    ("certificates.batch_retry", "POST"): only({"admin": 409}, 403),
    ("certificates.verify", "GET"): everyone(200, anonymous=200),  # public
    ("certificates.verify_photo", "GET"): everyone(200, anonymous=200),  # public; the demo holder has one
}

# The regulator's workspace: the Longjiabao mine, an inspection there with a failed spot test of its
# director (taken on the provincial regulator's phone) and the reassignment order it raised.
JIUTAI_OVERSIGHT = ("admin", *REGULATORS)
MATRIX |= {
    ("regulator.compliance", "GET"): only({r: 200 for r in OF_THE_LONGJIABAO_MINE}, 403),
    ("regulator.compliance_export", "GET"): only({r: 200 for r in OF_THE_LONGJIABAO_MINE}, 403),
    ("regulator.mine", "GET"): only({r: 200 for r in OF_THE_LONGJIABAO_MINE}, 403),
    ("regulator.record_inspection", "POST"): only({r: 422 for r in JIUTAI_OVERSIGHT}, 403),  # no date
    ("regulator.inspection", "GET"): only({r: 200 for r in OF_THE_LONGJIABAO_MINE}, 403),
    ("regulator.start_spot_test", "POST"): only({r: 422 for r in JIUTAI_OVERSIGHT}, 403),  # nobody chosen
    ("regulator.spot_test", "GET"): only({r: 200 for r in OF_THE_LONGJIABAO_MINE}, 403),
    ("regulator.submit_spot_test", "POST"): only({"regulator": 302}, 403),  # handed in already: the result
    ("regulator.spot_test_status", "GET"): only({r: 200 for r in OF_THE_LONGJIABAO_MINE}, 403),
    ("regulator.new_spot_link", "POST"): only({r: 409 for r in JIUTAI_OVERSIGHT}, 403),  # handed in already
    # The phone's link of a second test (a gas inspector's), open to whoever holds it, logged in
    # or not: the page is walked first, so this client is the phone holding it; then it hands in.
    ("spot_phone.page", "GET"): everyone(200, anonymous=200),
    ("spot_phone.paper", "GET"): everyone(200, anonymous=200),
    ("spot_phone.save_sheet", "PUT"): everyone(400, anonymous=400),  # no body
    ("spot_phone.submit", "POST"): everyone(200, anonymous=200),
    ("regulator.orders", "GET"): only({r: 200 for r in OF_THE_LONGJIABAO_MINE}, 403),
    ("regulator.respond", "POST"): only({r: 422 for r in ("admin", "mine_officer")}, 403),  # no answer given
    ("regulator.close", "POST"): only({r: 409 for r in JIUTAI_OVERSIGHT}, 403),  # the mine has not answered
    ("regulator.search", "GET"): only({r: 200 for r in VIEWERS_OF_PEOPLE}, 403),
    ("regulator.search_export", "GET"): only({r: 200 for r in VIEWERS_OF_PEOPLE}, 403),
    # No training center lies in the Jiutai county; the center staff see their own.
    # Every holder of oversight opens it; the Jiutai regulator's list is empty (no center there).
    ("regulator.centers", "GET"): only({r: 200 for r in (*CENTER, "regulator", "regulator_jiutai")}, 403),
    # Dashboards: regulators (and the administrator), each opening on their own region.
    ("regulator.dashboard", "GET"): only({r: 200 for r in JIUTAI_OVERSIGHT}, 403),
    ("regulator.dashboard_list", "GET"): only({r: 200 for r in JIUTAI_OVERSIGHT}, 403),
    ("regulator.dashboard_export", "GET"): only({r: 200 for r in JIUTAI_OVERSIGHT}, 403),
}

# Networked cameras: the demo class's classroom (at the Changchun center, outside the Jiutai county)
# with a camera and its latest picture. Its center's staff manage it; a regulator sees it in the
# jurisdiction (the province's, the city's), not from another region (Jiutai's).
CLASSROOM_VIEWERS = ("admin", "center", "regulator", "inspector_national")
MATRIX |= {
    ("cameras.classroom", "GET"): only({r: 200 for r in CLASSROOM_VIEWERS}, 403),
    ("cameras.register", "POST"): only({r: 422 for r in CENTER}, 403),  # no address given
    ("cameras.remove", "POST"): only({r: 302 for r in CENTER}, 403),
    ("cameras.snapshot", "GET"): only({r: 200 for r in CLASSROOM_VIEWERS}, 403),
    ("cameras.wall", "GET"): only(
        {r: 200 for r in ("admin", "regulator", "regulator_jiutai", "inspector_national")},
        403,
    ),
}

# Safety culture: the Longjiabao mine's report on its safety philosophy, waiting for a decision.
MATRIX |= {
    ("safety_culture.index", "GET"): only({r: 200 for r in OF_THE_LONGJIABAO_MINE}, 403),
    ("safety_culture.mine", "GET"): only({r: 200 for r in OF_THE_LONGJIABAO_MINE}, 403),
    ("safety_culture.report", "POST"): only({r: 422 for r in ("admin", "mine_officer")}, 403),  # no file
    ("safety_culture.decide", "POST"): only({r: 422 for r in JIUTAI_OVERSIGHT}, 403),  # no decision
    ("safety_culture.evidence", "GET"): only({r: 200 for r in OF_THE_LONGJIABAO_MINE}, 403),  # not published
    ("safety_culture.cases", "GET"): everyone(200),
    # The milestone templates: the administrator's (an empty form is refused).
    ("safety_culture.milestones", "GET"): ADMIN_ONLY_GET,
    ("safety_culture.add_milestone", "POST"): only({"admin": 422}, 403),
    ("safety_culture.edit_milestone", "POST"): only({"admin": 422}, 403),
}

# Practice: a practice round of the trainee's (not a mock: nothing to hand in) with the bank's new
# question in it (it applies to everyone). A round is its learner's alone.
MATRIX |= {
    ("practice.index", "GET"): only({"admin": 403}, 200),  # the administrator has no record
    ("practice.start", "POST"): only({"admin": 403}, 400),  # no mode chosen
    ("practice.practice_round", "GET"): only({"trainee": 200}, 404),
    ("practice.wrong_answers", "GET"): only({"admin": 403}, 200),
    ("practice_api.start", "POST"): everyone(400, anonymous=401),  # no body
    ("practice_api.practice_round", "GET"): only({"trainee": 200}, 404, anonymous=401),
    ("practice_api.answer", "PUT"): only({"trainee": 400}, 404, anonymous=401),  # no body
    ("practice_api.save_sheet", "PUT"): only({"trainee": 409}, 404, anonymous=401),
    ("practice_api.submit", "POST"): only({"trainee": 409}, 404, anonymous=401),
    ("practice_api.my_wrong_answers", "GET"): everyone(200, anonymous=401),
}
# Online lessons and warning films (branch learning): the demo's online lesson of the gas
# inspectors' course (the center's; the trainee on its roster), its material, the provincial
# regulator's film assigned to the Longjiabao mine's whole staff, and the trainee's viewing.
LESSON_ORGANISER = ("admin", "center")
LESSON_OVERSEERS = ("admin", "center", "regulator", "inspector_national")
FILM_LIBRARY = ("admin", "center", "regulator", "regulator_jiutai", "mine_officer")
MATRIX |= {
    ("learning.index", "GET"): everyone(200),
    ("learning.course", "GET"): only({r: 200 for r in LESSON_OVERSEERS}, 403),
    ("learning.add_lesson", "POST"): only({r: 422 for r in LESSON_ORGANISER}, 403),  # no title
    ("learning.lesson", "GET"): only({r: 200 for r in LESSON_OVERSEERS}, 403),
    ("learning.add_material", "POST"): only({r: 422 for r in LESSON_ORGANISER} | {"regulator": 403}, 403),
    ("learning.material", "GET"): only({r: 200 for r in (*LESSON_OVERSEERS, "trainee")}, 404),
    ("learning.lesson_video", "GET"): only({r: 200 for r in (*LESSON_OVERSEERS, "trainee")}, 404),
    ("learning.study", "GET"): only({"trainee": 200}, 404),
    ("learning.films", "GET"): only({r: 200 for r in FILM_LIBRARY}, 403),
    ("learning.add_film", "POST"): only(  # a film is owned by a unit: the administrator has none
        {r: 422 for r in ("center", "regulator", "regulator_jiutai")}, 403
    ),
    ("learning.film", "GET"): only({r: 200 for r in FILM_LIBRARY}, 403),
    ("learning.assign", "POST"): only(
        {r: 422 for r in ("admin", "regulator", "regulator_jiutai", "mine_officer")}, 403
    ),
    ("learning.assignment", "GET"): only(
        {r: 200 for r in (*OF_THE_LONGJIABAO_MINE, "inspector_national")}, 403
    ),
    ("learning.film_video", "GET"): only({r: 200 for r in (*FILM_LIBRARY, "trainee")}, 404),
    ("learning.watch", "GET"): only({"trainee": 200}, 404),
    ("learning_api.start_upload", "POST"): everyone(400, anonymous=401),  # no body
    ("learning_api.upload_status", "GET"): everyone(404, anonymous=401),
    ("learning_api.upload_chunk", "PUT"): everyone(404, anonymous=401),
    ("learning_api.finish_upload", "POST"): everyone(404, anonymous=401),
    ("learning_api.open_viewing", "POST"): everyone(400, anonymous=401),
    ("learning_api.report", "POST"): everyone(400, anonymous=401),
    ("learning_api.answer_check", "POST"): everyone(400, anonymous=401),
    ("learning_api.still_here", "POST"): everyone(400, anonymous=401),
}

# Requests that change who is logged in, or whom, go last.
LAST = [
    "cameras.remove",
    "exams_api.submit",
    "exams.sign",
    "exams.start_all",
    "admin.revoke_role",
    "admin.set_active",
    "accounts.logout",
]


def routes(app) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule.rule))
    return sorted(found, key=lambda r: (r[0] in LAST, LAST.index(r[0]) if r[0] in LAST else 0))


# Regulator officials' own training (issue 21, item 4): the heads of a unit and of the units above
# see its officials (the record: regulator_jiutai's own); an official opens their own record.
OFFICIALS = ("reviewer_center", "reviewer_dept", "proctor_center", "proctor_dept", *REGULATORS)
MATRIX |= {
    ("staff_training.officials", "GET"): only({r: 200 for r in ("admin", *REGULATORS)}, 403),
    ("staff_training.officials_export", "GET"): only({r: 200 for r in ("admin", *REGULATORS)}, 403),
    # Not yours, no official, no person: the same 404 (no oracle of who is an official).
    ("staff_training.record", "GET"): only({r: 200 for r in ("admin", *REGULATORS)}, 404),
    ("staff_training.me", "GET"): only({r: 302 for r in (*OFFICIALS, "inspector_national")}, 403),
    # the demo gas course is a center's: its staff may post (an empty form), nobody else
    ("staff_training.set_profile", "POST"): only({r: 422 for r in CENTER}, 403),
    ("staff_training.topics", "GET"): ADMIN_ONLY_GET,
    ("staff_training.add_topic", "POST"): only({"admin": 422}, 403),
    ("staff_training.edit_topic", "POST"): only({"admin": 422}, 403),
}

# 警示教育 (issue 21, item 3): the demo's bulletin is 长春's, forwarded to 长春's mines (龙嘉堡 has
# acknowledged it already: a second receipt is a conflict); 龙嘉堡's warning day has no file.
BULLETIN_READERS = ("admin", "regulator", "mine_officer")
DAY_READERS = ("admin", *REGULATORS, "mine_officer", "inspector_national")
MATRIX |= {
    ("warnings.bulletins", "GET"): only({r: 200 for r in ("admin", *REGULATORS, "mine_officer")}, 403),
    ("warnings.new_bulletin", "GET"): only({r: 200 for r in ("admin", *REGULATORS)}, 403),
    ("warnings.new_bulletin", "POST"): only({r: 422 for r in ("admin", *REGULATORS)}, 403),
    ("warnings.bulletin", "GET"): only({r: 200 for r in BULLETIN_READERS}, 403),
    # A receipt and a warning-education day are the mine's own officer's word: not an admin's.
    ("warnings.acknowledge", "POST"): only({"mine_officer": 409}, 403),
    ("warnings.attachment", "GET"): only({r: 404 for r in BULLETIN_READERS}, 403),
    ("warnings.days", "GET"): only({r: 200 for r in DAY_READERS}, 403),
    ("warnings.record_day", "POST"): only({"mine_officer": 422}, 403),
    ("warnings.day_evidence", "GET"): only({r: 404 for r in DAY_READERS}, 403),
}


# 国家矿山安全监察局吉林局 (inspector_national) reads what the provincial regulator reads, and
# nothing else: these pages open for it as for the regulator; every other route, every form
# it might post among them, keeps the refusal of the tables above.
INSPECTORATE_READS = [
    "organisations.detail",
    "people.index",
    "people.record",
    "people.photo",
    "people_api.record",
    "training.classes",
    "training.class_detail",
    "training.assessments",
    "training.assessment",
    "training.lesson",
    "training.deficits",
    "training.coverage",
    "training.education",
    "exams.application",
    "exams.evidence_file",
    "exams.sessions",
    "exams.session",
    "exams.practical",
    "exams.sitting_report",
    "exams.sitting_report_xlsx",
    "certificates.detail",
    "certificates.pdf",
    "certificates.search",
    "certificates.batches",
    "certificates.batch",
    "certificates.batch_progress",
    "certificates.batch_zip",
    "certificates.batch_print",
    "regulator.compliance",
    "regulator.compliance_export",
    "regulator.mine",
    "regulator.search",
    "regulator.search_export",
    "regulator.centers",
    "regulator.dashboard",
    "regulator.dashboard_list",
    "regulator.dashboard_export",
    "recordings.report",
    "recordings.progress",
    "recordings.evidence",
    "safety_culture.index",
    "safety_culture.mine",
    "safety_culture.evidence",
]
for endpoint in INSPECTORATE_READS:
    MATRIX[(endpoint, "GET")]["inspector_national"] = MATRIX[(endpoint, "GET")]["regulator"]


def test_every_route_is_in_the_matrix(app):
    in_map = {(endpoint, method) for endpoint, method, _ in routes(app)}
    assert in_map - MATRIX.keys() == set(), "routes with no entry in the access matrix"
    assert MATRIX.keys() - in_map == set(), "matrix entries for routes that no longer exist"
    for expected in MATRIX.values():
        assert set(expected) == set(ROLES)


@pytest.fixture()
def objects(demo, user_named):
    trainee = user_named("trainee")
    admin = user_named("admin")
    people_ops.set_photo(trainee.person, png_bytes(), actor=admin)
    spare = account_ops.create_user("spare", "Spare", actor=admin, password="spare-password-1")
    mine = db.session.scalar(select(Organisation).where(Organisation.name == "龙嘉堡煤矿"))
    assignment = account_ops.grant_role(spare, Role.MINE_OFFICER, mine, actor=admin)
    question = make_active(qdata("true_false"))
    bank_blueprint = blueprint([("true_false", 1, 1.0)], target="principal", purpose="spot_test")
    db.session.commit()
    exam_session = db.session.scalar(select(ExamSession))
    attempt = exam_session.attempts[0]
    start = utcnow() - timedelta(days=1)
    recording = Recording(
        exam_session_id=exam_session.id,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        filename="room.mp4",
        storage_key="recordings/none.mp4",
        size_bytes=1,
        sha256="0" * 64,
        duration_s=3600,
        width=640,
        height=360,
        retain_until=date(2099, 1, 1),
        status="analysed",
        uploaded_by_id=user_named("proctor_center").id,
        report={"duration_s": 3600.0, "wall_s": 1.0, "roster": None, "samples": []},
        events=[
            RecordingEvent(
                kind="covered",
                start_s=1,
                end_s=9,
                confidence=0.9,
                evidence_key=storage.save("evidence_frames", b"\xff\xd8\xff\xd9", ".jpg"),
            )
        ],
    )
    db.session.add(recording)
    db.session.flush()
    certificate = certified(users_by_name())  # the first gas inspector without a seat: at Jiutai
    regulator = user_named("regulator")
    inspection = regulator_ops.record_inspection(mine, local_today(), "张监察", "", actor=regulator)
    director = next(p for p in regulator_ops.managers_at(mine) if p.post is Post.MINE_DIRECTOR)
    spot = regulator_ops.start_spot_test(inspection, director, bank_blueprint, actor=regulator)
    regulator_ops.submit_spot_test(spot, {}, actor=regulator)
    gas = next(p for p in regulator_ops.spot_testable_at(mine) if p.operation_type is not None)
    on_phone = regulator_ops.start_spot_test(inspection, gas, actor=regulator)
    token = spot_phone.issue_link(on_phone, actor=regulator).token
    culture = culture_ops.report(
        mine, "philosophy", "", b"%PDF-1.4\n%%EOF\n", "x.pdf", actor=user_named("mine_officer")
    )
    practical_exam = passed_practical(users_by_name())
    practice_round = practice_ops.start_round(trainee, "practice")
    limiter.reset()
    course = db.session.scalar(select(Course).where(Course.title == DEMO_COURSE))
    training_class = course.classes[0]
    notes.register("matrix", "A note for the access matrix.")
    notes.notify(trainee, "matrix", "matrix", {})
    notification = db.session.scalar(select(Notification).where(Notification.key == "matrix"))
    import_run = ImportRun(kind=ImportKind.PEOPLE, filename="people.xlsx", person_ids=[trainee.person_id])
    db.session.add(import_run)
    camera = camera_ops.register_camera(
        training_class.classroom_id, "rtsp://10.0.0.7/room", username="u", password="p", actor=admin
    )
    camera.snapshot_key = storage.save("camera_snapshots", b"\xff\xd8\xff\xd9", ".jpg")
    lesson = db.session.scalar(select(OnlineLesson))
    material = learning_ops.add_material(lesson, "讲义", "讲义.pdf", b"%PDF-1.4\n%%EOF\n", actor=admin)
    film = db.session.scalar(select(WarningFilm))
    viewing = learning_ops.open_viewing(trainee.person, lesson)
    bulletin = db.session.scalar(select(Bulletin).order_by(Bulletin.id))
    db.session.commit()
    return {
        "online_lesson_id": lesson.id,
        "material_id": material.id,
        "film_id": film.id,
        "film_assignment_id": film.assignments[0].id,
        "viewing_id": viewing.id,
        "course_id": course.id,
        "class_id": training_class.id,
        "lesson_id": training_class.lessons[0].id,
        "classroom_id": training_class.classroom_id,
        "notification_id": notification.id,
        "certificate_id": certificate.id,
        "serial": certificate.serial,
        "batch_id": certificate.batch_id,
        "mine_id": mine.id,
        "inspection_id": inspection.id,
        "test_id": spot.id,
        "token": token,
        "order_id": spot.order.id,
        "milestone": "philosophy",
        "report_id": culture.id,
        "template_id": culture_templates()[0].id,
        "department_id": departments()[0].id,
        "topic_id": staff_topics()[0].id,
        "bulletin_id": bulletin.id,
        "delivery_id": next(d.id for d in bulletin.deliveries if d.read_at is not None),
        "day_id": db.session.scalar(select(WarningDay.id).order_by(WarningDay.id)),
        "official_id": user_named("regulator_jiutai").person_id,
        "appeal_id": 999_999,
        "upload_id": "nope",
        "recording_id": recording.id,
        "event_id": recording.events[0].id,
        "session_id": exam_session.id,
        "attempt_id": attempt.id,
        "practical_id": practical_exam.id,
        "round_id": practice_round.id,
        "application_id": attempt.application_id,
        "kind": "diploma",
        "question_id": question.id,
        "blueprint_id": bank_blueprint.id,
        "person_id": trainee.person_id,
        "org_id": mine.id,
        "user_id": spare.id,
        "assignment_id": assignment.id,
        "id_number": trainee.person.id_number,
        "filename": "css/portal.css",
        "key": "expiring",
        "run_id": import_run.id,
        "import_kind": ImportKind.REGIONS.value,
        "assessment_id": db.session.scalar(select(MineAssessment.id).order_by(MineAssessment.id)),
    }


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, objects, role):
    app.config["WTF_CSRF_ENABLED"] = False  # this test is about who, not about forms
    try:
        client = app.test_client()
        if role != "anonymous":
            assert login(client, role).status_code == 302
        failures = []
        for endpoint, method, rule in routes(app):
            url = rule
            for name, value in objects.items():
                url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
                url = url.replace(f"<path:{name}>", str(value))
            response = client.open(url, method=method)
            expected = MATRIX[(endpoint, method)][role]
            if response.status_code != expected:
                failures.append(f"{method} {url}: {response.status_code}, expected {expected}")
            check_headers(response, failures, f"{method} {url}")
        assert not failures, "\n".join(failures)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True


def check_headers(response, failures: list[str], where: str) -> None:
    headers = response.headers
    for name, must_contain in (
        ("Content-Security-Policy", "frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
    ):
        if must_contain not in headers.get(name, ""):
            failures.append(f"{where}: header {name} missing or wrong")
    for cookie in headers.getlist("Set-Cookie"):
        if cookie.startswith("portal_session=") and not ("HttpOnly" in cookie and "SameSite=Lax" in cookie):
            failures.append(f"{where}: session cookie without HttpOnly/SameSite")
    if response.status_code >= 500:
        failures.append(f"{where}: server error")
