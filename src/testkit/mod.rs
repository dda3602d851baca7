//! Test support shared by the integration tests, the fuzz targets and `expire-bot demo`:
//! acting as Slack as strictly as Slack does. Behind the `testkit` feature (the default
//! `demo` feature turns it on); nothing here runs while serving real Slack traffic.
//!
//! - [`validate`] checks everything the bot sends to Slack — Web API arguments and the HTTP
//!   answers to view submissions and commands — against [`crate::slack::limits`], the one
//!   table of Slack's limits that the builders themselves are written against.
//! - `stand_in` (feature `stand-in`, which adds wiremock) is the strict Slack Web API
//!   stand-in for the integration tests: it answers as Slack does when a call breaks a
//!   limit, records every violation, and fails the test that caused one.

pub mod validate;

#[cfg(feature = "stand-in")]
pub mod stand_in;
