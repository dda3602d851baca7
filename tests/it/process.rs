//! Real `expire-bot serve` processes, for what only a process can show: two instances on
//! one database, `kill -9`, SIGTERM, and everything the binary writes to its log.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::harness::{AGENT, APPROVAL_CHANNEL, APPROVER_GROUP, LEAD, LEAD2, SECRET, TestDb};

pub struct BotProcess {
    pub child: Child,
    pub addr: String,
    pub log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

impl BotProcess {
    /// Starts `expire-bot serve` on a free port and waits until `/healthz` answers.
    pub async fn start(db: &TestDb, slack_url: &str, extra: &[(&str, &str)]) -> BotProcess {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("bot.log");
        let log_file = std::fs::File::create(&log).expect("log file");
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_expire-bot"));
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("SLACK_SIGNING_SECRET", SECRET)
            .env("SLACK_BOT_TOKEN", "xoxb-test-token")
            .env("SLACK_API_URL", format!("{slack_url}/api"))
            .env("APPROVAL_CHANNEL_ID", APPROVAL_CHANNEL)
            .env("APPROVER_USER_IDS", format!("{LEAD},{LEAD2},{AGENT}"))
            .env("APPROVER_USERGROUP_ID", APPROVER_GROUP)
            .env("DATABASE_URL", &db.primary_url)
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("LOG_FORMAT", "json")
            // As in the in-process harness: no scheduled digest, or a start-up after 09:00
            // KST would post the day's missed slot and add messages the tests count.
            .env("DIGEST_SCHEDULE", "off")
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true);
        if db.replica_url != db.primary_url {
            cmd.env("DATABASE_REPLICA_URL", &db.replica_url);
        }
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("spawn expire-bot");
        let addr = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = client.get(format!("{addr}/healthz")).send().await
                && r.status() == 200
            {
                return BotProcess {
                    child,
                    addr,
                    log,
                    _dir: dir,
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        panic!("expire-bot did not come up on {addr}; log:\n{text}");
    }

    /// `kill -9`: no chance to finish anything.
    pub async fn kill_9(&mut self) {
        self.child.start_kill().expect("SIGKILL");
        let _ = self.child.wait().await;
    }

    pub fn pid(&self) -> i32 {
        self.child.id().map(|p| p as i32).unwrap_or(0)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}
