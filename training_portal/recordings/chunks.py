"""The chunk half of a resumable upload, the same for every kind of video: where an upload
stands and the next chunk at its offset. Each kind's blueprint starts and finishes its own
uploads and routes these under its start URL (``static/js/upload.js`` sends to
``<start URL>/<id>``)."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from proctoring import operations as ops
from proctoring.models import Upload

from ..core.db import db
from ..core.web import refuse


def own_upload(upload_id: str) -> Upload:
    """The signed-in user's own upload; anyone else's is a 404."""
    upload = db.session.get(Upload, upload_id)
    if upload is None or upload.created_by_id != current_user.id:
        refuse(404, _("No such upload."))
    return upload


def status_response(upload: Upload):
    return jsonify({"id": upload.id, "received": upload.received, "size": upload.total_size})


def chunk_response(upload: Upload):
    offset = request.args.get("offset", type=int)
    if offset is None:
        refuse(400, _("Say at which byte the chunk starts (?offset=n)."))
    try:
        received = ops.add_chunk(upload, offset, request.get_data())
    except ops.RecordingError as exc:
        return jsonify({"error": 409, "reason": str(exc), "received": upload.received}), 409
    return jsonify({"received": received, "size": upload.total_size})
