"""The message of each kind of notification: a lazy string with ``%(name)s`` parameters,
registered by the domain that sends it and rendered when it is read, in its reader's language;
and a short title (the list, the SMS's first words, the API)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import Notification

MESSAGES: dict[str, object] = {}
TITLES: dict[str, object] = {}
DEFAULT_TITLE = _l("Notice")


def register(kind: str, message, title=None) -> None:
    if MESSAGES.get(kind, message) is not message:
        raise ValueError(f"notification kind {kind!r} registered twice")
    MESSAGES[kind] = message
    if title is not None:
        TITLES[kind] = title


def text(notification: Notification) -> str:
    message = MESSAGES.get(notification.kind)
    if message is None:
        return notification.kind
    return str(message) % notification.params


def title(notification: Notification) -> str:
    return str(TITLES.get(notification.kind, DEFAULT_TITLE))
