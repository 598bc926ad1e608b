#!/usr/bin/env bash
# Checks the build-log parsing of lib.sh against hand-written buildah logs (no engine needed).
set -euo pipefail
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$E2E_DIR/lib.sh"
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
fails=0
check() {  # check NAME EXPECTED LOG REGEX
  local got; got=$(deps_reused "$3" "$4")
  if [ "$got" = "$2" ]; then echo "ok   $1"; else echo "FAIL $1: expected '$2', got '$got'"; fails=$((fails + 1)); fi
}

# multi-stage: deps cached, the build stage re-runs the same tool (ignored: only deps counts)
cat > "$t/cached.log" <<'LOG'
[1/3] STEP 1/4: FROM rust:1.96 AS deps
[1/3] STEP 2/4: WORKDIR /src
--> Using cache 11
[1/3] STEP 3/4: COPY Cargo.toml Cargo.lock ./
--> Using cache 22
[1/3] STEP 4/4: RUN --mount=type=cache,target=/usr/local/cargo/registry cargo fetch --locked
--> Using cache 33
[2/3] STEP 1/3: FROM 33 AS build
[2/3] STEP 2/3: COPY . .
--> 44
[2/3] STEP 3/3: RUN cargo build --release --locked
   Compiling wordstat v0.1.0
--> 55
LOG
check "deps stage cached, build re-runs" "yes 1" "$t/cached.log" 'cargo (fetch|build)'

# the install ran again: its output follows the STEP line
cat > "$t/rerun.log" <<'LOG'
[1/2] STEP 1/3: FROM node:18 AS deps
[1/2] STEP 2/3: COPY package*.json ./
--> 66
[1/2] STEP 3/3: RUN npm ci
added 71 packages in 6s
--> 77
[2/2] STEP 1/2: FROM node:18-slim AS runtime
LOG
check "deps re-ran" "no: RUN npm ci" "$t/rerun.log" 'npm (ci|install)'

# no stage named deps (buildah skipped it): every matching RUN counts; single-stage log without prefixes
cat > "$t/single.log" <<'LOG'
STEP 1/4: FROM python:3.11-slim
STEP 2/4: COPY requirements.txt .
--> Using cache 88
STEP 3/4: RUN pip install -r requirements.txt
--> Using cache 99
STEP 4/4: COPY . .
--> aa
LOG
check "single stage cached" "yes 1" "$t/single.log" 'pip3? (install|wheel)'
check "no matching step" "none" "$t/single.log" 'go mod download'

# the last step of the log is the install and nothing follows: not cached
printf 'STEP 1/2: FROM golang:1.19 AS deps\nSTEP 2/2: RUN go mod download\n' > "$t/last.log"
check "install is the last line" "no: RUN go mod download" "$t/last.log" 'go mod download'

# the newer helpers: each compared with what it must print
same() {  # same NAME EXPECTED GOT
  if [ "$3" = "$2" ]; then echo "ok   $1"; else echo "FAIL $1: expected '$2', got '$3'"; fails=$((fails + 1)); fi
}

# resolve_uid: empty is root, numbers as they are, names through the image's /etc/passwd
printf 'root:x:0:0:root:/root:/bin/bash\nnode:x:1000:1000::/home/node:/bin/bash\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n' > "$t/passwd"
same "uid of no USER" 0 "$(resolve_uid "" "$t/passwd")"
same "uid of a name" 1000 "$(resolve_uid node "$t/passwd")"
same "uid of name:group" 65532 "$(resolve_uid nonroot:nonroot "$t/passwd")"
same "uid of uid:gid" 65532 "$(resolve_uid 65532:65532 "$t/passwd")"
same "uid of root by name" 0 "$(resolve_uid root "$t/passwd")"
same "uid of an unknown name" "unknown:app" "$(resolve_uid app "$t/passwd")"
same "uid without passwd (distroless has one; scratch may not)" "unknown:app" "$(resolve_uid app "$t/none")"

# compilers_in: names found on the usual paths, symlinks included (even dangling on the host)
mkdir -p "$t/img/usr/bin" "$t/img/usr/lib/jvm/java-17/bin" "$t/img/usr/local/bin" "$t/clean/usr/bin"
: > "$t/img/usr/bin/gcc-12"; ln -s /etc/alternatives/cc "$t/img/usr/bin/cc"; ln -s gcc-12 "$t/img/usr/bin/gcc"
: > "$t/img/usr/lib/jvm/java-17/bin/javac"; : > "$t/img/usr/local/bin/node"; : > "$t/clean/usr/bin/java"
same "compilers found" "/usr/bin/cc /usr/bin/gcc /usr/lib/jvm/java-17/bin/javac" "$(compilers_in "$t/img" | tr '\n' ' ' | sed 's/ $//')"
same "no compiler" "" "$(compilers_in "$t/clean")"

