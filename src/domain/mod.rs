//! The bot's vocabulary as types, shared by every layer and depending on none of them
//! (only [`crate::mask`], whose phone normalisation the query parser reuses).
//!
//! - [`query`] and [`reason`]: what people type, parsed once at the edge; values that carry
//!   personal data cannot leak through `Debug`.
//! - [`ids`]: one type per identifier, and [`PolicyRef`] for a policy with its rider.
//! - [`status`]: request statuses, policy outcomes and outbox kinds as enums, each with its
//!   one database spelling.
//! - [`candidate`], [`request`], [`digest`], [`history`], [`home`]: the **masked** shapes the services
//!   produce and the renderers show. Nothing in them is raw personal data, which is why the
//!   renderers may depend on this module alone.

pub mod candidate;
pub mod digest;
pub mod history;
pub mod home;
pub mod ids;
pub mod query;
pub mod reason;
pub mod request;
pub mod status;

pub use candidate::Candidate;
pub use ids::{OutboxId, PolicyId, PolicyRef, RequestId, RiderId, SlackUserId};
pub use query::{Phone, QueryError, RiderQuery};
pub use reason::{Reason, ReasonError};
pub use request::{Approval, Mentions, Needed, Request};
pub use status::{OutboxKind, PolicyOutcome, RequestStatus, UnknownValue};
