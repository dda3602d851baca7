//! expire-bot: a Slack chat-ops bot that lets CX agents expire a rider's hourly insurance
//! policy, with masked personal data, a lead's approval, and an exactly-once transaction
//! on the primary database. Lookups run on the read replica.
//!
//! See `docs/ARCHITECTURE.md` for the map of modules.

pub mod app;
pub mod approval;
pub mod audience;
pub mod check;
pub mod config;
pub mod deadline;
#[cfg(feature = "demo")]
pub mod demo;
pub mod digest;
pub mod domain;
pub mod error;
pub mod healthcheck;
pub mod history;
pub mod http;
pub mod i18n;
pub mod lookup;
pub mod mask;
pub mod outbox;
pub mod slack;
pub mod store;
pub mod telemetry;
#[cfg(feature = "testkit")]
pub mod testkit;
