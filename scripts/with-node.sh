#!/usr/bin/env bash
# Runs a command on the project's Node.js runtime (package.json config.node, Node 24), or with `22` first on the
# oldest supported one (config.nodeOldest), whatever Node the machine has: scripts/install-node.sh provides it
# (cached; fetched from the npm registry once). npm itself runs on it too, since npm starts through `env node`.
#   bash scripts/with-node.sh npm run test:suites
#   bash scripts/with-node.sh 22 mocha test/templates
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
which=""
if [[ "${1:-}" == 22 || "${1:-}" == 24 ]]; then
	which=$1
	shift
fi
bin="$(bash "$here/install-node.sh" $which)"
export PATH="$bin:$PATH"
# Tests read this to know which of the supported runtimes they were asked to run on.
export CWS_NODE_RUNTIME="${which:-24}"
exec "$@"
