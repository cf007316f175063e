#!/usr/bin/env bash
# Provide the Pulumi CLI (`pulumi`), the Node.js, Python, YAML and Go language
# hosts (`pulumi-language-nodejs`, `pulumi-language-python` with its exec shim
# `pulumi-language-python-exec`, `pulumi-language-yaml`, `pulumi-language-go`)
# and the dynamic-provider launcher (`pulumi-resource-pulumi-nodejs`) at the
# version of @pulumi/pulumi that the project uses, built from source through the
# Go module proxy. The Go host is also what `pulumi package gen-sdk --language
# go` runs; the Python host runs programs through the exec shim.
#
# Usage:
#   PATH="$(scripts/install-pulumi.sh):$PATH"
#   scripts/install-pulumi.sh 3.270.0          # explicit version
#   PULUMI_VERSION=3.270.0 scripts/install-pulumi.sh
#
# stdout: only the bin directory. Everything else goes to stderr.
#
# Version: first argument, else $PULUMI_VERSION, else
# packages["node_modules/@pulumi/pulumi"].version in <repo>/package-lock.json.
#
# Reuse: a `pulumi` on PATH that reports exactly that version and has
# every language host and shim next to it is reused; so is a previous build in
#   ${XDG_CACHE_HOME:-$HOME/.cache}/cloudworkstation/pulumi-<version>/bin
# A previous build made before the Go host and the Python shim were part of it is
# completed in place (about a minute with Go's build cache warm), not rebuilt.
#
# Build: throwaway wrapper Go modules in a temp dir require
# github.com/pulumi/pulumi/pkg/v3, .../sdk/v3 and the (untagged) language host
# modules .../sdk/nodejs/cmd/pulumi-language-nodejs/v3 and
# .../sdk/python/cmd/pulumi-language-python/v3, .../sdk/go/pulumi-language-go/v3
# at the pseudo-version of the release commit (the three hosts in one wrapper
# module, so they share one compile of pkg/sdk), and github.com/pulumi/pulumi-yaml at PULUMI_YAML_VERSION, repeat the non-local `replace` directives of the module
# that is the main module in Pulumi's own release build, and `go build` with the
# release flags. The Python exec shim is a file of the sdk/v3 module zip
# (python/cmd/pulumi-language-python-exec) at the CLI's version. The result is
# moved into the cache only when complete.
#
# Fallback: the Go module proxy may not serve a given release of pkg/v3, or the
# language host at the release commit. Unless PULUMI_STRICT_VERSION=1, the
# script then builds the newest older release it can get (and, for the language
# host, a known-good pseudo-version built against its own matching pkg/sdk), and
# says so loudly on stderr. The Node.js SDK is backward compatible with older
# engines, but treat such a build as a stop-gap.
#
# Environment knobs:
#   PULUMI_VERSION           version to provide (overridden by $1)
#   PULUMI_STRICT_VERSION=1  fail instead of falling back to an older build
#   PULUMI_REBUILD=1         ignore PATH and cache, build again
#   PULUMI_BUILD_KEEP_TMP=1  keep the temporary build dir (debugging)

set -euo pipefail

log() { printf 'install-pulumi: %s\n' "$*" >&2; }
die() { printf 'install-pulumi: ERROR: %s\n' "$*" >&2; exit 1; }

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"

PKG_MOD=github.com/pulumi/pulumi/pkg/v3
SDK_MOD=github.com/pulumi/pulumi/sdk/v3
LANGHOST_MOD=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
PYHOST_MOD=github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
GOHOST_MOD=github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3
# The Python host runs programs through this script, which it looks for next to itself ("missing executor" otherwise).
PYTHON_EXEC_SHIM=pulumi-language-python-exec
YAML_MOD=github.com/pulumi/pulumi-yaml
# The newest pulumi-yaml release the Go module proxy serves (it is versioned apart from Pulumi; the host speaks the
# engine's stable language-host protocol, so it needs no matching pkg/sdk).
PULUMI_YAML_VERSION=v1.25.0
CLI_PKG=$PKG_MOD/cmd/pulumi
VERSION_VAR=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version
# Same as Pulumi's release build (.goreleaser.yml): static, trimmed, stripped.
BUILD_TAGS=osusergo,grpcnotrace

