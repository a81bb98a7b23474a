#!/bin/sh
# Builds and runs the libFuzzer targets (docs/reliability.md, "Fuzzing").
#   Fuzz/fuzz.sh [target...]      default: every target
# FUZZ_SECONDS (default 60) per target. Prints a table of executions, coverage (libFuzzer's
# cov/ft at the end) and crashes; exits 1 when any target crashed. Crash inputs are left in
# .build-fuzz/crashes/<target>/: fix the bug, then copy the input to
# Fuzz/Corpus/<target>/<bug-name> so the XCTest replay keeps it fixed.
#
# How: SwiftPM builds the library targets with -sanitize=fuzzer,address into a separate
# scratch path (debug, so @testable works), then swiftc links one harness
# (Fuzz/Harness/*.swift) with Fuzz/Entry/FuzzEntry.swift and those objects; libFuzzer
# supplies main().
set -eu
# libFuzzer's log carries raw input bytes (dictionary entries): byte-wise text tools.
export LC_ALL=C
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SWIFTC=${SWIFTC:-swiftc}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
SCRATCH=.build-fuzz
ALL="at-protocol dhcp control-request configuration rtnetlink"
TARGETS=${*:-$ALL}
SANITIZE="-sanitize=fuzzer,address"

harness() {
    case $1 in
        at-protocol) echo "ATProtocolFuzz FUZZ_AT_PROTOCOL ATProtocol BG95Core" ;;
        dhcp) echo "DHCPFuzz FUZZ_DHCP DHCPProtocol BG95Core" ;;
        control-request) echo "ControlRequestFuzz FUZZ_CONTROL_REQUEST BG95Control ATProtocol BG95Core BG95System LogLimit" ;;
        configuration) echo "ConfigurationFuzz FUZZ_CONFIGURATION BG95Config BG95Core Supervisor Modem ATProtocol" ;;
        rtnetlink) echo "RtnetlinkFuzz FUZZ_RTNETLINK NetlinkIO BG95System BG95Core Netconfig" ;;
        *) echo "fuzz: unknown target $1 (targets: $ALL)" >&2; exit 2 ;;
    esac
}

# 1. The library targets, instrumented (incremental; one invocation per top of the graph).
mkdir -p $SCRATCH
# The binaries link every object in a module's build folder: when files moved between
# targets, stale objects would be linked too, so a changed layout starts the build afresh
# (the generated corpus is kept).
layout=$( (cat Package.swift; find Sources -name '*.swift' | sort) | cksum)
if [ "$(cat $SCRATCH/layout 2>/dev/null)" != "$layout" ]; then
    find $SCRATCH -mindepth 1 -maxdepth 1 ! -name corpus ! -name crashes -exec rm -rf {} +
    echo "$layout" > $SCRATCH/layout
fi
for top in BG95Config DHCPProtocol NetlinkIO BG95Control; do
    $SWIFT build --scratch-path $SCRATCH -Xswiftc -sanitize=fuzzer,address --target $top >$SCRATCH/build.log 2>&1 \
        || { grep -E 'error' $SCRATCH/build.log | head -20 >&2; echo "fuzz: building $top failed" >&2; exit 1; }
done
BIN=$($SWIFT build --scratch-path $SCRATCH --show-bin-path)

# 2. One binary per target.
for target in $TARGETS; do
    set -- $(harness "$target")
    name=$1 flag=$2
    shift 2
    objects=""
    for module in "$@"; do objects="$objects $(ls $BIN/$module.build/*.o)"; done
    extra=""
    case $target in rtnetlink) extra="-Xcc -fmodule-map-file=Sources/CMnl/module.modulemap -lmnl" ;; esac
    out=$SCRATCH/fuzz-$target
    if [ ! -x "$out" ] || [ -n "$(find Fuzz/Harness Fuzz/Entry $objects -newer "$out" 2>/dev/null | head -1)" ]; then
        $SWIFTC -parse-as-library $SANITIZE -g -module-name "Fuzz$name" -D "$flag" -I "$BIN/Modules" $extra \
            Fuzz/Entry/FuzzEntry.swift "Fuzz/Harness/$name.swift" $objects -o "$out" 2>&1 \
            | grep -v "ld.gold: warning: Cannot export local symbol" >&2 || true
        test -x "$out"
    fi
done

# 3. Run each and collect its final stats.
failed=0
table=$(mktemp)
trap 'rm -f "$table"' EXIT
printf '%-16s %12s %8s %8s %8s\n' target executions cov ft crashes > "$table"
for target in $TARGETS; do
    corpus=$SCRATCH/corpus/$target
    crashes=$SCRATCH/crashes/$target
    mkdir -p "$corpus" "$crashes" "Fuzz/Corpus/$target"
    log=$SCRATCH/fuzz-$target.log
    status=0
    # The Swift runtime's backtracer would fight ASan over the crash report.
    SWIFT_BACKTRACE=enable=no "$SCRATCH/fuzz-$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" "Fuzz/Corpus/$target" >"$log" 2>&1 || status=$?
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    done_line=$(grep -E '^#[0-9]+.*(DONE|INITED|pulse|NEW|REDUCE)' "$log" | tail -1)
    # Anchored at the start: the tail of the line may quote input bytes such as "cov: ".
    cov=$(echo "$done_line" | sed -n 's/^#[0-9]*[[:space:]]*[A-Za-z]*[[:space:]]*cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$done_line" | sed -n 's/^#[0-9]*[[:space:]]*[A-Za-z]*[[:space:]]*cov: [0-9]* ft: \([0-9]*\).*/\1/p')
    found=$(ls "$crashes" | grep -cE '^(crash|leak|timeout|oom)-' || true)
    if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
        failed=1
        echo "fuzz: $target failed (exit $status), see $log and $crashes/" >&2
        # What libFuzzer, the sanitizers or the Swift runtime said, and the input itself, so a
        # CI log alone is enough to reproduce it.
        grep -E -A14 '^==[0-9]+== *ERROR|deadly signal|^Fatal error|Fatal error:|LeakSanitizer|^ERROR: libFuzzer|out-of-memory|^SUMMARY' "$log" | head -40 >&2 || true
        for input in "$crashes"/*; do
            [ -f "$input" ] || continue
            echo "fuzz: input $input ($(wc -c < "$input") bytes):" >&2
            od -A d -c "$input" | head -24 >&2
        done
    fi
    printf '%-16s %12s %8s %8s %8s\n' "$target" "${executions:-?}" "${cov:-?}" "${ft:-?}" "$found" >> "$table"
done
echo "fuzz: ${SECONDS_PER_TARGET} s per target"
cat "$table"
exit $failed
