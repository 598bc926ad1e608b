#!/usr/bin/env bash
# Peak memory and CPU time of `restage --check` on one large file (issue 17 item 8: a 420,000
# instruction file at most 10x the cost of a 52,000 one, peak memory at most 25x the input).
#
# The file is the one `benches/common/mod.rs::copy_lines_dockerfile` generates (a Node
# Dockerfile of `COPY fN /x/fN` lines), with the package.json and package-lock.json of
# `node_context` beside it. Each size runs once under `/usr/bin/time -v`; the table gives the
# input size, user+sys CPU time, wall time and peak RSS, and peak RSS over the input.
#
#   cargo build --release && benches/scaling_memory.sh [path/to/restage] [sizes...]
#
# Defaults: target/release/restage, sizes 13000 52000 420000. Give `uptime` beside wall times:
# on a loaded machine only the CPU time and the peak RSS compare.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/target/release/restage}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(13000 52000 420000)
[ -x "$bin" ] || { echo "no binary at $bin (cargo build --release)" >&2; exit 2; }
# Each size runs in its own folder, so a relative path must not be read from there.
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

printf '%-13s %12s %10s %8s %12s %8s\n' instructions input_bytes cpu_s wall_s peak_rss_kb ratio
for n in "${sizes[@]}"; do
    dir=$work/$n
    mkdir -p "$dir"
    {
        printf 'FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\n'
        awk -v n="$((n - 5))" 'BEGIN { for (i = 0; i < n; i++) printf "COPY f%d /x/f%d\n", i, i }'
        printf 'CMD ["node", "index.js"]\n'
    } >"$dir/Dockerfile"
    printf '%s' '{"name":"gen","version":"1.0.0","scripts":{"build":"tsc -p .","start":"node dist/index.js","test":"node --test"},"dependencies":{"express":"^4.19.2"},"devDependencies":{"typescript":"^5.4.0"}}' >"$dir/package.json"
    printf '%s' '{"name":"gen","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{}}' >"$dir/package-lock.json"
    status=0
    (cd "$dir" && /usr/bin/time -v "$bin" --check Dockerfile >/dev/null 2>"$dir/time.txt") || status=$?
    # --check exits 1 when the file would change, which it must.
    [ "$status" -eq 1 ] || { echo "restage --check exited $status on $n instructions" >&2; cat "$dir/time.txt" >&2; exit 1; }
    bytes=$(wc -c <"$dir/Dockerfile")
    awk -v n="$n" -v bytes="$bytes" -F': ' '
        /User time/ { user = $2 }
        /System time/ { sys = $2 }
        /Elapsed \(wall clock\)/ { split($2, t, ":"); wall = t[1] * 60 + t[2] }
        /Maximum resident set size/ { rss = $2 }
        END { printf "%-13d %12d %10.2f %8.2f %12d %7.1fx\n", n, bytes, user + sys, wall, rss, rss * 1024 / bytes }
    ' "$dir/time.txt"
done
