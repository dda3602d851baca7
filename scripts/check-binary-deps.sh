#!/usr/bin/env bash
# Proves the expire-bot binary needs nothing at run time beyond the C library (and the CA
# certificates it reads as files), so the small runtime image in the Dockerfile is enough:
# `ldd` may list only glibc's own pieces, the kernel's vDSO and libgcc_s (unwinding). No
# OpenSSL, no libpq, no libsqlite3: TLS is rustls, PostgreSQL and SQLite are compiled in.
#
# usage: scripts/check-binary-deps.sh [BINARY]
#   default: the release binary if built, else the debug one (built if missing). Both link
#   the same crates with the same features, so they need the same libraries.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"

BIN="${1:-}"
if [[ -z "$BIN" ]]; then
    if [[ -x "$TARGET_DIR/release/expire-bot" ]]; then
        BIN="$TARGET_DIR/release/expire-bot"
    elif [[ -x "$TARGET_DIR/fuzz/expire-bot" ]]; then
        # scripts/fuzz.sh's optimised build (CI): same dependencies as release.
        BIN="$TARGET_DIR/fuzz/expire-bot"
    else
        [[ -x "$TARGET_DIR/debug/expire-bot" ]] || cargo build --quiet --bin expire-bot
        BIN="$TARGET_DIR/debug/expire-bot"
    fi
fi
[[ -x "$BIN" ]] || { echo "check-binary-deps: $BIN is not an executable" >&2; exit 1; }

# What glibc-based images (distroless/cc, debian-slim) always have.
ALLOWED='^(linux-vdso\.so\.1|linux-gate\.so\.1|libc\.so\.6|libm\.so\.6|libgcc_s\.so\.1|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1)$'

deps="$(ldd "$BIN" | awk '{print $1}' | sed 's|.*/||')"
echo "check-binary-deps: $BIN needs:"
sed 's/^/  /' <<<"$deps"
unexpected="$(grep -Ev "$ALLOWED" <<<"$deps" || true)"
if [[ -n "$unexpected" ]]; then
    echo "check-binary-deps: FAIL: libraries the runtime image does not have:" >&2
    sed 's/^/  /' <<<"$unexpected" >&2
    exit 1
fi

# And no glibc newer than the runtime image's (Debian 12: 2.36). The release binary's relative
# relocations are packed (build.rs), which names GLIBC_ABI_DT_RELR, itself glibc 2.36's.
GLIBC_MAX=2.36
versions="$(readelf -V "$BIN" | grep -o 'Name: GLIBC_[0-9][0-9.]*' | sed 's/Name: GLIBC_//' | sort -uV)"
newest="$(tail -1 <<<"$versions")"
if [[ "$(printf '%s\n%s\n' "$newest" "$GLIBC_MAX" | sort -V | tail -1)" != "$GLIBC_MAX" ]]; then
    echo "check-binary-deps: FAIL: needs glibc $newest, the runtime image has $GLIBC_MAX" >&2
    exit 1
fi
echo "check-binary-deps: OK (libc only, glibc symbols up to $newest; the image has $GLIBC_MAX)"
