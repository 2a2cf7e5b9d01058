"""Enums that carry a translatable label, and the lookup pages use to show a stored code.

Labels stay lazy until rendered, so what is built once when modules load (form choices)
still shows in each request's language. The enums are stored with ``db.enum_column``.
"""

from __future__ import annotations

import enum


class Labelled(enum.StrEnum):
    """An enum whose members carry a translatable label in ``_LABELS``."""

    @property
    def label(self) -> str:
        return str(self._labels()[self])

    @property
    def lazy_label(self):
        """The label untranslated until rendered: for what is built once, when modules load
        (form choices), and shown in each request's language."""
        return self._labels()[self]

    @classmethod
    def _labels(cls) -> dict:
        raise NotImplementedError

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.lazy_label) for m in cls]


def label_of(kinds: str, code: str | None, default: str | None = None) -> str:
    """The label of ``code`` in the first of the ``Labelled`` enums named in ``kinds`` (space
    separated) that has it: for pages that render a record's JSON, which holds codes
    (``label_of("ApplicationStatus", a.status)``). A code none of them knows is ``default``,
    or an error: a page must not show a code unlabelled by accident."""
    if code is None:
        return "—"
    enums, todo = {}, list(Labelled.__subclasses__())
    while todo:
        cls = todo.pop()
        enums[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    for kind in kinds.split():
        if code in enums[kind]._value2member_map_:
            return enums[kind](code).label
    if default is None:
        raise LookupError(f"{code!r} is none of {kinds}")
    return default
