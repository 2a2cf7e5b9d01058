"""The WSGI entry point (``gunicorn wsgi:app``) and the Celery app (``celery -A wsgi:celery_app``).

``INSTANCE_DIR`` places the instance folder (database, broker, results, secrets, beat schedule)."""

from training_portal import create_app
from training_portal.config import instance_dir

app = create_app(instance_path=str(instance_dir()))
celery_app = app.extensions["celery"]
