//! The background loops every instance runs, each a plain struct of what it needs and a
//! `run` until shutdown. None holds state that must survive it: the outbox rows, the TTLs
//! and the digest's claims are in the database, so any instance may die at any moment.
//!
//! - [`outbox`]: delivers the Slack calls requests owe.
//! - [`sweeper`]: times out requests past their TTL and refreshes the gauges.
//! - [`digest`]: posts the withdrawn-rider digest on its schedule, once per slot.
//! - [`heartbeat`]: on MySQL, the row the replica's lag is read from when its own
//!   replication status cannot say.

pub mod digest;
pub mod heartbeat;
pub mod outbox;
pub mod sweeper;
