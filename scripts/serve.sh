#!/usr/bin/env bash
# Starts the portal and one Celery worker (with its beat for periodic jobs);
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

cat <<'TXT'

  培训考试平台 / Mine-safety training portal: http://127.0.0.1:5000
  Demo logins (password demo-pass-2026):
    admin  trainee  center  reviewer_center  reviewer_dept
    proctor_center  proctor_dept  regulator  mine_officer

TXT

"$BIN/celery" -A wsgi:celery_app worker -B --loglevel=INFO --concurrency=2 \
  --schedule instance/celerybeat-schedule &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
"$BIN/flask" --app wsgi run --host 127.0.0.1 --port 5000
