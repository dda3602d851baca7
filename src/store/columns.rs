//! How the domain's types are stored: IDs as integers, Slack user IDs as text, and the
//! vocabularies ([`RequestStatus`], [`PolicyOutcome`], [`OutboxKind`]) as their one
//! database spelling. The impls are generic over sqlx's databases, so every backend reads
//! and binds the same types and no query compares a status string by hand.
//!
//! A stored word that is none of the vocabulary's (a corrupt or foreign row) fails to
//! decode, and the operation fails as a database error (`StoreError::Other`): it is never
//! guessed at.

use sqlx::Database;
use sqlx::decode::Decode;
use sqlx::encode::{Encode, IsNull};
use sqlx::error::BoxDynError;
use sqlx::types::Type;

use crate::domain::{
    OutboxId, OutboxKind, PolicyId, PolicyOutcome, Request, RequestId, RequestStatus, RiderId,
    SlackUserId,
};

/// Stores a newtype as the value it wraps.
macro_rules! stored_as {
    ($t:ty, $inner:ty, |$v:ident| $wrap:expr, |$s:ident| $unwrap:expr) => {
        impl<DB: Database> Type<DB> for $t
        where
            $inner: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <$inner as Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <$inner as Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $t
        where
            $inner: Decode<'r, DB>,
        {
            fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                let $v = <$inner as Decode<'r, DB>>::decode(value)?;
                $wrap
            }
        }

        impl<'q, DB: Database> Encode<'q, DB> for $t
        where
            $inner: Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as Database>::ArgumentBuffer<'q>,
            ) -> Result<IsNull, BoxDynError> {
                let $s = self;
                <$inner as Encode<'q, DB>>::encode($unwrap, buf)
            }
        }
    };
}

stored_as!(RiderId, i64, |v| Ok(RiderId(v)), |s| s.0);
stored_as!(PolicyId, i64, |v| Ok(PolicyId(v)), |s| s.0);
stored_as!(RequestId, i64, |v| Ok(RequestId(v)), |s| s.0);
stored_as!(OutboxId, i64, |v| Ok(OutboxId(v)), |s| s.0);
stored_as!(SlackUserId, String, |v| Ok(SlackUserId::new(v)), |s| s
    .as_str()
    .to_owned());
stored_as!(
    RequestStatus,
    String,
    |v| Ok(RequestStatus::parse(&v)?),
    |s| s.as_str().to_owned()
);
stored_as!(
    PolicyOutcome,
    String,
    |v| Ok(PolicyOutcome::parse(&v)?),
    |s| s.as_str().to_owned()
);
stored_as!(OutboxKind, String, |v| Ok(OutboxKind::parse(&v)?), |s| s
    .as_str()
    .to_owned());

/// The columns of `expiry_requests` a [`Request`] is read from (never `*`: MySQL's table
/// carries a generated column the bot does not read). MySQL's own list, with its strings
/// cast, is `store::mysql`'s.
pub(super) const REQUEST_COLUMNS: &str = "id, policy_id, requested_by, decided_by, status, rider_id, rider_name_masked, \
    rider_phone_masked, rider_status, policy_number_masked, insurer, cancelled_at, reason, requested_at, \
    expires_at, decided_at, decision_note, outcome, channel_id, message_ts";

/// Reads a [`Request`] from a row of [`REQUEST_COLUMNS`], for one backend's row type.
macro_rules! request_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for Request {
            fn from_row(row: &'r $row) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(Request {
                    id: row.try_get("id")?,
                    policy_id: row.try_get("policy_id")?,
                    requested_by: row.try_get("requested_by")?,
                    decided_by: row.try_get("decided_by")?,
                    status: row.try_get("status")?,
                    rider_id: row.try_get("rider_id")?,
                    rider_name_masked: row.try_get("rider_name_masked")?,
                    rider_phone_masked: row.try_get("rider_phone_masked")?,
                    rider_status: row.try_get("rider_status")?,
                    policy_number_masked: row.try_get("policy_number_masked")?,
                    insurer: row.try_get("insurer")?,
                    cancelled_at: row.try_get("cancelled_at")?,
                    reason: row.try_get("reason")?,
                    requested_at: row.try_get("requested_at")?,
                    expires_at: row.try_get("expires_at")?,
                    decided_at: row.try_get("decided_at")?,
                    decision_note: row.try_get("decision_note")?,
                    outcome: row.try_get("outcome")?,
                    channel_id: row.try_get("channel_id")?,
                    message_ts: row.try_get("message_ts")?,
                })
            }
        }
    };
}

request_from_row!(sqlx::postgres::PgRow);
request_from_row!(sqlx::sqlite::SqliteRow);
request_from_row!(sqlx::mysql::MySqlRow);
