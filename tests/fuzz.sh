#!/usr/bin/env bash
# Run each cargo-fuzz target for a bounded time.
#
#   tests/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s; targets: parse rewrite)
#
# The toolchain here is stable only, and cargo-fuzz normally needs nightly for its sanitizer
# flags. What works on stable:
#   - `--sanitizer none`: no AddressSanitizer (safe Rust needs none to catch panics); coverage
#     instrumentation (sancov) still works;
#   - `RUSTC_BOOTSTRAP=1`: cargo-fuzz passes a few `-Z` flags even without a sanitizer.
# cargo-fuzz itself is installed with `cargo install cargo-fuzz --locked` when missing, and
# libfuzzer-sys builds libFuzzer with the system C++ compiler (g++ or clang++).
#
# New inputs go to a scratch corpus (fuzz/work/<target>); the committed seed corpus
# (fuzz/corpus/<target>) is only read. A crash leaves its input in fuzz/artifacts/<target>/ and
# fails the script; turn each into a regression test in tests/it/hostile.rs named after what
# broke. Each run prints libFuzzer's final stats (`stat::number_of_executed_units`).
set -euo pipefail

seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(parse rewrite)
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
cargo fuzz build --sanitizer none -O

status=0
for target in "${targets[@]}"; do
    mkdir -p "work/$target" "artifacts/$target"
    echo "== fuzz $target for ${seconds}s"
    if ! cargo fuzz run --sanitizer none -O "$target" "work/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 2>&1 | tee "work/$target.log" | grep -E "^(stat::|==|INFO: Done|SUMMARY|.*panicked)"; then
        status=1
    fi
    if grep -qE "panicked|deadly signal|ERROR: libFuzzer" "work/$target.log"; then
        echo "fuzz $target: crash; see fuzz/artifacts/$target/ and fuzz/work/$target.log"
        status=1
    fi
done
exit $status
