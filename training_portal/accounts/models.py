"""Accounts: who logs in, which roles they hold for which organisation, their sessions."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import permissions
from ..core.db import UTCDateTime, db, utcnow
from ..core.db import enum_column as _enum
from ..core.permissions import JURISDICTIONAL_ROLES, Role
from ..organisations.models import Organisation
from ..people.models import Person


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(60))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(120))  # for notifications, where mail is configured
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person | None] = relationship()
    assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        order_by="RoleAssignment.id",
        foreign_keys="RoleAssignment.user_id",
    )

    # Set for the request by the session loader; Flask-Login stores it, not the user id,
    # so that ending the server-side session really ends the log-in.
    session_token = None  # type: str | None

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def roles(self) -> set[Role]:
        return {a.role for a in self.assignments}

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def organisations(self, role: Role | None = None) -> list[Organisation]:
        return [
            a.organisation
            for a in self.assignments
            if a.organisation is not None and (role is None or a.role == role)
        ]

    def holds(self, permission: str) -> bool:
        """Whether any of the user's roles grants the permission, anywhere."""
        return bool(self.roles & permissions.roles_with(permission))

    def can(self, permission: str, organisation: Organisation | None) -> bool:
        """Whether one of the user's role assignments grants ``permission`` over ``organisation``.

        ``None`` asks about something that belongs to no organisation: only admins.
        """
        granting = permissions.roles_with(permission)
        for assignment in self.assignments:
            if assignment.role not in granting:
                continue
            if assignment.role is Role.ADMIN:
                return True
            if organisation is not None and assignment.covers(organisation):
                return True
        return False


class RoleAssignment(db.Model):
    """One role held by an account, for one organisation (none for trainee and admin)."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("user_id", "role", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(back_populates="assignments", foreign_keys=[user_id])
    organisation: Mapped[Organisation | None] = relationship()

    def covers(self, organisation: Organisation) -> bool:
        if self.organisation is None:
            return False
        if self.organisation_id == organisation.id:
            return True
        return self.role in JURISDICTIONAL_ROLES and self.organisation.region.contains(organisation.region)

    def as_json(self) -> dict:
        return {
            "role": self.role.value,
            "organisation": self.organisation.name if self.organisation else None,
        }


class AuthSession(db.Model):
    """A server-side log-in session. Logging out deletes it, so a copied cookie dies too."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    address: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """Recent log-in attempts, for throttling per account and per address."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), index=True)
    address: Mapped[str] = mapped_column(String(45), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)


class PendingAction(db.Model):
    """A form post held while its sender confirms the password (see ``recent``): its fields, for
    one account and one target path, for a few minutes. Kept on the server, not in the signed
    cookie, which anyone holding it can read and which a long reason would overflow."""

    __tablename__ = "pending_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(300))
    back: Mapped[str] = mapped_column(String(300))
    fields: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
