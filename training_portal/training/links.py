"""How training ties into the rest: trainees are related to the centers that train them (so
center staff see their records), and a classroom recording re-checks its lessons' hours."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, select

from proctoring.signals import recording_changed

from ..core.db import db
from ..organisations.models import Organisation
from ..people.models import Person, add_organisation_link
from . import operations as ops
from .models import Course, Enrolment, TrainingClass

if TYPE_CHECKING:
    from flask import Flask


class TraineesOfCenter:
    """A person enrolled in any class of a center is that center's trainee."""

    def organisations_of(self, person: Person) -> list[Organisation]:
        return list(
            db.session.scalars(
                select(Organisation)
                .join(Course, Course.center_id == Organisation.id)
                .join(TrainingClass)
                .join(Enrolment)
                .where(Enrolment.person_id == person.id)
                .distinct()
            )
        )

    def related_at(self, organisation_ids: Select | list[int]) -> ColumnElement[bool]:
        return (
            select(Enrolment.id)
            .join(TrainingClass)
            .join(Course)
            .where(Enrolment.person_id == Person.id, Course.center_id.in_(organisation_ids))
            .exists()
        )


TRAINEES = TraineesOfCenter()


def _recording_changed(recording) -> None:
    ops.recording_changed(recording)


def init_app(app: Flask) -> None:
    add_organisation_link(TRAINEES)
    recording_changed.connect(_recording_changed)
