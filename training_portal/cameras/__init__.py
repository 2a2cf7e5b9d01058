"""Networked classroom cameras in the portal (监控视频联网): a classroom's camera registered by
its center, its latest picture, the regulators' wall of the classrooms they oversee (reached
from the training-center oversight page, beside the 联网 figure), and the lessons on now,
whose live samples are analysed as an upload is."""


def init_app(app) -> None:
    from proctoring import cameras

    from . import slots, views

    app.register_blueprint(views.bp)
    cameras.add_slot_provider(slots.lessons_now)
