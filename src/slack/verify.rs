//! Proving a request came from Slack, before anything in it is read.
//!
//! The check is Slack's: `v0=HMAC_SHA256(secret, "v0:{timestamp}:{raw body}")`, compared
//! in constant time, with the timestamp within 300 s of now so a captured request cannot
//! be replayed later. slack-morphism's verifier does both; this module feeds it the raw
//! bytes and headers and reduces every failure to "not from Slack".

use secrecy::{ExposeSecret, SecretString};
use slack_morphism::prelude::SlackSigningSecret;
use slack_morphism::signature_verifier::SlackEventSignatureVerifier;

/// The request is not provably from Slack (missing, malformed, wrong or stale signature).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("request signature not valid")]
pub struct NotFromSlack;

#[derive(Clone)]
pub struct Verifier {
    inner: SlackEventSignatureVerifier,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier")
    }
}

pub const SIGNATURE_HEADER: &str = "x-slack-signature";
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";

impl Verifier {
    pub fn new(secret: &SecretString) -> Verifier {
        Verifier {
            inner: SlackEventSignatureVerifier::new(&SlackSigningSecret::new(
                secret.expose_secret().to_owned(),
            )),
        }
    }

    /// Verifies `body` against the two headers' values.
    pub fn verify(
        &self,
        signature: Option<&str>,
        timestamp: Option<&str>,
        body: &[u8],
    ) -> Result<(), NotFromSlack> {
        let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
            return Err(NotFromSlack);
        };
        // Slack only sends form-encoded ASCII; a body that is not UTF-8 cannot be genuine.
        let body = std::str::from_utf8(body).map_err(|_| NotFromSlack)?;
        self.inner
            .verify(signature, body, timestamp)
            .map_err(|_| NotFromSlack)
    }
}

/// Signs a body the way Slack does; used by the tests, the demo and the benchmarks to act
/// as Slack.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(b"v0:");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b":");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(67);
    hex.push_str("v0=");
    for b in bytes {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn accepts_what_slack_signs_and_refuses_the_rest() {
        let v = Verifier::new(&SecretString::from("shh"));
        let body = b"token=x&command=%2Fexpire-insurance";
        let ts = now();
        let sig = sign("shh", ts, body);
        let ts_s = ts.to_string();
        assert_eq!(v.verify(Some(&sig), Some(&ts_s), body), Ok(()));
        assert_eq!(
            v.verify(Some(&sig), Some(&ts_s), b"token=y"),
            Err(NotFromSlack)
        );
        assert_eq!(v.verify(None, Some(&ts_s), body), Err(NotFromSlack));
        assert_eq!(v.verify(Some(&sig), None, body), Err(NotFromSlack));
        let wrong = sign("other", ts, body);
        assert_eq!(v.verify(Some(&wrong), Some(&ts_s), body), Err(NotFromSlack));
        let old = now() - 301;
        let old_sig = sign("shh", old, body);
        assert_eq!(
            v.verify(Some(&old_sig), Some(&old.to_string()), body),
            Err(NotFromSlack)
        );
        assert_eq!(
            v.verify(Some("v0=zz"), Some("nope"), body),
            Err(NotFromSlack)
        );
        assert_eq!(
            v.verify(Some(&sig), Some(&ts_s), &[0xff, 0xfe]),
            Err(NotFromSlack)
        );
    }
}
