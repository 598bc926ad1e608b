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

# the host's npm registry (for corepack in the node stand-ins), written into the context so that it
# is part of the stand-in's key, and passed as a build argument: never named in the repository
prepare_npm_registry() {
  local dst=$1 reg=""
  command -v npm >/dev/null 2>&1 && reg=$(npm config get registry 2>/dev/null || true)
  reg=${reg%/}
  [ -n "$reg" ] || standin_die "cannot read the host's npm registry (npm config get registry)"
  printf '%s\n' "$reg" > "$dst"
}

# the host's Maven mirror (its <mirror> for central or *, from the user's, then Maven's global
# settings), or nothing when the host reaches Maven Central directly. Only the URL is taken: no
# credentials, no proxies.
host_maven_mirror() {
  local f
  for f in "$HOME/.m2/settings.xml" "${MAVEN_HOME:-/usr/share/maven}/conf/settings.xml" /etc/maven/settings.xml; do
    [ -f "$f" ] || continue
    python3 - "$f" <<'PY2' && return 0
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except ET.ParseError:
    sys.exit(1)
ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
for m in root.iter(ns + "mirror"):
    of = (m.findtext(ns + "mirrorOf") or "").replace(" ", "").split(",")
    url = (m.findtext(ns + "url") or "").strip()
    if url and ("central" in of or "*" in of or "external:*" in of):
        print(url)
        sys.exit(0)
sys.exit(1)
PY2
  done
  return 1
}

# settings.xml for the maven stand-in: the host's mirror, or none
prepare_maven_settings() {
  local dst=$1 mirror
  if mirror=$(host_maven_mirror); then
    cat > "$dst" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- written by tests/e2e/standins.sh from the host's Maven configuration -->
<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">
  <mirrors>
    <mirror><id>host-mirror</id><mirrorOf>central</mirrorOf><url>$mirror</url></mirror>
  </mirrors>
</settings>
EOF
  else
    cat > "$dst" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!-- written by tests/e2e/standins.sh: the host has no Maven mirror (it reaches Maven Central
     directly), so none is set; the host's CA trust comes with the base image -->
<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0"/>
EOF
  fi
}

# init.d/ for the gradle stand-in: an init script that points mavenCentral() at the host's mirror,
# or an empty folder when the host reaches Maven Central directly
prepare_gradle_init() {
  local dst=$1 mirror
  rm -rf "$dst"; mkdir -p "$dst"; : > "$dst/.restage-e2e"
  mirror=$(host_maven_mirror) || return 0
  cat > "$dst/host-mirror.gradle" <<EOF
// written by tests/e2e/standins.sh from the host's Maven configuration
def hostMirror = '$mirror'
def useMirror = { repos ->
  repos.all { repo ->
    if (repo instanceof MavenArtifactRepository
        && repo.url.toString().startsWith(ArtifactRepositoryContainer.MAVEN_CENTRAL_URL)) {
      repo.url = hostMirror
    }
  }
}
allprojects {
  useMirror(buildscript.repositories)
  useMirror(repositories)
}
EOF
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
  [ "$dir" = maven-3.8-temurin-17 ] && prepare_maven_settings "$ctx/settings.xml"
  [ "$dir" = gradle-4.4-jdk17 ] && prepare_gradle_init "$ctx/init.d"
  case "$dir" in golang-1.[2-9]*) prepare_goroot "$ctx/goroot" "${dir#golang-}" ;; esac
  targs=()
  [ "$target" != - ] && targs=(--target "$target")
  if grep -q '^ARG HOST_NPM_REGISTRY' "$ctx/Dockerfile"; then
    prepare_npm_registry "$ctx/host-npm-registry"
    targs+=(--build-arg "HOST_NPM_REGISTRY=$(cat "$ctx/host-npm-registry")")
  fi
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
