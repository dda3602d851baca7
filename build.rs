//! How the release binary is linked: its code laid out in the order a running bot executes it.
//!
//! Why (BENCHMARKS.md §14): the bot runs about 2,750 of the binary's functions, ~4 MB of a
//! 16 MB `.text`, and in the default layout they sit all over it. The kernel maps 64 kB
//! around every page of a file it faults in, so an idle bot had ~12 MB of code resident
//! (most of its RSS), nearly all of it code that never ran. `link/text-order.txt`, written
//! by `bench/text-order.sh` from a callgrind run, lists the executed functions; lld places
//! them first (`--symbol-ordering-file`), so they share pages. A symbol the list names and
//! the binary lacks (the code changed since the list was made) is skipped without a word;
//! a function the list lacks goes after the listed ones, as it would have anyway.
//!
//! `-z pack-relative-relocs` stores the ~56,000 relative relocations of a position-
//! independent binary as a bitmap (`.relr.dyn`, a few kB) instead of 24 bytes each (1.3 MB
//! of `.rela.dyn` that the loader reads at every start). It needs glibc 2.36, the runtime
//! image's (Debian 12); the binary then names `GLIBC_ABI_DT_RELR`, so an older glibc
//! refuses it at once instead of running it wrongly. Address-space randomisation stays.
//!
//! Only release-like builds (the `release` and `fuzz` profiles) of the `expire-bot` binary on
//! x86_64 Linux with glibc are linked so: the default linker there is rust-lld, which has
//! both options. `EXPIRE_BOT_PLAIN_LINK=1` turns both off (another linker, another glibc).

use std::env;
use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=link/text-order.txt");
    println!("cargo::rerun-if-env-changed=EXPIRE_BOT_PLAIN_LINK");
    let var = |name: &str| env::var(name).unwrap_or_default();
    let release = var("PROFILE") == "release";
    let target = var("CARGO_CFG_TARGET_OS") == "linux"
        && var("CARGO_CFG_TARGET_ENV") == "gnu"
        && var("CARGO_CFG_TARGET_ARCH") == "x86_64";
    if !release || !target || var("EXPIRE_BOT_PLAIN_LINK") == "1" {
        return;
    }
    let order = Path::new(&var("CARGO_MANIFEST_DIR")).join("link/text-order.txt");
    let arg = |a: &str| println!("cargo::rustc-link-arg-bin=expire-bot={a}");
    if order.is_file() {
        arg(&format!("-Wl,--symbol-ordering-file={}", order.display()));
        arg("-Wl,--no-warn-symbol-ordering");
    }
    arg("-Wl,-z,pack-relative-relocs");
}
