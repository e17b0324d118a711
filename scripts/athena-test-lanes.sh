#!/usr/bin/env bash
# The local-Athena tests of `make test-athena` in two lanes at once, one pytest process each:
# the sample-log scenario (the longest module) in one, every other Athena module in the other.
# A build keeps about one of the two cores busy (Trino plans and commits one statement at a
# time), so two lanes take about two thirds of the time of one. The lanes share the running
# engine; each test uses its own Glue schema and log prefix, and the one build whose AWS calls a
# test checks runs its dbt commands alone (engine_use in tests/python/athena_local_harness.py).
# Both lanes' output is printed at the end; the exit status is non-zero if either failed.
# pytest-xdist's loadgroup could do this inside one process, but it does not group tests on
# pytest 9 (it renames node ids through an attribute pytest 9 no longer reads).
set -u
BIN=${BIN:-.venv/bin}
SAMPLE=tests/python/test_athena_local_sample.py
out=$(mktemp -d)
start=$(date +%s)

"$BIN/pytest" -m athena -p no:xdist "$SAMPLE" >"$out/sample.log" 2>&1 &
sample=$!
"$BIN/pytest" -m athena -p no:xdist --ignore="$SAMPLE" >"$out/rest.log" 2>&1 &
rest=$!

progress() { tail -n 1 "$1" 2>/dev/null | tr -d '\r' | cut -c1-60; }
while kill -0 "$sample" 2>/dev/null || kill -0 "$rest" 2>/dev/null; do
    sleep 60
    minutes=$(( ($(date +%s) - start) / 60 ))
    echo "athena lanes, ${minutes} min: sample [$(progress "$out/sample.log")]  others [$(progress "$out/rest.log")]"
done
wait "$sample"; sample_status=$?
wait "$rest"; rest_status=$?

echo "=== lane 1: $SAMPLE (exit $sample_status) ==="
cat "$out/sample.log"
echo "=== lane 2: every other Athena module (exit $rest_status) ==="
cat "$out/rest.log"
echo "athena lanes: $(( ($(date +%s) - start) / 60 )) min in all"
rm -rf "$out"
[ "$sample_status" = 0 ] && [ "$rest_status" = 0 ]
