#!/usr/bin/env bash
# End-to-end proof of restage's rewrites, with real image builds.
#
#   tests/e2e/run.sh [EXAMPLE...]        (as root; default: every examples/*/ with a tests/e2e/cases/*.conf)
#
# 1. sets up the engine (buildah + podman, private storage under $E2E_CACHE) and debian:bookworm-slim
#    from debootstrap (tests/e2e/setup-engine.sh), then the stand-ins for the official language
#    images (tests/e2e/standins.sh). Both are idempotent and cached under $E2E_CACHE.
# 2. for each buildable example, in a temp copy: rewrites it with `restage --write`, builds the
#    original and the rewrite (`buildah bud --layers`), runs both and compares behaviour (server:
#    curl the same paths, same status and body; CLI: same stdout and exit code), builds
#    `--target test` of the rewrite, changes one source file and rebuilds both from the layer cache,
#    and checks from the build log that the rewrite's dependency install was reused.
#    Static-only examples (KIND=static) are rewritten and checked without building.
# 3. writes target/e2e/report.md and target/e2e/report.json, and exits 1 if any check failed.
#    It never skips silently: an engine that cannot be set up is a failure (exit 1).
#
# Environment: RESTAGE (binary; default target/release/restage, built with cargo when missing or
# older than the sources), E2E_CACHE (default /var/cache/restage-e2e), E2E_KEEP=1 (keep temp dirs).
set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$E2E_DIR/../.." && pwd)
OUT="$ROOT/target/e2e"
export E2E_CACHE=${E2E_CACHE:-/var/cache/restage-e2e}
DEFAULT_MAX_RATIO=${E2E_MAX_RATIO:-0.50}

