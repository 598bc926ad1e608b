#!/usr/bin/env bash
# Builds the stand-ins for the official language images from tests/e2e/images/*, tagged with the
# official names (listed in tests/e2e/standins.txt). Needs the engine from setup-engine.sh (sourced
# first, so CONTAINERS_STORAGE_CONF/CONTAINERS_CONF point at the e2e storage). Keyed: an image whose
# label restage.e2e.key matches the hash of its build context, target and parent images is kept
# as is (so the suite may prune intermediate layers between examples), otherwise it is rebuilt.
set -euo pipefail
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_CACHE=${E2E_CACHE:-/var/cache/restage-e2e}
: "${CONTAINERS_STORAGE_CONF:?source tests/e2e/setup-engine.sh first}"
standin_die() { echo "e2e stand-ins: FAILED: $*" >&2; exit 1; }
mkdir -p "$E2E_CACHE/logs"

# host cargo configuration, baked into the rust stand-in the way pip.conf/npmrc are baked into the base
prepare_cargo_home() {
  local dst=$1
  rm -rf "$dst"; mkdir -p "$dst"
  : > "$dst/.restage-e2e"
  for f in "${CARGO_HOME:-$HOME/.cargo}/config.toml" "${CARGO_HOME:-$HOME/.cargo}/config" \
           /usr/local/cargo/config.toml; do
    if [ -f "$f" ]; then cp "$f" "$dst/config.toml"; break; fi
  done
}

# the host's Go install, with the host's module proxy settings, for the golang stand-in: no Go
# toolchain download is reachable, and Debian's golang-go (1.19) is too old for current modules.
# The tag names the Go it really has: the host's `go version` must match the folder's version.
prepare_goroot() {
  local dst=$1 want=$2 goroot have k v
  command -v go >/dev/null || standin_die "no go on the host: the golang stand-in copies the host's Go install"
  goroot=$(go env GOROOT)
  have=$(go env GOVERSION)
  case "$have" in
    "go$want"|"go$want".*) ;;
    *) standin_die "the host has $have, the stand-in images/golang-$want expects go$want.x" ;;
  esac
  rm -rf "$dst"; mkdir -p "$dst"
  # as the official image does: no test/ tree, no bootstrap or object leftovers
  tar -C "$goroot" --exclude=./test --exclude=./pkg/obj --exclude=./pkg/bootstrap \
      --exclude='./pkg/tool/*/api' --exclude='./pkg/tool/*/go_bootstrap' -cf - . | tar -C "$dst" -xf - \
    || standin_die "copying $goroot"
  # the defaults file the go command reads ($GOROOT/go.env): the host's effective settings
  {
    echo "# written by tests/e2e/standins.sh from the host's go env ($have)"
    for k in GOPROXY GOSUMDB GONOSUMDB GONOPROXY GOPRIVATE GOFLAGS; do
      v=$(go env "$k")
      if [ -n "$v" ]; then echo "$k=$v"; fi
    done
    echo "GOTOOLCHAIN=local"
  } > "$dst/go.env"
}

only=${1:-}
while read -r dir target tags; do
  case "$dir" in ''|'#'*) continue ;; esac
  if [ -n "$only" ] && [ "$only" != "$dir" ]; then continue; fi
  first=${tags%% *}
  ctx="$E2E_CACHE/ctx/$dir"
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp -a "$E2E_DIR/images/$dir/." "$ctx/"
  [ "$dir" = rust-1.96 ] && prepare_cargo_home "$ctx/cargo-home"
  case "$dir" in golang-1.[2-9]*) prepare_goroot "$ctx/goroot" "${dir#golang-}" ;; esac
  targs=()
  [ "$target" != - ] && targs=(--target "$target")
  log="$E2E_CACHE/logs/standin-$dir-$target.log"
  # the key: the context's files, the target, and the IDs of the images it starts FROM
  parents=""
  for from in $(awk 'toupper($1)=="FROM"{print $2}' "$ctx/Dockerfile"); do
    [ "$from" = scratch ] && continue
    parents="$parents $from=$(podman image inspect --format '{{.Id}}' "$from" 2>/dev/null || true)"
  done
  key=$( { (cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum); echo "$target $parents"; } \
         | sha256sum | cut -c1-16)
  have=$(podman image inspect --format '{{index .Labels "restage.e2e.key"}}' "$first" 2>/dev/null || true)
  if [ "$have" = "$key" ]; then
    for t in $tags; do buildah tag "$first" "$t" >/dev/null || standin_die "tagging $t"; done
    echo "e2e stand-ins: $first up to date" >&2
    continue
  fi
  echo "e2e stand-ins: $first" >&2
  start=$(date +%s)
  if ! buildah bud --isolation chroot --layers --pull=never "${targs[@]}" --label "restage.e2e.key=$key" \
       -t "$first" "$ctx" >"$log" 2>&1; then
    tail -20 "$log" >&2
    standin_die "building $first from tests/e2e/images/$dir (log: $log)"
  fi
  for t in $tags; do buildah tag "$first" "$t" >/dev/null || standin_die "tagging $t"; done
  echo "e2e stand-ins: $first ready in $(( $(date +%s) - start )) s, $(podman image inspect --format '{{.Size}}' "$first") bytes" >&2
done < "$E2E_DIR/standins.txt"
