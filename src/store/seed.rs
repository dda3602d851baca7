//! Demo riders and policies for the embedded default database.
//!
//! Seeded once (only into an empty `riders` table), deterministic, and realistic enough to
//! exercise every path: Korean names of two to four characters, phones in one format,
//! two insurers, a withdrawn rider sharing a phone with a newer account, and a rider
//! holding two active policies.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::{Primary, StoreError, mysql, on_pool};
use crate::domain::{PolicyId, RiderId};

/// A seeded rider.
#[derive(Debug, Clone)]
pub struct SeedRider {
    pub id: RiderId,
    pub name: String,
    pub phone: String,
    pub birth_date: Option<NaiveDate>,
    pub status: &'static str,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// A seeded policy.
#[derive(Debug, Clone)]
pub struct SeedPolicy {
    pub id: PolicyId,
    pub rider_id: RiderId,
    pub insurer: &'static str,
    pub policy_number: String,
    pub status: &'static str,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
}

const FAMILY: [&str; 12] = [
    "김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오",
];
const GIVEN: [&str; 12] = [
    "민준", "서연", "도윤", "지우", "하준", "서윤", "시우", "하은", "주원", "지민", "건우", "수아",
];
pub const INSURERS: [&str; 2] = ["한빛손해보험", "바로화재"];

/// The well-known demo cases, used by `demo` and the tests.
pub mod cases {
    use crate::domain::RiderId;

