//! What one person's App Home tab shows, as facts: read by `service::home` on the replica,
//! drawn by `slack::render::home`. One type serves both, so the publisher hands the reads
//! to the renderer as they are.

use super::Request;
use super::digest::LastDigest;

/// One list of the Home tab: the first requests (capped by the read) and how many there
/// are in all.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listed {
    pub requests: Vec<Request>,
    pub total: usize,
}

/// What one person's Home tab shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Home {
    /// Requests pending the viewer's decision, oldest first; `None`: not an approver (or
    /// not confirmed as one).
    pub pending: Option<Listed>,
    /// The viewer's own requests, newest first; `None`: may not file (or not confirmed).
    pub own: Option<Listed>,
    /// The last digest posted, for approvers (`None`: not an approver, or none yet).
    pub digest: Option<LastDigest>,
}
