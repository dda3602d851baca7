//! Everything Slack-shaped: verifying requests, reading payloads, the handlers, building
//! what Slack shows, calling the Web API, and Socket Mode.
//!
//! - [`verify`]: Slack's request signature.
//! - [`payload`]: Slack's events read once into typed inputs ([`ids`] names the elements).
//! - [`handlers`]: input → service → reply; [`handlers::serve`] is the one path of a
//!   request, for both transports; [`budget`] is "answer by the deadline, tell later".
//! - [`render`]: Block Kit output, from masked domain values only; [`limits`] is the one
//!   table of Slack's limits the renderers (and the test kit's validator) are written
//!   against.
//! - [`api`]: the Web API client; [`audience`]: the user groups' member lists behind the
//!   service's `Directory`.
//! - [`home`]: one person's App Home tab, read and published (on opening, from the outbox).
//! - [`choice_state`]: the choice step's state, in the view or kept on the primary.
//! - [`socket`]: Socket Mode, producing the same typed inputs as HTTP.

pub mod api;
pub mod audience;
pub mod budget;
pub mod choice_state;
pub mod handlers;
pub mod home;
pub mod ids;
pub mod limits;
pub mod payload;
pub mod render;
pub mod socket;
pub mod verify;
