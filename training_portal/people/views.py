"""Pages of people: the list a user may see, a person's record (一人一档), editing, photos."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from ..core import storage
from ..core.db import db
from ..core.forms import choices
from ..core.i18n import local_today
from ..core.web import get_or_404, redraw_on_refusal, refuse, validated
from ..organisations.models import MineEnterprise, Organisation
from . import departments, idcard, records
from . import operations as ops
from .forms import AppointHeadForm, DepartmentForm, PersonForm, PersonSearchForm
from .models import Department, Education, Person

bp = Blueprint("people", __name__, url_prefix="/people", template_folder="templates")

PAGE_SIZE = 50


def _person_or_404(person_id: int) -> Person:
    return get_or_404(Person, person_id, _("No such person."))


@bp.get("/")
@login_required
def index():
    if not current_user.holds("person.view_record"):
        refuse(403, _("Your roles do not include looking up people."))
    form = PersonSearchForm(formdata=request.args)
    query = ops.visible_people(current_user)
    org_id = request.args.get("org", type=int)
    if org_id:
        query = query.where(Person.employer_id == org_id)
    term = (form.q.data or "").strip()
    if term and form.validate():
        try:
            number = idcard.parse(term).number
            query = query.where(Person.id_number == number)
        except idcard.IdNumberError:
            query = query.where(
                or_(
                    Person.name.contains(term, autoescape=True),
                    Person.id_number.startswith(term.upper(), autoescape=True),
                )
            )
    people = db.session.scalars(query.order_by(Person.name, Person.id).limit(PAGE_SIZE)).all()
    return render_template(
        "people/index.html", form=form, people=people, mask=idcard.mask, limited=len(people) == PAGE_SIZE
    )


@bp.get("/me")
@login_required
def me():
    if current_user.person_id is None:
        refuse(404, _("This account is not linked to a person."))
    return redirect(url_for("people.record", person_id=current_user.person_id))


@bp.get("/<int:person_id>")
@login_required
def record(person_id: int):
    person = _person_or_404(person_id)
    if not person.can_view_record(current_user):
        refuse(403, _("This record is outside what you may see."))
    return render_template(
        "people/record.html",
        person=person,
        can_edit=person.can_edit(current_user),
        sections=records.page_sections(person),
    )


@bp.get("/<int:person_id>/photo")
@login_required
def photo(person_id: int):
    person = _person_or_404(person_id)
    if not person.can_view_record(current_user):
        refuse(403, _("This record is outside what you may see."))
    if person.photo_key is None:
        refuse(404, _("No photo on record."))
    return storage.send(person.photo_key, mimetype="image/jpeg", max_age=0)


def _employer_choices():
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.kind, Organisation.name))
    return choices([(0, "—"), *((o.id, o.name) for o in orgs if current_user.can("person.edit", o))])


def _save(form: PersonForm, person: Person | None) -> Person | None:
    """Apply the form through the operations; return None (with form errors) when refused."""
    employer = db.session.get(Organisation, form.employer_id.data) if form.employer_id.data else None
    if employer is not None and not current_user.can("person.edit", employer):
        form.employer_id.errors.append(_("You cannot add people to this organisation."))
        return None
    fields = dict(
        education=Education(form.education.data) if form.education.data else None,
        education_field=form.education_field.data or "",
        mining_related_degree=form.mining_related_degree.data,
        work_started_on=form.work_started_on.data,
        phone=form.phone.data or "",
    )
    # A refusal of the operations (a record of this number exists, an unreadable photo)
    # redraws the form through the view's redraw_on_refusal.
    if person is None:
        person = ops.create_person(
            form.id_number.data, form.name.data, actor=current_user, employer=employer, **fields
        )
    else:
        ops.update_person(
            person,
            actor=current_user,
            name=form.name.data,
            employer_id=employer.id if employer else None,
            **fields,
        )
    if form.photo.data:
        ops.set_photo(person, form.photo.data.read(ops.MAX_PHOTO_BYTES + 1), actor=current_user)
    return person


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not current_user.holds("person.edit"):
        refuse(403, _("Your roles do not include creating records."))
    form = PersonForm()
    form.employer_id.choices = _employer_choices()
    redraw_on_refusal("people/form.html", form, person=None)
    if form.validate_on_submit():
        person = _save(form, None)
        if person is not None:
            return redirect(url_for("people.record", person_id=person.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("people/form.html", form=form, person=None), status


@bp.route("/<int:person_id>/edit", methods=["GET", "POST"])
@login_required
def edit(person_id: int):
    person = _person_or_404(person_id)
    if not person.can_edit(current_user):
        refuse(403, _("You may not edit this record."))
    if request.method == "POST" and not request.form:
        # WTForms would otherwise fill an empty form from the record and "save" it.
        refuse(400, _("The form arrived empty."))
    form = PersonForm(obj=person)
    form.employer_id.choices = _employer_choices()
    if not form.is_submitted():
        form.employer_id.data = person.employer_id or 0
        form.education.data = person.education.value if person.education else ""
    form.id_number.render_kw = {"readonly": True}
    redraw_on_refusal("people/form.html", form, person=person)
    if form.validate_on_submit():
        if form.id_number.data != person.id_number:
            form.id_number.errors.append(_("The identity number of a record cannot change."))
        elif _save(form, person) is not None:
            return redirect(url_for("people.record", person_id=person.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("people/form.html", form=form, person=person), status


# ----------------------------------------------------------------------------- the 五科


def _need_admin() -> None:
    if not current_user.can("policy.edit", None):
        refuse(403, _("Administrators only."))


def _departments_page() -> dict:
    return dict(rows=departments.departments(with_retired=True))


@bp.get("/departments")
@login_required
def departments_list():
    """The administrator's list of the 五科 (the plan's five to begin with)."""
    _need_admin()
    return render_template("people/departments.html", **_departments_page())


@bp.post("/departments")
@login_required
def add_department():
    _need_admin()
    form = DepartmentForm()
    redraw_on_refusal("people/departments.html", form, form_name="add_form", context=_departments_page)
    validated(form)
    departments.add_department(
        form.key.data or "", form.name.data, form.name_en.data or "", form.position.data, actor=current_user
    )
    return redirect(url_for("people.departments_list"))


@bp.post("/departments/<int:department_id>")
@login_required
def edit_department(department_id: int):
    _need_admin()
    row = get_or_404(Department, department_id, _("No such department."))
    form = DepartmentForm()
    redraw_on_refusal(
        "people/departments.html", form, form_name="edit_form", context=_departments_page, refused=row.id
    )
    validated(form)
    departments.edit_department(
        row,
        form.name.data,
        form.name_en.data or "",
        form.position.data,
        form.retired.data,
        actor=current_user,
    )
    return redirect(url_for("people.departments_list"))


def _mine_or_error(mine_id: int) -> MineEnterprise:
    mine = get_or_404(MineEnterprise, mine_id, _("No such mine."))
    if not current_user.can("compliance.view", mine):
        refuse(403, _("This mine is outside your jurisdiction."))
    return mine


def _heads_page(mine: MineEnterprise) -> dict:
    return dict(
        mine=mine,
        heads=departments.heads_of(mine, local_today()),
        choices=[(d.id, d.label) for d in departments.departments()],
        can_appoint=current_user.can("person.edit", mine),
        today=local_today(),
    )


@bp.get("/mines/<int:mine_id>/departments")
@login_required
def mine_departments(mine_id: int):
    """A mine's 五科 and their heads; the mine (or the administrator) appoints them here."""
    return render_template("people/mine_departments.html", **_heads_page(_mine_or_error(mine_id)))


@bp.post("/mines/<int:mine_id>/departments")
@login_required
def appoint_head(mine_id: int):
    mine = _mine_or_error(mine_id)
    if not current_user.can("person.edit", mine):
        refuse(403, _("The mine's own officer appoints its department heads."))
    form = AppointHeadForm()
    redraw_on_refusal("people/mine_departments.html", form, context=lambda: _heads_page(mine))
    validated(form)
    department = db.session.get(Department, form.department_id.data or 0)
    if department is None:
        raise departments.DepartmentError(_("Choose a department."), field="department_id")
    person = ops.find_by_id_number(form.id_number.data)
    if person is None:
        raise departments.DepartmentError(_("No person with this identity number."), field="id_number")
    departments.appoint_head(mine, department, person, form.started_on.data, actor=current_user)
    return redirect(url_for("people.mine_departments", mine_id=mine.id))
