#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS]: build the libFuzzer targets with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer, and run each for SECONDS
# (default 20) on its corpus.  Exits non-zero on any finding.  New
# interesting inputs go to build-fuzz/corpus/, leaving the committed seed
# corpus as it is.  A long run: tests/fuzz/run.sh 600
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
out=build-fuzz
mkdir -p "$out"
flags="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -Icommon -Iclient"
common="common/wdm_proto.c common/wdm_record.c common/wdm_catalog.c common/wdm_utf8.c common/wdm_crc32.c"
# shellcheck disable=SC2086
clang $flags tests/fuzz/fuzz_proto.c $common $(pkg-config --cflags --libs msgpack zlib) -lm -lpthread \
    -o "$out/fuzz_proto"
# shellcheck disable=SC2086
clang $flags tests/fuzz/fuzz_source.c client/wdm_source*.c $common common/wdm_buf.c \
    $(pkg-config --cflags --libs msgpack jansson zlib libzip expat) -lcsv -lm -lpthread -o "$out/fuzz_source"
status=0
for target in proto source; do
    mkdir -p "$out/corpus/$target"
    echo "==> fuzz_$target for $seconds s"
    if ! "$out/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 -artifact_prefix="$out/" \
            -rss_limit_mb=2048 -print_final_stats=1 "$out/corpus/$target" "tests/fuzz/corpus/$target" \
            >"$out/fuzz_$target.log" 2>&1; then
        echo "FINDING in fuzz_$target:"; tail -n 40 "$out/fuzz_$target.log"; status=1
    fi
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$out/fuzz_$target.log" | sed 's/^/    /'
done
exit $status