# Language host builds known to be served by the module proxy, newest first:
# "<langhost pseudo-version> <pkg/sdk release it is built against> <version label>".
# Only used when the release commit's language host cannot be fetched.
LANGHOST_FALLBACKS=(
	"v3.0.0-20250806165243-bee5e4fa4815 v3.188.0 v3.188.0-dev.bee5e4fa4815"
)

# ---------------------------------------------------------------- helpers ---

# node is needed anyway (the language host and the launcher run it); it is also
# our JSON reader.
command -v node >/dev/null 2>&1 || die "node is not on PATH (needed by pulumi-language-nodejs, and to read JSON here)"

json_get() { # json_get FILE|- KEY[\x1fKEY...]... : prints each value ('' if absent)
	node -e '
const fs = require("fs");
const [src, ...paths] = process.argv.slice(1);
const d = JSON.parse(fs.readFileSync(src === "-" ? 0 : src, "utf8"));
for (const p of paths) {
  let v = d;
  for (const k of p.split("\x1f")) v = (v !== null && typeof v === "object") ? v[k] : undefined;
  console.log(v === undefined || v === null ? "" : String(v));
}' "$@"
}

# -------------------------------------------------------- which version? ---

VERSION="${1:-${PULUMI_VERSION:-}}"
if [[ -z "$VERSION" ]]; then
	LOCK="$REPO_ROOT/package-lock.json"
	[[ -f "$LOCK" ]] || die "no version given and $LOCK does not exist; pass a version as first argument or set PULUMI_VERSION"
	VERSION="$(json_get "$LOCK" $'packages\x1fnode_modules/@pulumi/pulumi\x1fversion')" ||
		die "could not parse $LOCK"
	[[ -n "$VERSION" ]] || die "@pulumi/pulumi not found in $LOCK (packages[\"node_modules/@pulumi/pulumi\"].version)"
fi
VERSION="${VERSION#v}"
[[ "$VERSION" =~ ^3\.[0-9]+\.[0-9]+$ ]] || die "unsupported version '$VERSION' (expected 3.x.y)"

CACHE_BASE="${XDG_CACHE_HOME:-${HOME:?set HOME or XDG_CACHE_HOME}/.cache}/cloudworkstation"
DEST="$CACHE_BASE/pulumi-$VERSION"
BIN="$DEST/bin"
INFO="$DEST/build-info.env"

pulumi_version_of() { # prints what `pulumi version` says, '' on failure
	PULUMI_SKIP_UPDATE_CHECK=true timeout 60 "$1" version 2>/dev/null | tr -d '[:space:]' || true
}

info_get() { # info_get KEY: value from build-info.env ('' if absent)
	local k v
	while IFS='=' read -r k v; do
		if [[ "$k" == "$1" ]]; then printf '%s' "$v"; return 0; fi
	done <"$INFO"
}

# -------------------------------------------------------------- reuse ---

# What a build held before the Go host and the Python exec shim were added (a cache with only these is completed).
CORE_EXECUTABLES=(pulumi pulumi-language-nodejs pulumi-language-python pulumi-language-yaml pulumi-resource-pulumi-nodejs)
LANGUAGE_EXTRAS=(pulumi-language-go "$PYTHON_EXEC_SHIM")
EXECUTABLES=("${CORE_EXECUTABLES[@]}" "${LANGUAGE_EXTRAS[@]}")

holds_all() { # holds_all DIR EXE...
	local dir=$1 exe
	shift
	for exe in "$@"; do [[ -x "$dir/$exe" ]] || return 1; done
}

# The core of a build is there and runs at the recorded version (the Go host and the shim may still be missing).
core_cache_ok() {
	holds_all "$BIN" "${CORE_EXECUTABLES[@]}" || return 1
	[[ -f "$INFO" ]] || return 1
	local want
	want="$(info_get cli_version)"
	[[ -n "$want" && "$(pulumi_version_of "$BIN/pulumi")" == "$want" ]]
}

