//! The withdrawn-rider digest's rules: what counts as "withdrawn but still insured"
//! ([`scan`], on the replica, masked), and filing one request per listed policy in one
//! click ([`bulk`]). Posting the digest on its schedule, once per slot across instances, is
//! the worker's job (`workers::digest`); it calls these.

pub mod bulk;
pub mod scan;
