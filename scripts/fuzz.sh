#!/usr/bin/env bash
# Hostile-input fuzzing at scale: every target in tests/fuzz.rs, FUZZ_CASES runs each
# (default 1,000,000; the builders targets — one per language, Korean and English — which
# render every view and message per case, run FUZZ_CASES / 50 unless FUZZ_BUILDER_CASES says
# otherwise), optimised (the `fuzz`
# profile: release without LTO) so a million runs take minutes, not an hour.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export FUZZ_CASES="${FUZZ_CASES:-1000000}"
echo "fuzz: ${FUZZ_CASES} runs per target"
time cargo test --profile fuzz --test fuzz -- --test-threads 2