cache_ok() {
	core_cache_ok && holds_all "$BIN" "${LANGUAGE_EXTRAS[@]}" && [[ -n "$(info_get go_langhost_module)" ]]
}

warn_fallback() {
	if [[ "$(info_get fallback)" == true ]]; then
		log "WARNING: this build for $VERSION is a FALLBACK: pulumi $(info_get cli_version)," \
			"language host $(info_get langhost_module) (built against $(info_get langhost_built_against))." \
			"See $INFO; PULUMI_REBUILD=1 tries again."
	fi
}

reuse_cache() { # reuse_cache [NOTE]
	log "reusing cached pulumi $(info_get cli_version) in $BIN${1:+ ($1)}"
	warn_fallback
	printf '%s\n' "$BIN"
	exit 0
}

if [[ "${PULUMI_REBUILD:-}" != 1 ]]; then
	if p="$(command -v pulumi 2>/dev/null)" && [[ -n "$p" ]]; then
		pdir="$(cd "$(dirname "$p")" && pwd)"
		# An official install holds every host and the shim (the dynamic-provider launcher is not required).
		if [[ "$pdir" != "$BIN" ]] &&
			holds_all "$pdir" pulumi-language-nodejs pulumi-language-python pulumi-language-yaml "${LANGUAGE_EXTRAS[@]}" &&
			[[ "$(pulumi_version_of "$p")" == "v$VERSION" ]]; then
			log "reusing pulumi v$VERSION found on PATH in $pdir"
			printf '%s\n' "$pdir"
			exit 0
		fi
	fi
	cache_ok && reuse_cache
fi

# -------------------------------------------------------------- build ---

command -v go >/dev/null 2>&1 ||
	die "go is not on PATH: install Go (>= 1.26) to build pulumi $VERSION from the Go module proxy"
go version >/dev/null 2>&1 || die "'go version' fails; is the Go toolchain installed correctly?"

mkdir -p "$CACHE_BASE"

# Serialise concurrent runs for the same version; re-check the cache once we hold the lock.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$CACHE_BASE/.pulumi-$VERSION.lock"
	if ! flock -n 9; then
		log "another install of pulumi $VERSION is running; waiting for it"
		flock 9
	fi
	if [[ "${PULUMI_REBUILD:-}" != 1 ]] && cache_ok; then
		reuse_cache "built by a concurrent run"
	fi
fi

# Leftovers of builds that were killed outright (SIGKILL, power loss) a day ago or more.
find "$CACHE_BASE" -maxdepth 1 \( -name '.pulumi-*.build.*' -o -name '.pulumi-*.old.*' \) -mmin +1440 \
	-exec rm -rf {} + 2>/dev/null || true

