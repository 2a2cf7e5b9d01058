"""Configuration from environment variables, with defaults that are safe to run."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def instance_dir() -> Path:
    """Where the portal keeps its state by default: ``INSTANCE_DIR``, else ``instance/`` in the
    checkout. One variable moves the database, broker, results, secrets and beat schedule."""
    return Path(os.environ.get("INSTANCE_DIR") or ROOT / "instance")


def _secret_key(instance: Path, name: str = "SECRET_KEY") -> str:
    """A key from the environment, else one generated once and kept under instance/ (mode 600):
    SECRET_KEY in ``instance/secret_key``, AUDIT_KEY in ``instance/audit_key``."""
    if os.environ.get(name):
        return os.environ[name]
    path = instance / name.lower()
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def database_url(url: str) -> str:
    """Accept the usual postgresql:// form and use psycopg 3 for it."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


PROVINCE_ZONE = "Asia/Shanghai"  # the province's dates and times


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _redis_transport_options(visibility_timeout: int) -> dict:
    """Kombu looks for abandoned jobs only every 10 x 10 s by default, so a dead worker's job
    would wait up to 100 s past its visibility timeout; look every few seconds instead (one
    ZRANGE under a mutex, cheap)."""
    return {
        "visibility_timeout": visibility_timeout,
        "unacked_restore_interval": max(1, min(10, visibility_timeout // 3)),
        "unacked_restore_throttle": 1,
    }


def load(instance: Path, overrides: dict | None = None) -> dict:
    instance.mkdir(parents=True, exist_ok=True)
    env = os.environ
    db_url = database_url(env.get("DATABASE_URL", f"sqlite:///{instance / 'portal.sqlite'}"))
    broker = env.get("CELERY_BROKER_URL", f"sqla+sqlite:///{instance / 'celery-broker.sqlite'}")
    backend = env.get("CELERY_RESULT_BACKEND") or (
        broker
        if broker.startswith(("redis://", "rediss://"))
        else f"db+sqlite:///{instance / 'celery-results.sqlite'}"
    )
    config = {
        "SECRET_KEY": None,  # filled below unless overridden
        # The audit trail's MAC key: outside the database, so write access to it cannot forge
        # entries (see core/audit.py). Filled below unless overridden.
        "AUDIT_KEY": None,
        "SQLALCHEMY_DATABASE_URI": db_url,
        # PostgreSQL's JIT compiler (off: it costs more than it saves on the portal's queries;
        # POSTGRES_JIT=1 leaves the server's setting).
        "POSTGRES_JIT": env.get("POSTGRES_JIT", "0") == "1",
        "STORAGE_DIR": env.get("STORAGE_DIR", str(instance / "storage")),
        # "local" (under STORAGE_DIR) or "s3": an S3-compatible bucket (see core/storage.py).
        "STORAGE_BACKEND": env.get("STORAGE_BACKEND", "local"),
        "STORAGE_S3_BUCKET": env.get("STORAGE_S3_BUCKET", ""),
        "STORAGE_S3_ENDPOINT_URL": env.get("STORAGE_S3_ENDPOINT_URL", ""),
        "STORAGE_S3_REGION": env.get("STORAGE_S3_REGION", ""),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        # Classroom recordings are hours long; they arrive in chunks well under MAX_CONTENT_LENGTH.
        "RECORDING_MAX_BYTES": _int("RECORDING_MAX_BYTES", 4 * 1024**3),
        "RECORDING_CHUNK_BYTES": 8 * 1024 * 1024,
        # A job meeting a passing error (disk full or read-only, database locked) tries again
        # after JOB_RETRY_BASE_S, doubling each time, JOB_MAX_RETRIES times; then it is failed.
        # A stored file no row names is deleted this long after it was written (longer than
        # any job runs: a job still running may not have committed its row yet).
        "STORAGE_ORPHAN_HOURS": _int("STORAGE_ORPHAN_HOURS", 12),
        "JOB_MAX_RETRIES": _int("JOB_MAX_RETRIES", 5),
        "JOB_RETRY_BASE_S": _int("JOB_RETRY_BASE_S", 10),
        # Classroom cameras: how long one may take to answer, how many are read at once.
        "CAMERA_TIMEOUT_S": _int("CAMERA_TIMEOUT_S", 4),
        "CAMERA_WORKERS": _int("CAMERA_WORKERS", 256),
        "CAMERA_SAMPLE_INTERVAL_S": _int("CAMERA_SAMPLE_INTERVAL_S", 2),
        "CELERY": {
            "broker_url": broker,
            "result_backend": backend,
            "task_serializer": "json",
            "result_serializer": "json",
            "accept_content": ["json"],
            "task_ignore_result": False,
            "worker_prefetch_multiplier": 1,
            "task_track_started": True,  # a page can tell a job that runs from one that waits
            "broker_connection_retry_on_startup": True,
            # Redis hands an unacknowledged job (its worker died) to another worker after this
            # many seconds; it must exceed the longest job, or a slow job would run twice.
            "broker_transport_options": (
                _redis_transport_options(_int("CELERY_VISIBILITY_TIMEOUT", 3600))
                if broker.startswith(("redis://", "rediss://"))
                else {}
            ),
            "beat_schedule": {
                "verify-audit-chain-nightly": {"task": "core.verify_audit_chain", "schedule": 24 * 3600.0},
                # Entries written after the newest anchor can vanish unnoticed: this bounds that.
                "anchor-audit-chain": {"task": "core.anchor_audit_chain", "schedule": 600.0},
                "prune-login-records-hourly": {"task": "accounts.prune_login_records", "schedule": 3600.0},
                "delete-expired-recordings": {
                    "task": "proctoring.delete_expired_recordings",
                    "schedule": 24 * 3600.0,
                },
                "sweep-orphan-files-hourly": {"task": "core.sweep_orphan_files", "schedule": 3600.0},
                "delete-abandoned-uploads": {
                    "task": "proctoring.delete_abandoned_uploads",
                    "schedule": 3600.0,
                },
                # Networked classroom cameras: one frame each; a run that is late is dropped,
                # never stacked behind the next.
                "sample-cameras": {
                    "task": "proctoring.sample_cameras",
                    "schedule": float(_int("CAMERA_SAMPLE_INTERVAL_S", 2)),
                    "options": {"expires": float(_int("CAMERA_SAMPLE_INTERVAL_S", 2))},
                },
                # A deadline passes whether or not the candidate's page is open.
                "close-overdue-attempts": {"task": "exams.close_overdue_attempts", "schedule": 30.0},
                # Reminders of classes, hours and re-training due; each is sent once.
                "training-reminders-hourly": {"task": "training.send_reminders", "schedule": 3600.0},
                "certificate-reminders-hourly": {"task": "certificates.send_reminders", "schedule": 3600.0},
                # Mines overdue on safety culture; once per policy period each.
                "safety-culture-reminders-hourly": {
                    "task": "safety_culture.send_reminders",
                    "schedule": 3600.0,
                },
            },
        },
        # Sessions and log-in
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "portal_session",
        # Secure cookies whenever the request came over HTTPS (see core.web); forced on with 1.
        "SESSION_COOKIE_SECURE": env.get("SESSION_COOKIE_SECURE") == "1",
        "IDLE_TIMEOUT_MINUTES": _int("IDLE_TIMEOUT_MINUTES", 30),
        "SESSION_MAX_HOURS": _int("SESSION_MAX_HOURS", 12),
        # Log-in throttling (accounts.operations._throttle): failures in the window count, successes
        # never reset them. Past the free failures, each failure doubles the wait before the next
        # password is even checked, up to the cap. Per account only at one address (an attacker
        # elsewhere cannot lock a proctor out); per address loosely (a whole exam room shares one).
        "LOGIN_THROTTLE_WINDOW_MINUTES": 15,
        "LOGIN_FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS": 5,
        "LOGIN_FREE_FAILURES_PER_ADDRESS": 100,
        "LOGIN_FIRST_DELAY_SECONDS": 60,
        "LOGIN_MAX_DELAY_MINUTES": 15,
        # Revocations, role changes and the policy table need a password typed this recently.
        "REAUTH_MINUTES": _int("REAUTH_MINUTES", 10),
        # Long enough for a 120-minute exam with time added.
        "WTF_CSRF_TIME_LIMIT": 4 * 3600,
        "PROXY_HOPS": _int("PROXY_HOPS", 0),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": PROVINCE_ZONE,
        "LANGUAGES": {"zh_CN": "中文", "en": "English"},
        # SMS for notifications (notifications/sms.py): "log" writes them to the log, "" sends
        # none, "package.module:Name" is a gateway's sender.
        "SMS_BACKEND": env.get("SMS_BACKEND", "log"),
        # E-mail for notifications: off unless MAIL_SERVER is set (in-app notifications always).
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS") == "1",
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": env.get("MAIL_FROM", "noreply@localhost"),
        "PORTAL_URL": env.get("PORTAL_URL", ""),  # links in e-mails
    }
    config.update(overrides or {})
    config["PERMANENT_SESSION_LIFETIME"] = config["SESSION_MAX_HOURS"] * 3600
    # The log-in ends SESSION_MAX_HOURS after it began whatever the cookie says, so the cookie
    # keeps the expiry it got at log-in instead of being signed and sent again with every answer.
    config.setdefault("SESSION_REFRESH_EACH_REQUEST", False)
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_key(instance)
    if not config["AUDIT_KEY"]:
        config["AUDIT_KEY"] = _secret_key(instance, "AUDIT_KEY")
    return config