# shipped_bytes: only layers whose digest is new count, each once
printf 'sha256:a\nsha256:b\nsha256:c\n' > "$t/old"
printf 'sha256:a 100\nsha256:b 2000\nsha256:d 30\nsha256:e 4\n' > "$t/new"
same "bytes of changed layers" 34 "$(shipped_bytes "$t/old" "$t/new")"
printf 'sha256:a 100\nsha256:b 2000\nsha256:c 7\n' > "$t/same"
same "nothing changed" 0 "$(shipped_bytes "$t/old" "$t/same")"

# layer_sizes: sizes looked up by diff digest in containers/storage's layers.json
cat > "$t/layers.json" <<'JSON'
[{"id":"1","diff-digest":"sha256:a","diff-size":100},{"id":"2","parent":"1","diff-digest":"sha256:b","diff-size":2000}]
JSON
same "layer sizes in image order" "sha256:b 2000|sha256:a 100" "$(layer_sizes "$t/layers.json" sha256:b sha256:a | paste -sd'|')"
if layer_sizes "$t/layers.json" sha256:zz >/dev/null 2>&1; then
  echo "FAIL a missing layer must fail"; fails=$((fails + 1)); else echo "ok   a missing layer fails"; fi

# healthcheck_argv: CMD-SHELL through sh -c, CMD as is, NONE and none give nothing
same "CMD-SHELL health check" "/bin/sh|-c|curl -f http://localhost:3000/healthz || exit 1" \
  "$(healthcheck_argv '{"Test":["CMD-SHELL","curl -f http://localhost:3000/healthz || exit 1"],"Interval":5000000000}' | tr '\0' '|' | sed 's/|$//')"
same "CMD health check" "/app/server|-healthcheck" "$(healthcheck_argv '{"Test":["CMD","/app/server","-healthcheck"]}' | tr '\0' '|' | sed 's/|$//')"
same "NONE health check" "" "$(healthcheck_argv '{"Test":["NONE"]}')"
same "no health check" "" "$(healthcheck_argv 'null')"

# has_healthcheck: the last stage's HEALTHCHECK, NONE and earlier stages do not count
printf 'FROM node:18\nHEALTHCHECK --interval=5s CMD curl -f http://localhost:3000/ || exit 1\nCMD ["node","app.js"]\n' > "$t/hc1"
printf 'FROM node:18 AS a\nHEALTHCHECK CMD true\nFROM node:18-slim\nCMD ["node","app.js"]\n' > "$t/hc2"
printf 'FROM node:18\nhealthcheck NONE\n' > "$t/hc3"
same "HEALTHCHECK found" yes "$(has_healthcheck "$t/hc1" && echo yes || echo no)"
same "HEALTHCHECK in an earlier stage only" no "$(has_healthcheck "$t/hc2" && echo yes || echo no)"
same "HEALTHCHECK NONE" no "$(has_healthcheck "$t/hc3" && echo yes || echo no)"

# first_from and order_examples: grouped by base image, then by name
printf '# syntax=docker/dockerfile:1\nFROM --platform=$BUILDPLATFORM golang:1.22 AS build\n' > "$t/ff"
same "first FROM skips flags" 'golang:1.22' "$(first_from "$t/ff")"
same "examples ordered by base image" "go-a go-b node-x py-z" \
  "$(printf 'py-z python:3.11\nnode-x node:18\ngo-b golang:1.19\ngo-a golang:1.19\n' | order_examples | tr '\n' ' ' | sed 's/ $//')"

# mount_image: a mount without /etc is tried again, a good one is returned as it is, and three
# bad ones fail (podman stands in as a function: the first mount gives an empty folder)
mkdir -p "$t/empty" "$t/root/etc"
podman() {
  case "$1 $2" in
    "image mount") echo x >>"$t/mounts"
      if [ "$(wc -l <"$t/mounts")" = 1 ] || [ "$3" = broken ]; then echo "$t/empty"; else echo "$t/root"; fi ;;
    "image unmount") ;;
  esac
}
: >"$t/mounts"
same "mount_image retries a mount without /etc" "$t/root" "$(mount_image good 2>/dev/null)"
same "mount_image tried twice" 2 "$(wc -l <"$t/mounts")"
: >"$t/mounts"
same "mount_image fails after three empty mounts" "failed 3" "$(mount_image broken 2>/dev/null || echo "failed $(wc -l <"$t/mounts")")"
unset -f podman

[ $fails = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all checks pass"
