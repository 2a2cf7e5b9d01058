"""The identity check at the seat: the camera's face compared with the photo on record.

The comparison is an aid: it is stored on the seat and audited, and the proctor decides
(``sessions.check_identity``). The matcher is ``proctoring.identity``'s, loaded once per
process; the photo on record is described again at each comparison (0.2-0.4 s), which keeps
no face descriptor of anyone in the database.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from proctoring import identity as faces

from ..core import audit, storage
from ..core.db import db
from ..core.errors import CONFLICT, REFUSED
from .applications import ExamError
from .models import AttemptState, ExamAttempt

MAX_FRAME_BYTES = faces.MAX_BYTES

_FRAME_REFUSALS = {
    "empty": _l("The camera sent no picture."),
    "too_large": _l("The picture is too large (at most 4 MB and 25 megapixels)."),
    "format": _l("The picture must be a JPEG or PNG image."),
    "unreadable": _l("The picture cannot be read."),
    "no_face": _l("No face was found in the camera's picture: face the camera, in good light."),
}


def compare(attempt: ExamAttempt, frame: bytes, *, proctor) -> faces.Comparison:
    """Compare ``frame`` (JPEG or PNG, checked by content and size) with the photo on record."""
    if attempt.session.proctor_unit(proctor) is None:  # asked before anything is read or written
        raise ExamError(_l("Only the room's two proctors act in it."), status=REFUSED)
    if attempt.state is not AttemptState.NOT_STARTED:
        raise ExamError(_l("Identity is checked before the candidate starts."), status=CONFLICT)
    if attempt.person.photo_key is None:
        raise ExamError(
            _l("There is no photo on record to compare with: confirm with a reason."), status=CONFLICT
        )
    try:
        rgb = faces.decode(frame)
    except faces.NotAFaceImage as exc:
        raise ExamError(_FRAME_REFUSALS[exc.code], field="frame") from None
    matcher = faces.matcher()
    try:
        on_record = matcher.describe(faces.decode(storage.read(attempt.person.photo_key)))
    except faces.NotAFaceImage:
        raise ExamError(
            _l("The photo on record shows no face the matcher can find: check by eye, with a reason."),
            status=CONFLICT,
        ) from None
    try:
        seen = matcher.describe(rgb)
    except faces.NotAFaceImage as exc:
        raise ExamError(_FRAME_REFUSALS[exc.code], field="frame") from None
    result = matcher.compare(on_record, seen)
    attempt.identity_distance = result.distance
    attempt.identity_same_person = result.same_person
    db.session.flush()
    audit.record(
        "attempt.identity_compare",
        attempt,
        actor=proctor,
        after={
            "distance": result.distance,
            "threshold": result.threshold,
            "same_person": result.same_person,
            "matcher": result.matcher,
        },
    )
    return result