die() { echo "e2e: FAILED: $*" >&2; exit 1; }
log() { echo "e2e: $*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }

mkdir -p "$OUT"
rm -f "$OUT/report.md" "$OUT/report.json"
bash "$E2E_DIR/selftest.sh" >"$OUT/selftest.log" 2>&1 || die "the harness self-test failed: $(tail -3 "$OUT/selftest.log")"

# 1. engine and base images ---------------------------------------------------------------------
# shellcheck source=setup-engine.sh
source "$E2E_DIR/setup-engine.sh"
bash "$E2E_DIR/standins.sh" || die "stand-in images could not be built"

# the restage binary ----------------------------------------------------------------------------
RESTAGE=${RESTAGE:-$ROOT/target/release/restage}
if [ "$RESTAGE" = "$ROOT/target/release/restage" ]; then
  newest_src=$(find "$ROOT/src" "$ROOT/language-profiles" "$ROOT/templates" "$ROOT/Cargo.toml" \
                 -newer "$RESTAGE" -type f 2>/dev/null | head -1 || true)
  if [ ! -x "$RESTAGE" ] || [ -n "$newest_src" ]; then
    command -v cargo >/dev/null || die "no $RESTAGE and no cargo to build it"
    log "building restage (cargo build --release)"
    (cd "$ROOT" && cargo build --release --quiet) || die "cargo build --release"
  fi
fi
[ -x "$RESTAGE" ] || die "restage binary not found at $RESTAGE"

# 2. the examples ---------------------------------------------------------------------------------
if [ $# -gt 0 ]; then
  examples=("$@")
else
  examples=()
  for c in "$E2E_DIR"/cases/*.conf; do examples+=("$(basename "$c" .conf)"); done
fi
# every example folder must have a case: nothing is left out silently
for d in "$ROOT"/examples/*/; do
  name=$(basename "$d")
  [ -f "$E2E_DIR/cases/$name.conf" ] || die "examples/$name has no tests/e2e/cases/$name.conf"
done

WORK=$(mktemp -d /tmp/restage-e2e.XXXXXX)
containers=()
cleanup() {
  for c in "${containers[@]}"; do podman rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
  if [ "${E2E_KEEP:-0}" != 1 ]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT

rows_json=()
md_rows=()
failures=0

size_of() { podman image inspect --format '{{.Size}}' "$1"; }
human() { awk -v b="$1" 'BEGIN{ if (b>=1e9) printf "%.2f GB", b/1e9; else if (b>=1e7) printf "%.0f MB", b/1e6; else printf "%.1f MB", b/1e6 }'; }
json_str() { python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1"; }

# build IMAGE_TAG CONTEXT LOG [extra buildah args...]  -> prints seconds; non-zero on failure
build() {
  local tag=$1 ctx=$2 logf=$3; shift 3
  local t0 t1
  t0=$(now)
  if ! buildah bud --isolation chroot --layers --pull=never -f "$ctx/Dockerfile" -t "$tag" "$@" "$ctx" \
       >"$logf" 2>&1; then
    return 1
  fi
  t1=$(now)
  elapsed "$t0" "$t1"
}

# shellcheck source=lib.sh
source "$E2E_DIR/lib.sh"

# touch_source FILE: append a comment in the file's language (behaviour unchanged)
touch_source() {
  local f=$1 stamp
  stamp="restage e2e source-only change $(date +%s%N)"
  case "$f" in
    *.py|*.sh|*.rb|*.toml|*.yml|*.yaml) printf '\n# %s\n' "$stamp" >>"$f" ;;
    *.html|*.xml) printf '\n<!-- %s -->\n' "$stamp" >>"$f" ;;
    *.css) printf '\n/* %s */\n' "$stamp" >>"$f" ;;
    *) printf '\n// %s\n' "$stamp" >>"$f" ;;
  esac
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# serve IMAGE PORT NAME OUTDIR PATHS... : run the image, wait for it, fetch the paths
serve() {
  local img=$1 port=$2 name=$3 dir=$4; shift 4
  local hp cid p i ok
  hp=$(free_port)
  mkdir -p "$dir"
  cid=$(podman run -d --pull=never --name "$name" -p "127.0.0.1:$hp:$port" "$img") || return 1
  containers+=("$name")
  ok=0
  for i in $(seq 1 120); do
    if curl -s -o /dev/null "http://127.0.0.1:$hp/"; then ok=1; break; fi
    if [ "$(podman inspect --format '{{.State.Running}}' "$name" 2>/dev/null)" != true ]; then break; fi
    sleep 0.5
  done
  podman logs "$name" >"$dir/container.log" 2>&1 || true
  if [ $ok != 1 ]; then
    podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
    echo "not answering on port $port; container log: $(tail -5 "$dir/container.log" | tr '\n' ' ')" >"$dir/error"
    return 1
  fi
  i=0
  for p in "$@"; do
    i=$((i + 1))
    curl -s -o "$dir/body.$i" -w '%{http_code}' "http://127.0.0.1:$hp$p" >"$dir/status.$i" || true
  done
  podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
  : "$cid"
}

run_example() {
  local ex=$1
  local KIND="" PORT="" PATHS="" EDIT="" DEPS_RE="" ARGS=""
  # a case may raise the size bar, with a reason that goes into the report
  local MAX_RATIO="$DEFAULT_MAX_RATIO" MAX_RATIO_WHY=""
  local conf="$E2E_DIR/cases/$ex.conf"
  [ -f "$conf" ] || { log "$ex: no case file $conf"; return 1; }
  # shellcheck disable=SC1090
  source "$conf"
  local src="$ROOT/examples/$ex"
  [ -f "$src/Dockerfile" ] || { log "$ex: examples/$ex/Dockerfile missing"; return 1; }
  local w="$WORK/$ex" o="$OUT/$ex"
  rm -rf "$w" "$o"; mkdir -p "$w" "$o"
  cp -a "$src" "$w/before"; cp -a "$src" "$w/after"

  local problems=() notes=()
  if [ "$MAX_RATIO" != "$DEFAULT_MAX_RATIO" ]; then
    notes+=("size bar $MAX_RATIO instead of $DEFAULT_MAX_RATIO: $MAX_RATIO_WHY")
  fi
  local size_b=0 size_a=0 ratio="" tb="" ta="" rb="" ra="" behaviour=false test_pass=false deps=false
  local deps_detail=""

  # rewrite with the real binary
  local rc=0
  "$RESTAGE" --write "$w/after/Dockerfile" >"$o/restage.out" 2>"$o/restage.err" || rc=$?
  cp "$w/after/Dockerfile" "$o/Dockerfile.rewritten"
  if [ $rc != 0 ]; then
    problems+=("restage --write failed (exit $rc): $(head -3 "$o/restage.err" | tr '\n' ' ')")
  elif cmp -s "$src/Dockerfile" "$w/after/Dockerfile"; then
    problems+=("restage left the Dockerfile unchanged: $(cat "$o/restage.err" "$o/restage.out" | head -3 | tr '\n' ' ')")
  fi
  if [ ${#problems[@]} -gt 0 ]; then
    # nothing was rewritten: building and comparing would only repeat the original
    finish_row "$ex" "$KIND" 0 0 "" "" "" "" "" "n/a" "n/a" "n/a" problems notes
    return 0
  fi
  # the rewrite must be idempotent: a second run changes nothing
  cp -a "$w/after" "$w/again"
  "$RESTAGE" --write "$w/again/Dockerfile" >/dev/null 2>&1 || true
  cmp -s "$w/after/Dockerfile" "$w/again/Dockerfile" || problems+=("a second restage run changed the rewrite")
  rm -rf "$w/again"

  if [ "$KIND" = static ]; then
    grep -qiE '^FROM .* AS test' "$w/after/Dockerfile" || problems+=("rewrite has no test stage")
    notes+=("static-only: $(sed -n 's/^# static-only: //p' "$conf")")
    finish_row "$ex" "$KIND" 0 0 "" "" "" "" "" "n/a" "n/a" "n/a" problems notes
    return 0
  fi

  local img="localhost/restage-e2e/$ex"
  # No --no-cache: the first builds look layers up like the rebuilds do, so both follow the same
  # chain (a --no-cache build makes a second chain, and a later lookup may pick the older one).
  # Build times are therefore cold only when nothing was cached before (a fresh machine, or new
  # base images).
  podman rmi -f "$img:before" "$img:after" "$img:test" >/dev/null 2>&1 || true
  log "$ex: building original"
  if tb=$(build "$img:before" "$w/before" "$o/build-before.log"); then :; else
    problems+=("original build failed (log: target/e2e/$ex/build-before.log): $(tail -3 "$o/build-before.log" | tr '\n' ' ')")
  fi
  log "$ex: building rewrite"
  if ta=$(build "$img:after" "$w/after" "$o/build-after.log"); then :; else
    problems+=("rewritten build failed (log: target/e2e/$ex/build-after.log): $(tail -3 "$o/build-after.log" | tr '\n' ' ')")
  fi

  if [ -n "$tb" ] && [ -n "$ta" ]; then
    size_b=$(size_of "$img:before"); size_a=$(size_of "$img:after")
    ratio=$(awk -v a="$size_a" -v b="$size_b" 'BEGIN{printf "%.3f", a/b}')
    awk -v r="$ratio" -v m="$MAX_RATIO" 'BEGIN{exit !(r <= m)}' \
      || problems+=("runtime image is $ratio of the original, above $MAX_RATIO")

    # behaviour
    log "$ex: comparing behaviour"
    if [ "$KIND" = server ]; then
      local okb=1 oka=1
      # shellcheck disable=SC2086
      serve "$img:before" "$PORT" "restage-e2e-$ex-before" "$o/run-before" $PATHS || okb=0
      # shellcheck disable=SC2086
      serve "$img:after" "$PORT" "restage-e2e-$ex-after" "$o/run-after" $PATHS || oka=0
      if [ $okb = 1 ] && [ $oka = 1 ]; then
        behaviour=true
        local i=0 p
        for p in $PATHS; do
          i=$((i + 1))
          if ! cmp -s "$o/run-before/status.$i" "$o/run-after/status.$i" \
             || ! cmp -s "$o/run-before/body.$i" "$o/run-after/body.$i"; then
            behaviour=false
            problems+=("GET $p differs: before $(cat "$o/run-before/status.$i") $(head -c 80 "$o/run-before/body.$i" | tr '\n' ' '), after $(cat "$o/run-after/status.$i") $(head -c 80 "$o/run-after/body.$i" | tr '\n' ' ')")
          elif [ "$(cat "$o/run-before/status.$i")" != 200 ]; then
            behaviour=false
            problems+=("GET $p answered $(cat "$o/run-before/status.$i") in both images")
          fi
        done
      else
        [ $okb = 1 ] || problems+=("original server: $(cat "$o/run-before/error" 2>/dev/null)")
        [ $oka = 1 ] || problems+=("rewritten server: $(cat "$o/run-after/error" 2>/dev/null)")
      fi
    else
      local cb=0 ca=0
      # shellcheck disable=SC2086
      podman run --rm --pull=never "$img:before" $ARGS >"$o/stdout-before" 2>"$o/stderr-before" || cb=$?
      # shellcheck disable=SC2086
      podman run --rm --pull=never "$img:after" $ARGS >"$o/stdout-after" 2>"$o/stderr-after" || ca=$?
      if [ $cb != 0 ] || [ $ca != 0 ]; then
        problems+=("exit codes: original $cb, rewrite $ca: $(head -c 200 "$o/stderr-after" | tr '\n' ' ')")
      elif [ ! -s "$o/stdout-before" ]; then
        problems+=("the original printed nothing: the comparison would prove nothing")
      elif cmp -s "$o/stdout-before" "$o/stdout-after"; then
        behaviour=true
      else
        problems+=("stdout differs: $(diff "$o/stdout-before" "$o/stdout-after" | head -5 | tr '\n' ' ')")
      fi
    fi
  fi

  # test stage
  if grep -qiE '^FROM .* AS test' "$w/after/Dockerfile"; then
    log "$ex: building --target test"
    if build "$img:test" "$w/after" "$o/build-test.log" --target test >/dev/null; then
      test_pass=true
    else
      problems+=("--target test failed (log: target/e2e/$ex/build-test.log): $(tail -3 "$o/build-test.log" | tr '\n' ' ')")
    fi
  else
    problems+=("the rewrite has no test stage")
  fi

  # source-only change, cached rebuilds
  if [ -n "$tb" ] && [ -n "$ta" ]; then
    log "$ex: source-only change in $EDIT, cached rebuilds"
    [ -f "$w/before/$EDIT" ] || problems+=("case file names EDIT=$EDIT, which does not exist")
    touch_source "$w/before/$EDIT"; cp "$w/before/$EDIT" "$w/after/$EDIT"
    rb=$(build "$img:before" "$w/before" "$o/rebuild-before.log") \
      || problems+=("cached rebuild of the original failed: $(tail -3 "$o/rebuild-before.log" | tr '\n' ' ')")
    ra=$(build "$img:after" "$w/after" "$o/rebuild-after.log") \
      || problems+=("cached rebuild of the rewrite failed: $(tail -3 "$o/rebuild-after.log" | tr '\n' ' ')")
    if [ -n "$ra" ]; then
      deps_detail=$(deps_reused "$o/rebuild-after.log" "$DEPS_RE")
      case "$deps_detail" in
        yes*) deps=true ;;
        none) problems+=("no dependency install step (/$DEPS_RE/) found in the rewrite's build log") ;;
        *) problems+=("the rewrite re-ran its dependency install after a source-only change: ${deps_detail#no: }") ;;
      esac
      notes+=("original deps reused: $(deps_reused "$o/rebuild-before.log" "$DEPS_RE")")
    fi
  fi

  finish_row "$ex" "$KIND" "$size_b" "$size_a" "$ratio" "$tb" "$ta" "$rb" "$ra" "$behaviour" "$test_pass" "$deps" problems notes
}

