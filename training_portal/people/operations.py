"""Operations on people: create and edit records, photos, and who may see which record."""

from __future__ import annotations

import io
from datetime import date

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import Select, and_, or_, select

from ..core import audit, storage
from ..core.db import db
from ..core.errors import CONFLICT, DomainError
from ..core.i18n import local_today
from ..core.permissions import JURISDICTIONAL_ROLES, Role
from ..organisations.models import Organisation, Region
from ..organisations.operations import in_regions
from . import categories, idcard
from .models import RELATED_ORGANISATION_LINKS, Education, OperationType, Person, PersonPost, Post

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# A file's bytes say little of its pixels: a 20,000 × 20,000 PNG is a few KB and decodes to
# 400 MB. 25 megapixels admits any phone or camera photo (24 MP is 6,000 × 4,000).
MAX_PHOTO_PIXELS = 25_000_000
PHOTO_SIZE = (360, 480)  # the 3:4 of an identity photo, enough for a certificate


class PersonError(DomainError):
    """Refused by a rule of people (identity, photo, posts)."""


def find_by_id_number(raw: str) -> Person | None:
    try:
        number = idcard.parse(raw).number
    except idcard.IdNumberError:
        return None
    return db.session.scalar(select(Person).where(Person.id_number == number))


def _snapshot(person: Person) -> dict:
    return {
        "id_number": person.id_number,
        "name": person.name,
        "education": person.education,
        "education_field": person.education_field,
        "mining_related_degree": person.mining_related_degree,
        "work_started_on": person.work_started_on,
        "employer_id": person.employer_id,
        "phone": person.phone,
    }


def create_person(
    id_number: str,
    name: str,
    *,
    actor,
    employer: Organisation | None = None,
    education: Education | None = None,
    education_field: str = "",
    mining_related_degree: bool = False,
    work_started_on: date | None = None,
    phone: str = "",
) -> Person:
    parsed = idcard.parse(id_number)  # raises IdNumberError with a reason
    if db.session.scalar(select(Person.id).where(Person.id_number == parsed.number)):
        raise PersonError(
            _l("A record for this identity number already exists (一人一档)."),
            status=CONFLICT,
            field="id_number",
        )
    person = Person(
        id_number=parsed.number,
        name=name.strip(),
        gender=parsed.gender,
        birth_date=parsed.birth_date,
        employer=employer,
        education=education,
        education_field=education_field,
        mining_related_degree=mining_related_degree,
        work_started_on=work_started_on,
        phone=phone,
    )
    db.session.add(person)
    db.session.flush()
    audit.record("person.create", person, actor=actor, after=_snapshot(person))
    return person


def update_person(person: Person, *, actor, **changes) -> None:
    before = _snapshot(person)
    for field, value in changes.items():
        if field not in before or field == "id_number":
            raise PersonError(f"cannot change {field}")
        setattr(person, field, value)
    db.session.flush()
    after = _snapshot(person)
    if after != before:
        audit.record("person.update", person, actor=actor, before=before, after=after)


def add_post(
    person: Person,
    post: Post,
    *,
    actor,
    started_on: date,
    organisation: Organisation | None = None,
    operation_type: OperationType | None = None,
) -> PersonPost:
    try:
        categories.operation_type(categories.of_post(post), operation_type)
    except categories.UnknownCategory as exc:
        raise PersonError(str(exc)) from None
    entry = PersonPost(
        person=person,
        post=post,
        operation_type=operation_type,
        organisation=organisation,
        started_on=started_on,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record("person.post_add", person, actor=actor, after=entry.as_json())
    return entry


def set_photo(person: Person, data: bytes, *, actor) -> None:
    """Accept a JPEG or PNG by its content, and store it re-encoded (no metadata, fixed size)."""
    if not data:
        raise PersonError(_l("The photo file is empty."), field="photo")
    if len(data) > MAX_PHOTO_BYTES:
        raise PersonError(_l("The photo is larger than 5 MB."), field="photo")
    too_large = _l(
        "The photo has too many pixels: at most %(mp)d megapixels.", mp=MAX_PHOTO_PIXELS // 1_000_000
    )
    try:
        with Image.open(io.BytesIO(data)) as img:  # reads the header only
            if img.format not in ("JPEG", "PNG"):
                raise PersonError(_l("The photo must be a JPEG or PNG image."), field="photo")
            if img.width * img.height > MAX_PHOTO_PIXELS:
                raise PersonError(too_large, field="photo")
            img.load()
            photo = img.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:  # PIL's own, higher limit
        raise PersonError(too_large, field="photo") from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise PersonError(_l("The file is not a readable image."), field="photo") from exc
    photo.thumbnail(PHOTO_SIZE)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=88)
    old = person.photo_key
    person.photo_key = storage.save("photos", out.getvalue(), ".jpg")
    db.session.flush()
    audit.record(
        "person.photo_set", person, actor=actor, before={"photo": old}, after={"photo": person.photo_key}
    )


def _holds_post_at(org_ids):
    """EXISTS a current post at one of ``org_ids``: checked per candidate row through the index
    on person_posts.person_id, never by hashing every post of a province."""
    today = local_today()
    return Person.posts.any(
        and_(
            PersonPost.organisation_id.in_(org_ids),
            or_(PersonPost.ended_on.is_(None), PersonPost.ended_on >= today),
        )
    )


def related_to(org_ids):
    """People employed by, or holding a current post at, one of ``org_ids``."""
    return or_(Person.employer_id.in_(org_ids), _holds_post_at(org_ids))


def visible_people(user) -> Select:
    """People whose record this user may see, as a query to filter and page further.

    The same rule as ``Person.can_view_record``, said in SQL for lists.
    """
    query = select(Person)
    if user.has_role(Role.ADMIN):
        return query
    conditions = []
    if user.person_id is not None:
        conditions.append(Person.id == user.person_id)
    own_orgs = [
        a.organisation_id
        for a in user.assignments
        if a.organisation_id is not None and a.role in (Role.MINE_OFFICER, Role.CENTER_STAFF)
    ]
    if own_orgs:
        conditions.append(Person.employer_id.in_(own_orgs))
        conditions.append(_holds_post_at(own_orgs))
        conditions += [link.related_at(own_orgs) for link in RELATED_ORGANISATION_LINKS]
    paths = [
        a.organisation.region.path
        for a in user.assignments
        if a.role in JURISDICTIONAL_ROLES and a.organisation is not None
    ]
    if any("/" not in path for path in paths):
        # The province's own regulators: this platform serves one province, so they see everyone
        # without a per-row check (what keeps a province-wide search fast).
        return query
    if paths:
        orgs_in_jurisdiction = select(Organisation.id).join(Region).where(in_regions(paths))
        conditions.append(Person.employer_id.in_(orgs_in_jurisdiction))
        conditions.append(_holds_post_at(orgs_in_jurisdiction))
        conditions += [link.related_at(orgs_in_jurisdiction) for link in RELATED_ORGANISATION_LINKS]
    return query.where(or_(*conditions)) if conditions else query.where(False)
