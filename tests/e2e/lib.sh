# Helpers shared by run.sh and selftest.sh (sourced).

# deps_reused LOG REGEX -> prints "yes N" / "no: <step>" / "none"
# A step is cached when the line after its "STEP n/m: <instruction>" line is "--> Using cache".
# When the Dockerfile has a stage named deps, only its steps count (the build stage may re-run
# the same tool on purpose, e.g. `cargo build`).
deps_reused() {
  awk -v re="$2" '
    function stage_of(line,   m) {
      if (match(tolower(line), /step [0-9]+\/[0-9]+: from [^ ]+ as [^ ]+/)) {
        n = split(substr(line, RSTART, RLENGTH), parts, " "); return tolower(parts[n])
      }
      if (tolower(line) ~ /step [0-9]+\/[0-9]+: from /) return "(unnamed)"
      return ""
    }
    /STEP [0-9]+\/[0-9]+: / {
      s = stage_of($0); if (s != "") { stage = s; if (s == "deps") has_deps = 1 }
      if (pending != "") { results[++n_res] = pending_stage "\t" pending "\tno" }
      pending = ""
      instr = $0; sub(/.*STEP [0-9]+\/[0-9]+: /, "", instr)
      if (instr ~ "^(RUN|run) " && instr ~ re) { pending = instr; pending_stage = stage }
      next
    }
    pending != "" {
      if ($0 ~ /^--> Using cache/) results[++n_res] = pending_stage "\t" pending "\tyes"
      else results[++n_res] = pending_stage "\t" pending "\tno"
      pending = ""
    }
    END {
      if (pending != "") results[++n_res] = pending_stage "\t" pending "\tno"
      count = 0; bad = ""
      for (i = 1; i <= n_res; i++) {
        split(results[i], f, "\t")
        if (has_deps && f[1] != "deps") continue
        count++
        if (f[3] != "yes" && bad == "") bad = f[2]
      }
      if (count == 0) print "none"
      else if (bad != "") print "no: " bad
      else print "yes " count
    }' "$1"
}


# mount_image IMAGE -> the path of the image's root file system. Every image the suite builds has
# an /etc (distroless too), and an empty mount would read as "no compilers, unknown user", a pass
# and a failure for the wrong reason: a mount without /etc is force-unmounted and tried again (up
# to three times, each retry said on stderr), then the check fails. (Runs that shared a run root
# saw such mounts; each cache now has its own, see setup-engine.sh.)
mount_image() {
  local img=$1 mnt i
  for i in 1 2 3; do
    mnt=$(podman image mount "$img") || return 1
    if [ -d "$mnt/etc" ]; then printf '%s\n' "$mnt"; return 0; fi
    echo "e2e: $img mounted at $mnt without /etc (try $i); mounting again" >&2
    podman image unmount --force "$img" >/dev/null 2>&1 || true
    sleep 1
  done
  return 1
}

# resolve_uid USER PASSWD_FILE -> the numeric uid an image's configured USER runs as, or
# "unknown:<name>" when a name is not in the image's /etc/passwd. USER may be empty (root),
# "name", "uid", "name:group" or "uid:gid".
resolve_uid() {
  local user=${1%%:*} passwd=$2
  if [ -z "$user" ]; then echo 0; return; fi
  case "$user" in
    *[!0-9]*) ;;
    *) echo "$((10#$user))"; return ;;
  esac
  local uid=""
  [ -f "$passwd" ] && uid=$(awk -F: -v u="$user" '$1 == u { print $3; exit }' "$passwd")
  if [ -n "$uid" ]; then echo "$uid"; else echo "unknown:$user"; fi
}

# compilers_in ROOTFS -> the compiler and build-tool binaries present in an image's file system
# (one per line, as paths inside the image); nothing when it holds none. A name counts when the
# entry exists, even as a symlink (an absolute link points into the image, not the host).
E2E_COMPILERS="gcc cc c++ g++ go cargo rustc javac mvn gradle"
compilers_in() {
  local root=$1 d b p jvm
  local dirs=(usr/bin usr/local/bin bin usr/sbin usr/local/sbin usr/lib/go/bin usr/local/go/bin
              go/bin usr/local/cargo/bin root/.cargo/bin opt/java/openjdk/bin usr/share/maven/bin)
  for jvm in "$root"/usr/lib/jvm/*/bin; do
    [ -d "$jvm" ] && dirs+=("${jvm#"$root"/}")
  done
  for d in "${dirs[@]}"; do
    for b in $E2E_COMPILERS; do
      p="$root/$d/$b"
      if [ -L "$p" ] || [ -e "$p" ]; then echo "/$d/$b"; fi
    done
  done | sort -u
}

# shipped_bytes OLD_DIGESTS NEW_LAYERS -> the bytes a registry push sends after a change: the sum
# of the sizes in NEW_LAYERS ("digest size" per line) whose digest is not in OLD_DIGESTS (one
# digest per line, the image's layers before the change).
shipped_bytes() {
  awk 'NR == FNR { if ($1 != "") old[$1] = 1; next }
       !($1 in old) && !($1 in seen) { sum += $2; seen[$1] = 1 }
       END { printf "%d\n", sum + 0 }' "$1" "$2"
}

# layer_sizes LAYERS_JSON DIGEST... -> "digest size" per layer of an image, in order, with sizes
# from containers/storage's layers.json (the diff size of the layer with that diff digest).
layer_sizes() {
  python3 - "$@" <<'PY'
import json, sys
path, digests = sys.argv[1], sys.argv[2:]
sizes = {}
for layer in json.load(open(path)):
    d = layer.get("diff-digest")
    if d:
        sizes[d] = layer.get("diff-size", 0)
for d in digests:
    if d not in sizes:
        sys.exit("layer %s not in %s" % (d, path))
    print(d, sizes[d])
PY
}

# healthcheck_argv CONFIG_JSON -> the command a HEALTHCHECK runs, NUL-separated, ready for
# `podman exec NAME ...` (CMD-SHELL runs through /bin/sh -c, like the engines do); nothing when
# the image has no health check (or HEALTHCHECK NONE). CONFIG_JSON is the image's .Config.Healthcheck.
healthcheck_argv() {
  python3 - "$1" <<'PY'
import json, sys
hc = json.loads(sys.argv[1] or "null") or {}
test = hc.get("Test") or hc.get("test") or []
if not test or test[0] == "NONE":
    sys.exit(0)
if test[0] == "CMD-SHELL":
    argv = ["/bin/sh", "-c", " ".join(test[1:])]
elif test[0] == "CMD":
    argv = test[1:]
else:
    argv = test
sys.stdout.write("\0".join(argv) + "\0")
PY
}

# has_healthcheck DOCKERFILE -> true when the Dockerfile's last stage declares a HEALTHCHECK
# other than NONE (the one the image it builds carries)
has_healthcheck() {
  awk 'toupper($1) == "FROM" { hc = 0 }
       toupper($1) == "HEALTHCHECK" { hc = (toupper($2) != "NONE") }
       END { exit !hc }' "$1"
}

# first_from DOCKERFILE -> the image the first FROM names (the key examples are ordered by, so
# examples on the same stand-in build one after the other and share its layers)
first_from() {
  awk 'toupper($1) == "FROM" { for (i = 2; i <= NF; i++) if ($i !~ /^--/) { print $i; exit } }' "$1"
}

# order_examples -> reads "example key" lines, prints the examples sorted by key (stable, then name)
order_examples() {
  sort -k2,2 -k1,1 | awk '{ print $1 }'
}
