//! The start-up benchmark: from spawning `expire-bot serve` to its first `/readyz` 200,
//! on the embedded SQLite default (a fresh file: migrations and demo seed included; or,
//! with `--warm`, a file an earlier start already created) and on a PostgreSQL primary +
//! replica (already migrated, as in production). Then the idle RSS one second after
//! ready, and how long SIGTERM takes to end it.
//!
//! Polling is a raw HTTP/1.1 GET every 0.5 ms from a plain thread, so the measurement adds
//! well under a millisecond.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::args::Args;
use crate::stats;

/// Every variable of the contract, removed before the ones a run needs are set.
const CONTRACT_VARS: [&str; 17] = [
    "SLACK_SIGNING_SECRET",
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "APPROVAL_CHANNEL_ID",
    "APPROVER_USER_IDS",
    "APPROVER_USERGROUP_ID",
    "REQUESTER_USER_IDS",
    "REQUESTER_USERGROUP_ID",
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "BIND_ADDR",
    "DISPLAY_TZ",
    "REQUEST_TTL",
    "READ_FALLBACK",
    "LOG_FORMAT",
    "RUST_LOG",
];

fn ready(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(50)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
    if s.write_all(b"GET /readyz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 16];
    let mut got = 0;
    while got < 12 {
        match s.read(&mut buf[got..]) {
            Ok(0) | Err(_) => return false,
            Ok(n) => got += n,
        }
    }
    buf.starts_with(b"HTTP/1.1 200")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

pub fn main(args: &Args) -> anyhow::Result<()> {
    let bin = args.req("bin")?.to_owned();
    let label = args.opt("label").unwrap_or("").to_owned();
    let runs: usize = args.num("runs", 1)?;
    let sqlite = args.has("sqlite");
    let warm = args.has("warm");
    let slack_url = args
        .opt("slack-url")
        .unwrap_or("http://127.0.0.1:9/api")
        .to_owned();
    let dbs = if sqlite {
        None
    } else {
        Some((
            args.req("primary")?.to_owned(),
            args.req("replica")?.to_owned(),
        ))
    };
    if let Some((primary, _)) = &dbs {
        // Production runs `expire-bot migrate` before `serve`; so does the benchmark.
        let st = Command::new(&bin)
            .arg("migrate")
            .env("DATABASE_URL", primary)
            .stdout(Stdio::null())
            .status()?;
        anyhow::ensure!(st.success(), "expire-bot migrate failed");
    }
    let dir = tempfile::tempdir()?;
    for run in 0..runs + usize::from(warm) {
        // The warm variant's first start creates the file and is not reported.
        let report = !(warm && run == 0);
        let run_dir = if sqlite && !warm {
            tempfile::tempdir()?
        } else {
            tempfile::tempdir_in(dir.path())?
        };
        let cwd = if warm { dir.path() } else { run_dir.path() };
        let port = free_port()?;
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let mut cmd = Command::new(&bin);
        cmd.arg("serve").current_dir(cwd);
        for v in CONTRACT_VARS {
            cmd.env_remove(v);
        }
        cmd.env("SLACK_SIGNING_SECRET", "bench-secret")
            .env("SLACK_BOT_TOKEN", "xoxb-bench")
            .env("SLACK_API_URL", &slack_url)
            .env("APPROVAL_CHANNEL_ID", "C0APPROVE")
            .env("APPROVER_USER_IDS", "U0LEAD1")
            .env("BIND_ADDR", addr.to_string())
            .env("LOG_FORMAT", "json")
            // No start-up digest (it runs after 09:00 KST) inside the measured start-up.
            .env("DIGEST_SCHEDULE", "off")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(run_dir.path().join("stderr.log"))?);
        if let Some((primary, replica)) = &dbs {
            cmd.env("DATABASE_URL", primary)
                .env("DATABASE_REPLICA_URL", replica);
        }
        let started = Instant::now();
        let mut child = cmd.spawn()?;
        let deadline = started + Duration::from_secs(30);
        let mut became_ready = None;
        while Instant::now() < deadline {
            if ready(addr) {
                became_ready = Some(started.elapsed());
                break;
            }
            if let Some(st) = child.try_wait()? {
                let log =
                    std::fs::read_to_string(run_dir.path().join("stderr.log")).unwrap_or_default();
                anyhow::bail!("expire-bot exited ({st}) before it was ready:\n{log}");
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        let Some(ready_after) = became_ready else {
            let _ = child.kill();
            anyhow::bail!("expire-bot was not ready within 30 s");
        };
        std::thread::sleep(Duration::from_secs(1));
        let mem = stats::proc_mem(child.id());
        let stop = Instant::now();
        let st = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()?;
        anyhow::ensure!(st.success(), "could not signal the bot");
        let exit = child.wait()?;
        let stopped_after = stop.elapsed();
        if report {
            let mut m = serde_json::Map::new();
            m.insert(
                "backend".into(),
                json!(if sqlite { "sqlite" } else { "postgres" }),
            );
            m.insert("warm".into(), json!(warm));
            m.insert("ready_ms".into(), json!(ready_after.as_secs_f64() * 1000.0));
            m.insert("idle_rss_kb".into(), json!(mem.map(|m| m.0)));
            m.insert("hwm_kb".into(), json!(mem.map(|m| m.1)));
            m.insert(
                "sigterm_to_exit_ms".into(),
                json!(stopped_after.as_secs_f64() * 1000.0),
            );
            m.insert("exit_code".into(), json!(exit.code()));
            stats::emit("startup", &label, m);
        }
    }
    Ok(())
}
