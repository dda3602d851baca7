//! The operators' commands besides `serve`: `check-config` ([`check`], a pre-flight
//! checklist that reaches both databases and Slack and changes nothing) and `healthcheck`
//! ([`healthcheck`], for container `HEALTHCHECK`s).

pub mod check;
pub mod healthcheck;