START=$(date +%s)
WORK="$(mktemp -d "$CACHE_BASE/.pulumi-$VERSION.build.XXXXXX")"
cleanup() {
	if [[ "${PULUMI_BUILD_KEEP_TMP:-}" == 1 ]]; then
		log "keeping build dir $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

STEP=""
step() { STEP="$*"; log "[$(($(date +%s) - START))s] $STEP"; }
fail() { # fail LOGFILE
	log "step failed: $STEP"
	if [[ -n "${1:-}" && -f "$1" ]]; then
		log "last lines of $1:"
		tail -n 40 "$1" >&2
	fi
	die "building pulumi $VERSION failed at step: $STEP"
}

# Go environment for every go command below. Module mode, no VCS stamping
# (the sources come from the module cache), no cgo (like the release build).
# Many Pulumi module versions (and every language-host pseudo-version) are not
# in the checksum database that is reachable, so skip it for Pulumi's own
# modules only; their hashes are still recorded in the wrapper's go.sum.
export GO111MODULE=on
export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-buildvcs=false"
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi/pulumi"
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

# A directory outside any module, for `go mod download` queries.
QDIR="$WORK/query"
mkdir -p "$QDIR"

# mod_download MODULE VERSION OUTJSON: fetch MODULE@VERSION (zip included);
# returns non-zero (and leaves the error in OUTJSON) when it is not available.
mod_download() {
	local out=$3
	(cd "$QDIR" && GOFLAGS='' go mod download -json "$1@$2") >"$out" 2>"$out.err" || true
	[[ -s "$out" ]] || return 1
	local err zip
	err="$(json_get "$out" Error)"
	zip="$(json_get "$out" Zip)"
	[[ -z "$err" && -n "$zip" ]]
}

# Non-local replace directives of a go.mod file, as `go mod edit -replace` args.
replace_args() {
	local j
	j="$(cd "$QDIR" && GOFLAGS='' go mod edit -json "$1")" || return 1
	# shellcheck disable=SC2016 # JavaScript, not shell
	printf '%s' "$j" | node -e '
const m = JSON.parse(require("fs").readFileSync(0, "utf8"));
for (const r of m.Replace || []) {
  // A replacement without a version is a local path (../sdk etc.): skip it,
  // the wrapper gets that module from the proxy instead.
  if (!r.New.Version) continue;
  const old = r.Old.Path + (r.Old.Version ? "@" + r.Old.Version : "");
  console.log(`-replace=${old}=${r.New.Path}@${r.New.Version}`);
}'
}

build_in() { # build_in DIR LOG VERSIONLABEL OUTFILE PACKAGE@VERSION...
	local dir=$1 logf=$2 label=$3 outfile=$4 pkg=$5; shift 5
	(
		cd "$dir"
		go get "$@" >"$logf.get" 2>&1 || { cat "$logf.get" >"$logf"; exit 1; }
		go build -mod=mod -trimpath -tags "$BUILD_TAGS" \
			-ldflags "-w -s -X $VERSION_VAR=$label" \
			-o "$outfile" "$pkg" >"$logf" 2>&1
	)
}

# build_go_host WRAPPER OUTDIR: pulumi-language-go at $LH_VERSION in WRAPPER, a module that already requires the
# Node.js host and pkg/sdk $LH_BASE (so the shared packages are compiled once).
build_go_host() {
	step "resolving $GOHOST_MOD@$LH_VERSION"
	mod_download "$GOHOST_MOD" "$LH_VERSION" "$WORK/gohost.json" ||
		{ log "$(json_get "$WORK/gohost.json" Error 2>/dev/null || cat "$WORK/gohost.json.err")"; fail; }
	step "building pulumi-language-go (in the language host wrapper: pkg/sdk are compiled already)"
	build_in "$1" "$WORK/gohost.log" "$LH_LABEL" "$2/pulumi-language-go" "$GOHOST_MOD" "$GOHOST_MOD@$LH_VERSION" ||
		fail "$WORK/gohost.log"
	"$2/pulumi-language-go" --help >/dev/null 2>&1 || { log "pulumi-language-go does not run"; fail; }
}

# install_python_shim SDK_JSON OUTDIR: the exec shim from the sdk/v3 module that SDK_JSON (go mod download -json) names.
install_python_shim() {
	local dir
	dir="$(json_get "$1" Dir)"
	step "installing $PYTHON_EXEC_SHIM from $dir/python/cmd"
	[[ -n "$dir" && -f "$dir/python/cmd/$PYTHON_EXEC_SHIM" ]] ||
		{ log "the sdk/v3 module at '$dir' has no python/cmd/$PYTHON_EXEC_SHIM"; fail; }
	install -m 755 "$dir/python/cmd/$PYTHON_EXEC_SHIM" "$2/$PYTHON_EXEC_SHIM"
}

write_build_info_json() { # write_build_info_json DIR: DIR/build-info.json from DIR/build-info.env
	{
		echo "{"
		sed -E 's/^([^=]*)=(.*)$/  "\1": "\2",/' "$1/build-info.env" | sed '$ s/,$//'
		echo "}"
	} >"$1/build-info.json"
}

# ---- 0. complete a cached build made before the Go host and the Python shim were part of it

if [[ "${PULUMI_REBUILD:-}" != 1 ]] && core_cache_ok; then
	log "completing the cached pulumi $(info_get cli_version) in $BIN (missing: the Go host and/or the Python exec shim)"
	LH_MODULE="$(info_get langhost_module)" LH_BASE="$(info_get langhost_built_against)"
	LH_LABEL="$(info_get langhost_version_label)" CLI_VERSION="$(info_get cli_version)"
	LH_VERSION="${LH_MODULE##*@}"
	[[ -n "$LH_VERSION" && -n "$LH_BASE" && -n "$LH_LABEL" && -f "$DEST/langhost.go.mod" ]] ||
		die "$INFO or $DEST/langhost.go.mod lacks what completing it needs; run with PULUMI_REBUILD=1"
	OUT="$WORK/out"
	mkdir -p "$OUT" "$WORK/langhost"
	# The recorded wrapper go.mod pins every version the cached hosts were built with.
	cp "$DEST/langhost.go.mod" "$WORK/langhost/go.mod"
	build_go_host "$WORK/langhost" "$OUT"
	step "resolving $SDK_MOD@$CLI_VERSION"
	mod_download "$SDK_MOD" "$CLI_VERSION" "$WORK/sdk.json" ||
		{ log "$(json_get "$WORK/sdk.json" Error 2>/dev/null || cat "$WORK/sdk.json.err")"; fail; }
	install_python_shim "$WORK/sdk.json" "$OUT"
	step "installing into $BIN"
	# Each file appears whole (rename), and build-info last, so a killed run leaves a cache that is completed again.
	for exe in "${LANGUAGE_EXTRAS[@]}"; do mv -f "$OUT/$exe" "$BIN/$exe"; done
	cp "$WORK/langhost/go.mod" "$DEST/langhost.go.mod"
	grep -v -E '^(go_langhost_module|python_exec_shim_from)=' "$INFO" >"$WORK/build-info.env" || true
	{
		echo "go_langhost_module=$GOHOST_MOD@$LH_VERSION"
		echo "python_exec_shim_from=$SDK_MOD@$CLI_VERSION"
	} >>"$WORK/build-info.env"
	mv -f "$WORK/build-info.env" "$INFO"
	write_build_info_json "$DEST"
	log "completed pulumi $CLI_VERSION in $BIN in $(($(date +%s) - START)) seconds"
	warn_fallback
	printf '%s\n' "$BIN"
	exit 0
fi

# ---- 1. resolve module versions

step "resolving $PKG_MOD@v$VERSION"
PKG_VERSION=""
if mod_download "$PKG_MOD" "v$VERSION" "$WORK/pkg.json"; then
	PKG_VERSION="v$VERSION"
else
	why="$(json_get "$WORK/pkg.json" Error 2>/dev/null || true)"
	[[ -n "$why" ]] || why="$(tail -n 3 "$WORK/pkg.json.err" 2>/dev/null || true)"
	log "the Go module proxy does not serve $PKG_MOD@v$VERSION: ${why:-unknown error}"
	[[ "${PULUMI_STRICT_VERSION:-}" == 1 ]] &&
		die "PULUMI_STRICT_VERSION=1: not falling back to an older pulumi"
	step "looking for the newest older $PKG_MOD release the proxy serves"
	# pkg/v3's version list may be unavailable; sdk/v3 is released in lockstep.
	versions=""
	for m in "$PKG_MOD" "$SDK_MOD"; do
		versions="$( (cd "$QDIR" && GOFLAGS='' go list -m -versions "$m" 2>/dev/null) | tr ' ' '\n' | grep -E '^v3\.[0-9]+\.[0-9]+$')" || versions=""
		[[ -n "$versions" ]] && break
	done
	[[ -n "$versions" ]] || die "cannot list versions of $PKG_MOD or $SDK_MOD from the Go module proxy"
	tries=0
	# the (at most 40) newest 3.x.y below the requested version, newest first
	older="$(
		IFS=. read -r _ wmi wpa <<<"$VERSION"
		n=0
		printf '%s\n' "$versions" | sort -u -V -r | while read -r v; do
			IFS=. read -r _ mi pa <<<"${v#v}"
			if ((mi < wmi || (mi == wmi && pa < wpa))) && ((n++ < 40)); then echo "$v"; fi
		done
	)"
	for v in $older; do
		tries=$((tries + 1))
		if mod_download "$PKG_MOD" "$v" "$WORK/pkg.json"; then
			PKG_VERSION="$v"
			break
		fi
	done
	[[ -n "$PKG_VERSION" ]] || die "no release of $PKG_MOD older than v$VERSION is served by the Go module proxy (tried $tries)"
	log "WARNING: FALLBACK: building pulumi $PKG_VERSION instead of v$VERSION"