# finish_row EX KIND SIZE_B SIZE_A RATIO TB TA RB RA BEHAVIOUR TEST DEPS PROBLEMS_ARRAY NOTES_ARRAY
finish_row() {
  local ex=$1 kind=$2 sb=$3 sa=$4 ratio=$5 tb=$6 ta=$7 rb=$8 ra=$9 beh=${10} tst=${11} dep=${12}
  local -n _problems=${13}
  local -n _notes=${14}
  local pass=true
  [ ${#_problems[@]} -eq 0 ] || pass=false
  if [ $pass = false ]; then
    failures=$((failures + 1))
    for p in "${_problems[@]}"; do log "$ex: FAIL: $p"; done
  else
    log "$ex: pass"
  fi
  local probs_json="[" notes_json="[" sep="" p
  for p in "${_problems[@]}"; do probs_json+="$sep$(json_str "$p")"; sep=","; done
  probs_json+="]"; sep=""
  for p in "${_notes[@]}"; do notes_json+="$sep$(json_str "$p")"; sep=","; done
  notes_json+="]"
  num() { if [ -n "$1" ]; then echo "$1"; else echo null; fi; }
  jbool() { case "$1" in true) echo true ;; false) echo false ;; *) echo null ;; esac; }
  rows_json+=("{\"example\":$(json_str "$ex"),\"kind\":$(json_str "$kind"),\"original_bytes\":$sb,\"rewritten_bytes\":$sa,\"ratio\":$(num "$ratio"),\"max_ratio\":$MAX_RATIO,\"original_build_s\":$(num "$tb"),\"rewritten_build_s\":$(num "$ta"),\"original_cached_rebuild_s\":$(num "$rb"),\"rewritten_cached_rebuild_s\":$(num "$ra"),\"behaviour_match\":$(jbool "$beh"),\"test_stage_pass\":$(jbool "$tst"),\"deps_cached\":$(jbool "$dep"),\"pass\":$pass,\"problems\":$probs_json,\"notes\":$notes_json}")
  local yn
  yn() { case "$1" in true) echo yes ;; false) echo "**no**" ;; *) echo "$1" ;; esac; }
  if [ "$kind" = static ]; then
    md_rows+=("| $ex | static-only | | | | | | $(yn "$pass") (rewrite + idempotence only) |")
  else
    local pct="" 
    [ -n "$ratio" ] && pct=$(awk -v r="$ratio" -v m="$MAX_RATIO" 'BEGIN{printf (r < 0.1 ? "%.1f%%" : "%.0f%%"), r*100; printf " (≤ %.0f%%)", m*100}')
    md_rows+=("| $ex | $( [ "$sb" != 0 ] && human "$sb") | $( [ "$sa" != 0 ] && human "$sa") | $pct | ${tb:-–} s → ${ta:-–} s | ${rb:-–} s → ${ra:-–} s | $(yn "$beh") / $(yn "$tst") / $(yn "$dep") | $(yn "$pass") |")
  fi
}

