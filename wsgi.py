"""The WSGI entry point (``gunicorn wsgi:app``) and the Celery app (``celery -A wsgi:celery_app``)."""

from training_portal import create_app

app = create_app()
celery_app = app.extensions["celery"]