fi

PKG_GOMOD="$(json_get "$WORK/pkg.json" GoMod)"
PKG_HASH="$(json_get "$WORK/pkg.json" $'Origin\x1fHash')"
PKG_INFO="$(json_get "$WORK/pkg.json" Info)"
PKG_TIME=""
if [[ -n "$PKG_INFO" && -f "$PKG_INFO" ]]; then PKG_TIME="$(json_get "$PKG_INFO" Time)"; fi
log "$PKG_MOD@$PKG_VERSION: commit ${PKG_HASH:-unknown}, time ${PKG_TIME:-unknown}"

step "resolving $SDK_MOD@$PKG_VERSION"
mod_download "$SDK_MOD" "$PKG_VERSION" "$WORK/sdk.json" ||
	{ log "$(json_get "$WORK/sdk.json" Error 2>/dev/null || cat "$WORK/sdk.json.err")"; fail; }

# The language host module has no tags: use the pseudo-version of the release
# commit, v3.0.0-<commit time, UTC>-<12 hex>. A commit query (@<hash>) works on
# a proxy that can reach the origin; the computed pseudo-version works on one
# that only serves what it already has.
step "resolving $LANGHOST_MOD at the $PKG_VERSION release commit"
LH_VERSION="" LH_BASE="$PKG_VERSION" LH_LABEL="$PKG_VERSION"
if [[ -n "$PKG_HASH" ]]; then
	cands=("$PKG_HASH")
	if [[ -n "$PKG_TIME" ]]; then
		if ts="$(date -u -d "$PKG_TIME" +%Y%m%d%H%M%S 2>/dev/null)"; then
			cands+=("v3.0.0-$ts-${PKG_HASH:0:12}")
		fi
	fi
	for c in "${cands[@]}"; do
		if mod_download "$LANGHOST_MOD" "$c" "$WORK/langhost.json"; then
			LH_VERSION="$(json_get "$WORK/langhost.json" Version)"
			break
		fi
	done
