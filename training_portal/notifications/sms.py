"""Text messages (短信). Chinese users expect an SMS for what decides their work, so every
notice also goes by SMS to the person's phone on record, through a pluggable sender named by
``SMS_BACKEND``:

- ``log`` (the default): the message is written to the portal's log, phone number masked;
- empty: no SMS;
- ``package.module:Name``: a gateway of your own, an object (or a class taking the app's
  config) with ``send(phone, text)`` that raises ``OSError`` when the gateway cannot be
  reached (the job then tries again later). A gateway's keys belong in its own environment
  variables, read from the config it is given; see the README.

Each notice is texted at most once (``Notification.texted_at``), after its decision committed.
"""

from __future__ import annotations

import importlib
import logging
from typing import Protocol

from flask import current_app

log = logging.getLogger("training_portal.sms")


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


def masked(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


class LogSender:
    """Writes the message to the log instead of a gateway: for a portal without one."""

    def __init__(self, config=None) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", masked(phone), text)
        self.sent.append((masked(phone), text))


def configured() -> bool:
    return bool(current_app.config.get("SMS_BACKEND"))


def sender() -> SmsSender:
    """The configured sender, made once per app."""
    made = current_app.extensions.get("sms_sender")
    if made is None:
        name = current_app.config["SMS_BACKEND"]
        if name == "log":
            made = LogSender()
        else:
            module, _, attribute = name.partition(":")
            if not attribute:
                raise ValueError(f"SMS_BACKEND={name!r}: give 'log' or 'package.module:Name'")
            made = getattr(importlib.import_module(module), attribute)
            if isinstance(made, type):
                made = made(current_app.config)
        current_app.extensions["sms_sender"] = made
    return made
