#!/usr/bin/env bash
# Installs the Debian packages the portal needs, only those missing.
# As root it uses apt-get; otherwise it names what is missing and stops,
# because a half-set-up machine fails later in ways that are harder to read.
set -euo pipefail

missing=()
for pkg in "$@"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
# python3 -m venv needs ensurepip; Debian's python3 ships it in python3-venv.
if ! python3 -c "import ensurepip" 2>/dev/null; then
  missing+=(python3-venv)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