fi
if [[ -z "$LH_VERSION" ]]; then
	log "the Go module proxy does not serve $LANGHOST_MOD at the $PKG_VERSION commit (${PKG_HASH:-unknown})"
	[[ "${PULUMI_STRICT_VERSION:-}" == 1 ]] &&
		die "PULUMI_STRICT_VERSION=1: not falling back to an older language host"
	for fb in "${LANGHOST_FALLBACKS[@]}"; do
		read -r fv fbase flabel <<<"$fb"
		if mod_download "$LANGHOST_MOD" "$fv" "$WORK/langhost.json" &&
			mod_download "$PKG_MOD" "$fbase" "$WORK/lh-pkg.json" &&
			mod_download "$SDK_MOD" "$fbase" "$WORK/lh-sdk.json"; then
			LH_VERSION="$fv" LH_BASE="$fbase" LH_LABEL="$flabel"
			break
		fi
	done
	[[ -n "$LH_VERSION" ]] || die "no usable version of $LANGHOST_MOD is served by the Go module proxy"
	log "WARNING: FALLBACK: language host $LANGHOST_MOD@$LH_VERSION (built against pkg/sdk $LH_BASE)"
fi
LH_GOMOD="$(json_get "$WORK/langhost.json" GoMod)"

# The Python host lives beside the Node.js host in Pulumi's repository: the same commit, built in the same wrapper.
step "resolving $PYHOST_MOD@$LH_VERSION"
mod_download "$PYHOST_MOD" "$LH_VERSION" "$WORK/pyhost.json" ||
	{ log "$(json_get "$WORK/pyhost.json" Error 2>/dev/null || cat "$WORK/pyhost.json.err")"; fail; }

