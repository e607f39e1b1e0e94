#!/usr/bin/env bash
# tests/fuzz/run.sh BUILD_DIR — run every libFuzzer target built in BUILD_DIR (-Dfuzz=true) for
# FUZZ_SECONDS each (default 20), starting from its seed corpus in the tree: fuzz_NAME's corpus
# is the folder corpus/NAME anywhere under tests/ (targets live in tests/fuzz and tests/cluster).
# Fails on any crash, leak or timeout. New inputs go to a scratch copy, so the tree's corpora stay as committed.
set -euo pipefail
build=${1:?usage: tests/fuzz/run.sh BUILD_DIR}
secs=${FUZZ_SECONDS:-20}
src=$(cd "$(dirname "$0")/.." && pwd)
mapfile -t targets < <(find "$build/tests" -type f -name 'fuzz_*' -perm -u+x | sort)
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no targets in $build" >&2
	exit 1
fi
for t in "${targets[@]}"; do
	name=$(basename "$t")
	corpus=$(find "$src" -type d -path "*corpus/${name#fuzz_}" | head -1)
	scratch=$(mktemp -d)
	[ -n "$corpus" ] && cp -r "$corpus"/. "$scratch"/
	echo "fuzz: $name for ${secs}s (corpus ${corpus:-none})"
	"$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$scratch/" "$scratch" 2>&1 | tail -12
	rm -rf "$scratch"
done
