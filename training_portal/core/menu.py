"""The top menu, drawn by ``base.html`` from entries each domain adds in its ``init_app``.

An entry only decides whether a link shows (``user.holds(...)`` and the like); the page
behind it still asks its objects. Entries are kept per app, in ``order``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from flask_login import current_user

if TYPE_CHECKING:
    from flask import Flask


@dataclass(frozen=True)
class MenuEntry:
    endpoint: str
    label: object  # a lazy string, rendered in the request's language
    order: int
    shows: Callable[[object], bool]


def add(
    app: Flask, endpoint: str, label: object, order: int, shows: Callable[[object], bool] = lambda user: True
) -> None:
    entries: list[MenuEntry] = app.extensions.setdefault("menu", [])
    if any(e.endpoint == endpoint for e in entries):
        raise ValueError(f"menu entry {endpoint!r} exists already")
    entries.append(MenuEntry(endpoint, label, order, shows))
    entries.sort(key=lambda e: e.order)


def holds_any(*permissions: str) -> Callable[[object], bool]:
    return lambda user: any(user.holds(p) for p in permissions)


def has_record(user) -> bool:
    return bool(user.person_id)


def entries() -> list[MenuEntry]:
    """The entries the logged-in user is shown, in order."""
    if not current_user.is_authenticated:
        return []
    return [e for e in current_app.extensions.get("menu", []) if e.shows(current_user)]


def init_app(app: Flask) -> None:
    app.add_template_global(entries, "menu_entries")
