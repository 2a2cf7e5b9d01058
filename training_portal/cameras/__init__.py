"""Networked classroom cameras in the portal (监控视频联网): a classroom's camera registered by
its center, its latest picture, and the regulators' wall of the classrooms they oversee
(reached from the training-center oversight page, beside the 联网 figure)."""


def init_app(app) -> None:
    from . import views

    app.register_blueprint(views.bp)
