"""The one kind of refusal the domain raises, and what it means over HTTP.

An operation that a rule refuses raises a ``DomainError`` (or a domain's subclass of it) whose
``str()`` is the reason to show. It says which HTTP status it means, so that no view has to
choose one: 422 for input that is not valid, 409 for a request that conflicts with the state
of the thing (already signed, not open yet, decided already), 403 for something a rule refuses
this person (a reviewer's own center, a third examiner who scored already). ``field`` names
the form field the message belongs beside, where there is one.

The one handler for it lives in ``core.web``: a JSON caller gets ``{"error": status,
"reason": …}``, a form view that said ``redraw_on_refusal(...)`` is drawn again with the
message beside the field, and any other view answers the error page.
"""

from __future__ import annotations

INVALID = 422
CONFLICT = 409
REFUSED = 403


class DomainError(ValueError):
    """A rule refused the operation; ``str()`` is the reason to show.

    A ``ValueError`` still, so code that catches bad values around a parser keeps catching it.
    """

    status: int = INVALID

    def __init__(self, reason: object, *, status: int | None = None, field: str | None = None) -> None:
        super().__init__(str(reason))
        self.reason = reason
        if status is not None:
            self.status = status
        self.field = field
