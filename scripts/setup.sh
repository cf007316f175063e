#!/usr/bin/env bash
# Installs what CloudWorkstation's tests and demo need and is missing, and nothing else: `npm test` and `npm run demo`
# run this first (pretest/predemo), so a machine with everything installed does no work here.
#   - Node.js: the project's runtime (Node 24) and the oldest supported one (Node 22), from the npm registry
#     (scripts/install-node.sh, cached) when the machine's own Node is another version; everything below then runs
#     on Node 24.
#   - npm dependencies: `npm ci` only when node_modules does not match package-lock.json (a fresh clone, a lockfile
#     change). npm ci deletes node_modules first, so it never runs while an installed tree is in use.
#   - the moto emulator (Python, harness/requirements.txt): pip only when the pinned version is not importable.
#   - the Pulumi CLI with its Node.js, Python, YAML and Go language hosts: scripts/install-pulumi.sh reuses a
#     matching one on PATH or in ~/.cache/cloudworkstation, and builds it (once, 15-25 min) otherwise.
#   - the Python SDK's environment (harness/python-sdk-requirements.txt: pulumi from PyPI) in a venv in
#     ~/.cache/cloudworkstation/python-sdk-venv, made again only when that file changes.
#   - the Go modules of sdk/ and examples/go-lab (go mod download: a no-op when they are in the module cache).
# One function per component; add yours and call it at the bottom.
#
# Usage: scripts/setup.sh [--reinstall]   (--reinstall runs npm ci even when node_modules matches the lockfile)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "==> $*" >&2; }

# Node 24 first on PATH for everything below (npm ci included: packages check the running Node's version).
setup_node() {
  local bin oldest
  bin="$(bash scripts/install-node.sh)"
  oldest="$(bash scripts/install-node.sh 22)"
  export PATH="$bin:$PATH"
  log "node $(node --version) in $bin (and $("$oldest/node" --version) in $oldest for the Node 22 checks)"
}

# Prints what in node_modules differs from package-lock.json ('' when it matches). Reads only package.json files.
node_modules_mismatch() {
  node -e '
const fs = require("fs");
const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
const problems = [];
for (const [where, entry] of Object.entries(lock.packages || {})) {
  if (!where.startsWith("node_modules/") || entry.link) continue;
  let installed;
  try {
    installed = JSON.parse(fs.readFileSync(where + "/package.json", "utf8")).version;
  } catch {
    if (!entry.optional && !entry.devOptional) problems.push(where + " is missing");
    continue;
  }
  if (entry.version && installed !== entry.version) problems.push(`${where} is ${installed}, the lockfile says ${entry.version}`);
}
if (problems.length) console.log(problems.slice(0, 3).join("; ") + (problems.length > 3 ? `; and ${problems.length - 3} more` : ""));
'
}

setup_npm() {
  local why
  if [[ "${1:-}" == --reinstall ]]; then
    why="--reinstall"
  elif [[ ! -d node_modules ]]; then
    why="no node_modules"
  else
    why="$(node_modules_mismatch)"
  fi
  if [[ -z "$why" ]]; then
    log "npm dependencies match package-lock.json"
    return
  fi
  log "npm dependencies: npm ci ($why)"
  npm ci --no-audit --no-fund
}

setup_moto() {
  local python=${CWS_PYTHON:-python3} wanted have
  wanted=$(sed -n 's/^moto\[server\]==//p' harness/requirements.txt)
  have=$("$python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null || true)
  if [[ "$have" == "$wanted" ]] && "$python" -c 'import flask, werkzeug' 2>/dev/null; then
    log "moto $have installed"
    return
  fi
  log "moto $wanted (pip; found: ${have:-none})"
  "$python" -m pip install --quiet --disable-pip-version-check -r harness/requirements.txt
}

setup_pulumi() {
  local bin
  bin=$(bash scripts/install-pulumi.sh)
  log "pulumi in $bin (tests find it there; add it to PATH to use it yourself)"
}

# A venv, not pip into pyenv's python3 (moto's): the Pulumi Python SDK pins grpcio and protobuf. Debian's
# /usr/bin/python3 refuses pip (PEP 668), hence CWS_PYTHON/pyenv's python3. The copy of the requirements inside the
# venv, written last, says it is complete and for which file (harness/python-venv.ts reads it the same way).
setup_python_sdk() {
  local python=${CWS_PYTHON:-python3} requirements=harness/python-sdk-requirements.txt venv
  venv="${XDG_CACHE_HOME:-$HOME/.cache}/cloudworkstation/python-sdk-venv"
  if cmp -s "$requirements" "$venv/cws-requirements.txt" && "$venv/bin/python" -c 'import pulumi' 2>/dev/null; then
    log "python SDK venv in $venv"
    return
  fi
  log "python SDK venv: $venv from $requirements (pip)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/cws-requirements.txt"
}

# The Go modules sdk/ (the generated Go SDK) and examples/go-lab build with, from the Go module proxy: the tests build
# them offline (GOPROXY=off), and a cold Pulumi build does not fetch every version these go.sum files name.
setup_go_sdk() {
  local dir
  command -v go >/dev/null 2>&1 || { log "go is not on PATH: the Go SDK tests need Go >= 1.26"; exit 1; }
  for dir in sdk examples/go-lab; do
    (cd "$dir" && GOFLAGS=-mod=readonly go mod download) || { log "go mod download failed in $dir"; exit 1; }
  done
  log "go modules of sdk/ and examples/go-lab in $(go env GOMODCACHE)"
}

# Debian's chromium, for the dashboard's browser test (scripts/install-chromium.sh is idempotent).
setup_chromium() {
  bash scripts/install-chromium.sh
}

setup_node
setup_npm "$@"
setup_moto
setup_pulumi
setup_python_sdk
setup_go_sdk
setup_chromium
