#!/usr/bin/env bash
# Hostile-input fuzzing at scale: every target in tests/fuzz.rs, FUZZ_CASES runs each
# (default 1,000,000; the builders targets — one per language, Korean and English — which
# render every view and message per case, ~9 ms a case, run FUZZ_BUILDER_CASES, default
# 10,000; the prefill target FUZZ_CASES / 10), optimised (the `fuzz` profile: release
# without LTO, at opt-level 1) so a million runs take minutes, not an hour.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export FUZZ_CASES="${FUZZ_CASES:-1000000}"
export FUZZ_BUILDER_CASES="${FUZZ_BUILDER_CASES:-10000}"
echo "fuzz: ${FUZZ_CASES} runs per target, ${FUZZ_BUILDER_CASES} per builders target"
time cargo test --profile fuzz --test fuzz -- --test-threads 2