step "resolving $YAML_MOD@$PULUMI_YAML_VERSION"
mod_download "$YAML_MOD" "$PULUMI_YAML_VERSION" "$WORK/yaml.json" ||
	{ log "$(json_get "$WORK/yaml.json" Error 2>/dev/null || cat "$WORK/yaml.json.err")"; fail; }
YAML_GOMOD="$(json_get "$WORK/yaml.json" GoMod)"

# ---- 2. wrapper modules and builds

OUT="$WORK/out"
mkdir -p "$OUT/bin"

# make_wrapper DIR GOMOD_TO_COPY_REPLACES_FROM REQUIRE...
make_wrapper() {
	local dir=$1 replaces_from=$2; shift 2
	local reqs=() reps=() r
	for r in "$@"; do reqs+=("-require=$r"); done
	local out
	out="$(replace_args "$replaces_from")" || return 1
	[[ -z "$out" ]] || mapfile -t reps <<<"$out"
	mkdir -p "$dir" || return 1
	printf 'module cloudworkstation.local/pulumi-build\n\ngo %s\n' \
		"$(go env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+).*/\1/')" >"$dir/go.mod" || return 1
	(cd "$dir" && go mod edit "${reqs[@]}" "${reps[@]}") || return 1
	for r in "${reps[@]}"; do log "  copied replace: ${r#-replace=}"; done
}


step "preparing the pulumi CLI wrapper module (pkg/sdk $PKG_VERSION; replaces from $PKG_MOD go.mod)"
make_wrapper "$WORK/cli" "$PKG_GOMOD" "$PKG_MOD@$PKG_VERSION" "$SDK_MOD@$PKG_VERSION" || fail

step "downloading dependencies and building pulumi $PKG_VERSION (cold: 10-25 min on 2 cores)"
build_in "$WORK/cli" "$WORK/cli.log" "$PKG_VERSION" "$OUT/bin/pulumi" "$CLI_PKG" \
	"$CLI_PKG@$PKG_VERSION" "$SDK_MOD@$PKG_VERSION" || fail "$WORK/cli.log"

step "preparing the language host wrapper module ($LANGHOST_MOD and $PYHOST_MOD @$LH_VERSION, pkg/sdk $LH_BASE)"
make_wrapper "$WORK/langhost" "$LH_GOMOD" \
	"$LANGHOST_MOD@$LH_VERSION" "$PYHOST_MOD@$LH_VERSION" "$PKG_MOD@$LH_BASE" "$SDK_MOD@$LH_BASE" || fail

step "downloading dependencies and building pulumi-language-nodejs"
build_in "$WORK/langhost" "$WORK/langhost.log" "$LH_LABEL" "$OUT/bin/pulumi-language-nodejs" "$LANGHOST_MOD" \
	"$LANGHOST_MOD@$LH_VERSION" "$PYHOST_MOD@$LH_VERSION" "$PKG_MOD@$LH_BASE" "$SDK_MOD@$LH_BASE" ||
	fail "$WORK/langhost.log"

step "building pulumi-language-python (same wrapper: pkg/sdk are compiled already)"
build_in "$WORK/langhost" "$WORK/pyhost.log" "$LH_LABEL" "$OUT/bin/pulumi-language-python" "$PYHOST_MOD" \
	"$PYHOST_MOD@$LH_VERSION" || fail "$WORK/pyhost.log"

build_go_host "$WORK/langhost" "$OUT/bin"
install_python_shim "$WORK/sdk.json" "$OUT/bin"

step "preparing the YAML language host wrapper module ($YAML_MOD@$PULUMI_YAML_VERSION, replaces from its go.mod)"
make_wrapper "$WORK/yaml" "$YAML_GOMOD" "$YAML_MOD@$PULUMI_YAML_VERSION" || fail

