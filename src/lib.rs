//! expire-bot: a Slack chat-ops bot that lets CX agents expire a rider's hourly insurance
//! policy, with masked personal data, a lead's approval, and an exactly-once transaction
//! on the primary database. Lookups run on the read replica.
//!
//! The modules form layers, and imports only point down (`scripts/check-layers.sh` checks
//! it in CI): [`startup`] (the composition root), [`ops`] and `demo` at the top;
//! [`http`] and [`workers`]; [`slack`]; [`service`] (the rules); [`store`] (all SQL);
//! [`domain`], [`deadline`], [`mask`], [`i18n`] and [`telemetry`] at the bottom.
//! [`config`] is read only by the top layer. See `docs/ARCHITECTURE.md`.

pub mod config;
pub mod deadline;
#[cfg(feature = "demo")]
pub mod demo;
pub mod domain;
pub mod http;
pub mod i18n;
pub mod mask;
pub mod ops;
pub mod service;
pub mod slack;
pub mod startup;
pub mod store;
pub mod telemetry;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod workers;
