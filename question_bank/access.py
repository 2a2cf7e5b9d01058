"""The bank's permissions, in the portal's one registry. The exam bank belongs to the two
reviewing units, never to the training centers (考教分离)."""

from flask_babel import lazy_gettext as _l

from training_portal.core.permissions import Role, register

register("question.edit", _l("Write and import questions, build blueprints"), Role.REVIEWER)
register("question.review", _l("Review questions (the author never reviews their own)"), Role.REVIEWER)


def can_edit(user) -> bool:
    return user.is_authenticated and user.holds("question.edit")


def can_review(user) -> bool:
    return user.is_authenticated and user.holds("question.review")


def can_see(user) -> bool:
    return can_edit(user) or can_review(user)
