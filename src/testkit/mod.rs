//! Test support shared by the integration tests, the fuzz targets, the benchmarks and
//! `expire-bot demo`: acting as Slack, as strictly as Slack does. Behind the `testkit`
//! feature (the default `demo` feature turns it on); nothing here runs while serving real
//! Slack traffic.
//!
//! - [`validate`] checks everything the bot sends to Slack — Web API arguments and the HTTP
//!   answers to view submissions and commands — against [`crate::slack::limits`], the one
//!   table of Slack's limits that the builders themselves are written against.
//! - [`fixtures`]: request bodies shaped exactly as Slack sends them.
//! - [`signed`]: posting them to the bot signed like Slack, answers checked like Slack.
//! - [`local_slack`]: a strict Slack Web API stand-in without wiremock (for the demo).
//! - [`read`]: the texts a person reads in a Slack body, and the English words among them.
//! - `stand_in` (feature `stand-in`, which adds wiremock) is the strict Slack Web API
//!   stand-in for the integration tests: it answers as Slack does when a call breaks a
//!   limit, records every violation, and fails the test that caused one.

pub mod fixtures;
pub mod local_slack;
pub mod read;
pub mod signed;
pub mod validate;

#[cfg(feature = "stand-in")]
pub mod stand_in;
