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

[ $fails = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all checks pass"
