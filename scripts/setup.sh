#!/usr/bin/env bash
# Installs everything CloudWorkstation's tests and demo need on a fresh machine:
# the npm dependencies (from the lockfile), the moto emulator (Python), and the Pulumi CLI
# (built from the Go module proxy when no fitting one is on PATH; cached outside the repo).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> npm dependencies (npm ci)" >&2
npm ci --no-audit --no-fund

python=${CWS_PYTHON:-python3}
wanted=$(sed -n 's/^moto\[server\]==//p' harness/requirements.txt)
have=$("$python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null || true)
if [ "$have" = "$wanted" ] && "$python" -c 'import flask, werkzeug' 2>/dev/null; then
  echo "==> moto $have already installed" >&2
else
  echo "==> moto $wanted (pip; found: ${have:-none})" >&2
  "$python" -m pip install --quiet --disable-pip-version-check -r harness/requirements.txt
fi

echo "==> Pulumi CLI" >&2
bin=$(bash scripts/install-pulumi.sh)
echo "==> ready: pulumi in $bin (tests find it there; add it to PATH to use it yourself)" >&2
bash scripts/install-chromium.sh
