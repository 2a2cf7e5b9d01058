"""What onboarding keeps: each import that was written, and the one-time activation codes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.db import UTCDateTime, db, utcnow
from ..core.db import enum_column as _enum
from ..core.labels import Labelled


class ImportKind(Labelled):
    REGIONS = "region_file"
    ORGANISATIONS = "organisation_file"
    PEOPLE = "people_file"

    @classmethod
    def _labels(cls):
        return {
            cls.REGIONS: _l("Administrative divisions"),
            cls.ORGANISATIONS: _l("Organisations"),
            cls.PEOPLE: _l("People and posts"),
        }


class ImportRun(db.Model):
    """One file imported whole (a refused file writes nothing, so leaves no run)."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(_enum(ImportKind))
    filename: Mapped[str] = mapped_column(String(200), default="")
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    # The people of a people file, so that "everyone in this import" can get accounts.
    person_ids: Mapped[Any] = mapped_column(JSON, default=list)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    imported_by: Mapped[User | None] = relationship()


class ActivationCode(db.Model):
    """A one-time code that lets a new account's owner set the first password. Only its HMAC is
    kept; the code itself exists on the printed sheet alone."""

    __tablename__ = "activation_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when a newer code replaced this one.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
