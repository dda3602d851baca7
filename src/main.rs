//! The `expire-bot` binary: parses the subcommand, reads the environment, and hands over
//! to the library (`serve` to [`expire_bot::startup`], `check-config` and `healthcheck` to
//! [`expire_bot::ops`], `demo` to the demo). Bad configuration ends here with one plain
//! line on stderr.

use std::process::ExitCode;
use std::sync::Arc;

use expire_bot::config::{Config, Mode};
use expire_bot::{startup, telemetry};

const USAGE: &str = "usage: expire-bot <serve | migrate | demo [--database-url URL [--replica-url URL]] | check-config | healthcheck>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args.first().map(String::as_str) {
        Some("serve") => Mode::Serve,
        Some("migrate") => Mode::Migrate,
        Some("demo") => Mode::Demo,
        Some("check-config") => Mode::CheckConfig,
        // Needs no configuration but BIND_ADDR, and no runtime: for container HEALTHCHECKs.
        Some("healthcheck") => return healthcheck(),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("expire-bot: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(mode, &args[1..]))
}

fn healthcheck() -> ExitCode {
    let bind = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let Ok(bind) = bind.trim().parse() else {
        eprintln!("expire-bot: BIND_ADDR \"{bind}\" is not an address");
        return ExitCode::from(2);
    };
    match expire_bot::ops::healthcheck::check(expire_bot::ops::healthcheck::target(bind)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("expire-bot: unhealthy: {why}");
            ExitCode::FAILURE
        }
    }
}

async fn run(mode: Mode, rest: &[String]) -> ExitCode {
    // The demo brings its own configuration (it must not pick up a real deployment's
    // DATABASE_URL), and check-config reports configuration problems as checklist lines.
    match mode {
        #[cfg(feature = "demo")]
        Mode::Demo => return expire_bot::demo::main(rest).await,
        #[cfg(not(feature = "demo"))]
        Mode::Demo => {
            let _ = rest;
            eprintln!("expire-bot: this build has no demo (built without the `demo` feature)");
            return ExitCode::from(2);
        }
        Mode::CheckConfig => return expire_bot::ops::check::main().await,
        Mode::Serve | Mode::Migrate => {}
    }
    let config = match Config::from_env(mode) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("expire-bot: configuration problem: {e}");
            return ExitCode::from(2);
        }
    };
    match mode {
        Mode::Serve => {
            let _logs = telemetry::init_logging(config.log_format);
            match serve(config).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("expire-bot: {e:#}");
                    ExitCode::FAILURE
                }
            }
        }
        Mode::Migrate => match migrate(config).await {
            Ok(()) => {
                println!("migrations applied");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("expire-bot: migration failed: {e:#}");
                ExitCode::FAILURE
            }
        },
        Mode::Demo | Mode::CheckConfig => ExitCode::FAILURE,
    }
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    let store = expire_bot::store::Store::open(&expire_bot::store::StoreConfig {
        primary_url: config.database_url.clone(),
        replica_url: None,
        max_connections: 2,
    })?;
    store.migrate().await?;
    store.close().await;
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let embedded = config.database_url.is_none();
    let bind_addr = config.bind_addr;
    let bot = Arc::new(startup::Bot::new(config)?);
    if embedded {
        bot.store.migrate().await?;
        bot.store
            .primary
            .seed_demo_if_empty(chrono::Utc::now())
            .await?;
    }
    let listener = tokio::net::TcpListener::bind(bind_addr).await?;
    let running = startup::start(bot.clone(), listener).await?;
    shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight requests");
    running.stop().await;
    bot.store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