step "downloading dependencies and building pulumi-language-yaml"
(
	cd "$WORK/yaml"
	go get "$YAML_MOD/cmd/pulumi-language-yaml@$PULUMI_YAML_VERSION" >"$WORK/yaml.log.get" 2>&1 &&
		go build -mod=mod -trimpath -tags "$BUILD_TAGS" \
			-ldflags "-w -s -X $YAML_MOD/pkg/version.Version=$PULUMI_YAML_VERSION" \
			-o "$OUT/bin/pulumi-language-yaml" "$YAML_MOD/cmd/pulumi-language-yaml" >"$WORK/yaml.log" 2>&1
) || { cat "$WORK/yaml.log.get" >>"$WORK/yaml.log" 2>/dev/null; fail "$WORK/yaml.log"; }

step "writing pulumi-resource-pulumi-nodejs"
# The engine starts this for pulumi.dynamic resources, in the program's
# directory. Like Pulumi's own launcher, it runs the dynamic provider of the
# program's own @pulumi/pulumi (resolved from the current directory).
cat >"$OUT/bin/pulumi-resource-pulumi-nodejs" <<'EOF'
#!/bin/sh
# Launcher for Pulumi's Node.js dynamic resource provider (written by
# scripts/install-pulumi.sh): run the program's own @pulumi/pulumi copy.
entry=$(node -e 'process.stdout.write(require.resolve("@pulumi/pulumi/cmd/dynamic-provider"))') || {
	echo "pulumi-resource-pulumi-nodejs: cannot resolve @pulumi/pulumi/cmd/dynamic-provider from $(pwd)" >&2
	exit 1
}
exec node "$entry" "$@"
EOF
chmod 755 "$OUT/bin/pulumi-resource-pulumi-nodejs"

step "checking the result"
got="$(pulumi_version_of "$OUT/bin/pulumi")"
[[ "$got" == "$PKG_VERSION" ]] || { log "'pulumi version' printed '$got', expected $PKG_VERSION"; fail; }
for host in nodejs python yaml go; do
	"$OUT/bin/pulumi-language-$host" --help >/dev/null 2>&1 || { log "pulumi-language-$host does not run"; fail; }
done

FALLBACK=false
[[ "$PKG_VERSION" == "v$VERSION" && "$LH_BASE" == "$PKG_VERSION" ]] || FALLBACK=true
# build-info.env is what later runs read (plain text: no JSON parser needed on
# the fast path); build-info.json is the same for people and tools.
{
	echo "requested_version=v$VERSION"
	echo "cli_version=$PKG_VERSION"
	echo "pkg_module=$PKG_MOD@$PKG_VERSION"
	echo "sdk_module=$SDK_MOD@$PKG_VERSION"
	echo "pkg_commit=$PKG_HASH"
	echo "langhost_module=$LANGHOST_MOD@$LH_VERSION"
	echo "langhost_built_against=$LH_BASE"
	echo "langhost_version_label=$LH_LABEL"
	echo "python_langhost_module=$PYHOST_MOD@$LH_VERSION"
	echo "yaml_langhost_module=$YAML_MOD@$PULUMI_YAML_VERSION"
	echo "go_langhost_module=$GOHOST_MOD@$LH_VERSION"
	echo "python_exec_shim_from=$SDK_MOD@$PKG_VERSION"
	echo "go=$(go env GOVERSION)"
	echo "fallback=$FALLBACK"
} >"$OUT/build-info.env"
write_build_info_json "$OUT"
cp "$WORK/cli/go.mod" "$OUT/cli.go.mod"
cp "$WORK/langhost/go.mod" "$OUT/langhost.go.mod"

# ---- 3. move into place
step "installing into $DEST"
if [[ -e "$DEST" ]]; then
	OLD="$(mktemp -d "$CACHE_BASE/.pulumi-$VERSION.old.XXXXXX")"
	mv "$DEST" "$OLD/"
	mv "$OUT" "$DEST"
	rm -rf "$OLD"
else
	mv "$OUT" "$DEST"
fi

log "built pulumi $PKG_VERSION (+ language hosts: nodejs, python and go $LH_LABEL, yaml $PULUMI_YAML_VERSION) in $(($(date +%s) - START)) seconds"
warn_fallback
printf '%s\n' "$BIN"
