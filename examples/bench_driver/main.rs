//! `bench_driver`: the one binary behind every `bench/*.sh` script.
//!
//! It plays the parts a benchmark needs around the real bot: a fast Slack Web API
//! stand-in (`stub`), a Slack-shaped load generator that signs every request afresh
//! (`ack`), the data loader for 10 M riders (`load`), the lookup, approval and start-up
//! measurements (`lookup`, `explain`, `approve`, `startup`), and the summarisers that turn
//! runs into the median (min–max) figures of BENCHMARKS.md (`summarize`) and into the
//! performance targets with their verdicts (`targets`). Every
//! measurement prints one JSON line per run, so the scripts only collect and summarise.
//!
//! One binary (an example, so its dependencies stay dev-only) rather than one per
//! benchmark: each extra binary is another link of the whole crate on a 2-core machine.

mod ack;
mod approve;
mod args;
mod data;
mod lookup;
mod startup;
mod stats;
mod stub;
mod targets;

use std::process::ExitCode;

const USAGE: &str = "usage: bench_driver <command> [--flag value ...]

  stub        --addr-file F                      fast Slack Web API stand-in
  free-port                                      print a free TCP port on 127.0.0.1
  ack         --url U --secret S --kind command|stale-click [--request-id N]
              (--rate R | --closed --concurrency C) --duration SECS [--warmup SECS]
              [--path P] [--pid PID] [--stub-pid PID] [--stub-url U] [--threads T]
              [--label L]
              [--app NAME --run N]                (tags for `targets`)
  prepare-stale --primary URL [--replica URL]   file + approve one request, print its id
  load        --db URL --riders N --policies M   generate the company tables
  lookup      --primary URL [--replica URL] --riders N --samples K [--label L]
  explain     --replica URL --riders N           EXPLAIN (ANALYZE, BUFFERS) of both lookups
  approve     --primary URL --concurrency C --rounds R --policies M [--pool P] [--label L]
  startup     --bin PATH (--sqlite | --primary URL --replica URL) [--warm] [--label L]
  summarize   FILE...                            median (min-max) of JSON-line runs
  targets     FILE...                            issue 17's targets from those runs
  machine                                        nproc, CPU model, memory, load";

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = argv.first().cloned() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let args = match args::Args::parse(&argv[1..]) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench_driver: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let result = match cmd.as_str() {
        "stub" => stub::main(&args),
        "free-port" => stub::free_port(),
        "ack" => ack::main(&args),
        "prepare-stale" => ack::prepare_stale(&args),
        "load" => data::main(&args),
        "lookup" => lookup::main(&args),
        "explain" => lookup::explain(&args),
        "approve" => approve::main(&args),
        "startup" => startup::main(&args),
        "summarize" => stats::summarize(&args),
        "targets" => targets::main(&args),
        "machine" => stats::machine(),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(anyhow::anyhow!("unknown command {other:?}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_driver {cmd}: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// A runtime for the async commands: current-thread by default, so the driver takes as
/// little of the two cores from the process under test as it can.
pub fn runtime(threads: usize) -> anyhow::Result<tokio::runtime::Runtime> {
    let rt = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()?
    };
    Ok(rt)
}