for ex in "${examples[@]}"; do
  log "=== $ex"
  run_example "$ex" || { failures=$((failures + 1)); log "$ex: FAIL: case could not run"; }
done

# 3. report -------------------------------------------------------------------------------------------
{
  echo "{"
  echo "  \"generated\": $(json_str "$(date -u +%Y-%m-%dT%H:%M:%SZ)"),"
  echo "  \"restage\": $(json_str "$("$RESTAGE" --version 2>/dev/null || echo unknown)"),"
  echo "  \"engine\": $(json_str "$(buildah --version | head -1); $(podman --version); storage $E2E_DRIVER"),"
  echo "  \"default_max_ratio\": $DEFAULT_MAX_RATIO,"
  echo "  \"examples\": ["
  sep=""
  for r in "${rows_json[@]}"; do echo "    $sep$r"; sep=","; done
  echo "  ],"
  echo "  \"failures\": $failures"
  echo "}"
} >"$OUT/report.json"
python3 -m json.tool "$OUT/report.json" >/dev/null || die "report.json is not valid JSON"

{
  echo "# restage end-to-end report"
  echo
  echo "Generated $(date -u +%Y-%m-%d) by \`tests/e2e/run.sh\`: $(buildah --version | head -1), $(podman --version), $E2E_DRIVER storage."
  echo "Base images are local stand-ins built from Debian packages (see tests/e2e/images/), so sizes differ from the official images."
  echo "Build times are cold on a fresh layer cache (CI, or new base images) and warm on reruns; the rewrite is built second, so it may reuse the original's identical leading layers (as it would on a developer's machine)."
  echo "The cached rebuild follows a one-line change to a source file (EDIT in tests/e2e/cases/<example>.conf)."
  echo
  echo "| example | original | rewritten | ratio | build (orig → new) | cached rebuild after a source change (orig → new) | same behaviour / test stage / deps reused | pass |"
  echo "|---|---:|---:|---:|---|---|---|---|"
  for r in "${md_rows[@]}"; do echo "$r"; done
  echo
  if [ $failures -gt 0 ]; then
    echo "**$failures example(s) failed.** Details: \`target/e2e/report.json\` and the logs under \`target/e2e/<example>/\`."
  else
    echo "All examples pass: same behaviour, test stage passing, dependency install reused, runtime image ≤ $(awk -v m="$DEFAULT_MAX_RATIO" 'BEGIN{printf "%d%%", m*100}') of the original (or the bar a case sets, with its reason, in report.json)."
  fi
} >"$OUT/report.md"

cat "$OUT/report.md"
if [ $failures -gt 0 ]; then
  die "$failures example(s) failed; see $OUT/report.md"
fi
log "all examples pass"
