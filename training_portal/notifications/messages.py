"""The message of each kind of notification: a lazy string with ``%(name)s`` parameters,
registered by the domain that sends it and rendered when it is read, in its reader's language."""

from __future__ import annotations

from .models import Notification

MESSAGES: dict[str, object] = {}


def register(kind: str, message) -> None:
    if MESSAGES.get(kind, message) is not message:
        raise ValueError(f"notification kind {kind!r} registered twice")
    MESSAGES[kind] = message


def text(notification: Notification) -> str:
    message = MESSAGES.get(notification.kind)
    if message is None:
        return notification.kind
    return str(message) % notification.params