    /// A withdrawn rider (id 1001) and a newer account (id 1002) share this phone; each
    /// holds one active policy.
    pub const SHARED_PHONE: &str = "01055501234";
    pub const WITHDRAWN_RIDER: RiderId = RiderId(1001);
    pub const NEW_RIDER: RiderId = RiderId(1002);
    /// A rider with two active policies.
    pub const TWO_POLICIES_RIDER: RiderId = RiderId(1003);
    /// A rider with exactly one active policy, found by id or by phone.
    pub const SIMPLE_RIDER: RiderId = RiderId(1004);
    pub const SIMPLE_PHONE: &str = "01012345678";
    /// A rider whose only policy is already expired.
    pub const NO_ACTIVE_RIDER: RiderId = RiderId(1005);
}

/// The demo data set, relative to `now`.
pub fn demo_data(now: DateTime<Utc>) -> (Vec<SeedRider>, Vec<SeedPolicy>) {
    let day = Duration::days(1);
    let days = |n: i64| Duration::days(n);
    let base = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(now);
    let mut riders = vec![
        SeedRider {
            id: cases::WITHDRAWN_RIDER,
            name: "홍길동".into(),
            phone: cases::SHARED_PHONE.into(),
            birth_date: NaiveDate::from_ymd_opt(1990, 3, 14),
            status: "WITHDRAWN",
            withdrawn_at: Some(now - day * 20),
        },
        SeedRider {
            id: cases::NEW_RIDER,
            name: "남궁민수".into(),
            phone: cases::SHARED_PHONE.into(),
            birth_date: NaiveDate::from_ymd_opt(1994, 7, 2),
            status: "ACTIVE",
            withdrawn_at: None,
        },
        SeedRider {
            id: cases::TWO_POLICIES_RIDER,
            name: "김수".into(),
            phone: "01098765432".into(),
            birth_date: NaiveDate::from_ymd_opt(1988, 11, 30),
            status: "ACTIVE",
            withdrawn_at: None,
        },
        SeedRider {
            id: cases::SIMPLE_RIDER,
            name: "이서연".into(),
            phone: cases::SIMPLE_PHONE.into(),
            birth_date: NaiveDate::from_ymd_opt(1999, 1, 5),
            status: "ACTIVE",
            withdrawn_at: None,
        },
        SeedRider {
            id: cases::NO_ACTIVE_RIDER,
            name: "박지민".into(),
            phone: "01033334444".into(),
            birth_date: None,
            status: "ACTIVE",
            withdrawn_at: None,
        },
    ];
    for i in 0..36i64 {
        let name = format!(
            "{}{}",
            FAMILY[(i as usize * 7) % FAMILY.len()],
            GIVEN[(i as usize * 5 + 3) % GIVEN.len()]
        );
        let withdrawn = i % 9 == 4;
        riders.push(SeedRider {
            id: RiderId(2000 + i),
            name,
            phone: format!("010{:04}{:04}", 2000 + i * 37 % 7000, 1000 + i * 211 % 9000),
            birth_date: NaiveDate::from_ymd_opt(
                1975 + (i as i32 % 25),
                1 + (i as u32 % 12),
                1 + (i as u32 % 28),
            ),
            status: if withdrawn { "WITHDRAWN" } else { "ACTIVE" },
            withdrawn_at: withdrawn.then(|| now - days(10 + i)),
        });
    }
    let mut policies = Vec::new();
    let mut next_id = 5000;
    let mut policy = |rider_id: RiderId,
                      insurer: usize,
                      status: &'static str,
                      from: DateTime<Utc>,
                      until: Option<DateTime<Utc>>| {
        next_id += 1;
        let prefix = if insurer == 0 { "HB" } else { "BR" };
        policies.push(SeedPolicy {
            id: PolicyId(next_id),
            rider_id,
            insurer: INSURERS[insurer],
            policy_number: format!("{prefix}-2026-{:06}", next_id * 7919 % 1_000_000),
            status,
            valid_from: from,
            valid_until: until,
        });
    };
    policy(cases::WITHDRAWN_RIDER, 0, "ACTIVE", base, None);
    policy(cases::NEW_RIDER, 1, "ACTIVE", base + day * 60, None);
    policy(
        cases::TWO_POLICIES_RIDER,
        0,
        "ACTIVE",
        base + day * 10,
        None,
    );
    policy(
        cases::TWO_POLICIES_RIDER,
        1,
        "ACTIVE",
        base + day * 40,
        None,
    );
    policy(cases::SIMPLE_RIDER, 0, "ACTIVE", base + day * 30, None);
    policy(
        cases::NO_ACTIVE_RIDER,
        1,
        "EXPIRED",
        base,
        Some(base + day * 90),
    );
    for i in 0..36i64 {
        let status = if i % 5 == 0 { "EXPIRED" } else { "ACTIVE" };
        let until = (status == "EXPIRED").then(|| base + days(100 + i));
        policy(
            RiderId(2000 + i),
            (i % 2) as usize,
            status,
            base + days(i % 50),
            until,
        );
    }
    (riders, policies)
}

impl Primary {
    /// Inserts `riders` and `policies` (used by the demo seed and by tests for their own data).
    pub async fn seed(
        &self,
        riders: &[SeedRider],
        policies: &[SeedPolicy],
    ) -> Result<(), StoreError> {
        self.h.observe("seed", async {
            on_pool!(self.h, p => {
                let mut tx = p.begin().await?;
                for r in riders {
                    sqlx::query("INSERT INTO riders (id, name, phone, birth_date, status, withdrawn_at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(r.id).bind(&r.name).bind(&r.phone).bind(r.birth_date).bind(r.status).bind(r.withdrawn_at)
                        .execute(&mut *tx).await?;
                }
                for p in policies {
                    sqlx::query("INSERT INTO hourly_insurance_policies (id, rider_id, insurer, policy_number, status, valid_from, valid_until) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                        .bind(p.id).bind(p.rider_id).bind(p.insurer).bind(&p.policy_number).bind(p.status).bind(p.valid_from).bind(p.valid_until)
                        .execute(&mut *tx).await?;
                }
                tx.commit().await
            }, mysql: m => mysql::seed(m, riders, policies).await)
        })
        .await
    }

    /// Seeds the demo data set if `riders` is empty; returns whether it did.
    pub async fn seed_demo_if_empty(&self, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let count: i64 = self.h.observe("seed_check", async {
            on_pool!(self.h, p => sqlx::query_scalar("SELECT COUNT(*) FROM riders").fetch_one(p).await,
                mysql: m => sqlx::query_scalar("SELECT COUNT(*) FROM riders").fetch_one(&m.pool).await)
        })
        .await?;
        if count > 0 {
            return Ok(false);
        }
        let (riders, policies) = demo_data(now);
        self.seed(&riders, &policies).await?;
        Ok(true)
    }
}
