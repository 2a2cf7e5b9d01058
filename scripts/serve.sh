#!/usr/bin/env bash
# Starts the portal under gunicorn, as in production (WEB_WORKERS processes, by default
# 2 × cores + 1), and one Celery worker (with its beat for periodic jobs); a worker that
# dies is started again (after 2 s, so a worker that cannot start does not spin). Ctrl-C
# stops both. INSTANCE_DIR places the database, broker, results, secrets and beat schedule;
# BIND the address (127.0.0.1:5000).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
INSTANCE_DIR="$(realpath -m "${INSTANCE_DIR:-instance}")"
export INSTANCE_DIR
mkdir -p "$INSTANCE_DIR"

BIND="${BIND:-127.0.0.1:5000}"
WEB_WORKERS="${WEB_WORKERS:-$(( 2 * $(nproc) + 1 ))}"

cat <<TXT

  培训考试平台 / Mine-safety training portal: http://$BIND
  Demo logins (password demo-pass-2026):
    admin  trainee  center  reviewer_center  reviewer_dept
    proctor_center  proctor_dept  regulator  mine_officer

TXT

keep_worker() {

  trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; exit 0' TERM INT
  while true; do
    "$BIN/celery" -A wsgi:celery_app worker -B --loglevel=INFO --concurrency=2 \
      --schedule "$INSTANCE_DIR/celerybeat-schedule" &
    pid=$!
    wait $pid && status=0 || status=$?
    echo "serve.sh: the worker stopped (exit $status); starting it again in 2 s" >&2
    sleep 2
  done
}

keep_worker &
worker=$!
trap 'kill -TERM $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
# Not exec: the EXIT trap above must still stop the Celery worker when gunicorn ends.
"$BIN/gunicorn" --workers "$WEB_WORKERS" --bind "$BIND" --access-logfile - wsgi:app
