//! Generates the company's `riders` and `hourly_insurance_policies` at scale, in the
//! database itself (`generate_series` on PostgreSQL, a recursive CTE on SQLite, a cross
//! join of a ten-row digits table on MySQL), so 10 M rows load without shipping them
//! through the driver.
//!
//! The data is deterministic, so the lookup benchmark can compute which phones and IDs
//! exist instead of reading them back:
//! - rider `g` (1..=N) has phone `010` + `(g·48271 mod 10⁸)` as 8 digits — a bijection, so
//!   phones are unique unless shared on purpose, and spread over the whole number space;
//! - 2 % of riders are WITHDRAWN (`g mod 50 = 7`);
//! - shared phones: rider `g` with `g mod 100 = 8` took over the phone of the withdrawn
//!   rider `g−1`, and rider `g` with `g mod 10000 = 9` shares it too (three on one phone);
//! - policies 1..=N belong to rider `h`; the rest (M−N) to riders spread over 1..=N, so
//!   some riders hold two; 10 % of policies are EXPIRED (`h mod 10 = 3`).
//!
//! The secondary indexes and the foreign key are dropped during the load and rebuilt after
//! it (the way a bulk load is done), then the tables are analysed; the schema the bot sees
//! afterwards is exactly the one `migrations/` creates.
//!
//! On MySQL the load's session writes its statements to the binary log as statements
//! (`binlog_format = STATEMENT`, which needs an admin user): the replica runs the same
//! generating `INSERT … SELECT`s instead of receiving 22 M row images, which halves the
//! disk the load needs and lets the replica keep up. The data is the same either way; what
//! the benchmark measures is the lookup on the replica afterwards.

use std::time::Instant;

use expire_bot::store::{Backend, Store, StoreConfig};

use crate::args::Args;

/// The phone of rider `g`, as stored (digits only).
pub fn phone_of(g: i64) -> String {
    let src = if g % 10000 == 9 {
        g - 2
    } else if g % 100 == 8 {
        g - 1
    } else {
        g
    };
    format!("010{:08}", (src * 48271) % 100_000_000)
}

const PG_RIDERS: &str = "INSERT INTO riders (id, name, phone, birth_date, status, withdrawn_at) \
SELECT g, \
  (ARRAY['김','이','박','최','정','강','조','윤','장','임','한','오'])[1 + g % 12] || \
  (ARRAY['민준','서연','도윤','지우','하준','서윤','시우','하은','주원','지민','건우','수아'])[1 + (g / 12) % 12] || \
  CASE WHEN g % 7 = 0 THEN '호' ELSE '' END, \
  '010' || lpad((((CASE WHEN g % 10000 = 9 THEN g - 2 WHEN g % 100 = 8 THEN g - 1 ELSE g END) * 48271) % 100000000)::text, 8, '0'), \
  DATE '1970-01-01' + ((g * 7919) % 12000)::int, \
  CASE WHEN g % 50 = 7 THEN 'WITHDRAWN' ELSE 'ACTIVE' END, \
  CASE WHEN g % 50 = 7 THEN TIMESTAMPTZ '2025-06-01 00:00+00' + (g % 400) * INTERVAL '1 day' END \
FROM generate_series($1::bigint, $2::bigint) AS g";

const PG_POLICIES: &str = "INSERT INTO hourly_insurance_policies (id, rider_id, insurer, policy_number, status, valid_from, valid_until) \
SELECT h, \
  CASE WHEN h <= $3 THEN h ELSE ((h - $3) * 7919) % $3 + 1 END, \
  CASE WHEN h % 2 = 0 THEN '한빛손해보험' ELSE '바로화재' END, \
  'HB' || lpad(h::text, 10, '0'), \
  CASE WHEN h % 10 = 3 THEN 'EXPIRED' ELSE 'ACTIVE' END, \
  TIMESTAMPTZ '2025-01-01 00:00+00' + (h % 600) * INTERVAL '1 day', \
  CASE WHEN h % 10 = 3 THEN TIMESTAMPTZ '2025-01-31 00:00+00' + (h % 600) * INTERVAL '1 day' END \
FROM generate_series($1::bigint, $2::bigint) AS h";

const SQLITE_RIDERS: &str = "WITH RECURSIVE s(g) AS (SELECT ?1 UNION ALL SELECT g + 1 FROM s WHERE g < ?2) \
INSERT INTO riders (id, name, phone, birth_date, status, withdrawn_at) \
SELECT g, \
  substr('김이박최정강조윤장임한오', 1 + g % 12, 1) || \
  substr('민준서연도윤지우하준서윤시우하은주원지민건우수아', 1 + 2 * ((g / 12) % 12), 2) || \
  CASE WHEN g % 7 = 0 THEN '호' ELSE '' END, \
  '010' || printf('%08d', ((CASE WHEN g % 10000 = 9 THEN g - 2 WHEN g % 100 = 8 THEN g - 1 ELSE g END) * 48271) % 100000000), \
  date('1970-01-01', '+' || ((g * 7919) % 12000) || ' days'), \
  CASE WHEN g % 50 = 7 THEN 'WITHDRAWN' ELSE 'ACTIVE' END, \
  CASE WHEN g % 50 = 7 THEN strftime('%Y-%m-%dT%H:%M:%S+00:00', '2025-06-01', '+' || (g % 400) || ' days') END \
FROM s";

const SQLITE_POLICIES: &str = "WITH RECURSIVE s(h) AS (SELECT ?1 UNION ALL SELECT h + 1 FROM s WHERE h < ?2) \
INSERT INTO hourly_insurance_policies (id, rider_id, insurer, policy_number, status, valid_from, valid_until) \
SELECT h, \
  CASE WHEN h <= ?3 THEN h ELSE ((h - ?3) * 7919) % ?3 + 1 END, \
  CASE WHEN h % 2 = 0 THEN '한빛손해보험' ELSE '바로화재' END, \
  'HB' || printf('%010d', h), \
  CASE WHEN h % 10 = 3 THEN 'EXPIRED' ELSE 'ACTIVE' END, \
  strftime('%Y-%m-%dT%H:%M:%S+00:00', '2025-01-01', '+' || (h % 600) || ' days'), \
  CASE WHEN h % 10 = 3 THEN strftime('%Y-%m-%dT%H:%M:%S+00:00', '2025-01-31', '+' || (h % 600) || ' days') END \
FROM s";

/// Rows per INSERT on PostgreSQL: big enough to be fast, small enough to show progress.
const PG_CHUNK: i64 = 1_000_000;

/// One million consecutive numbers from `?` on: six digits of `bench_digits` (0..9).
const MYSQL_NUMBERS: &str = "(SELECT ? + d0.d + 10 * d1.d + 100 * d2.d + 1000 * d3.d + 10000 * d4.d + 100000 * d5.d AS n \
   FROM bench_digits d0, bench_digits d1, bench_digits d2, bench_digits d3, bench_digits d4, bench_digits d5)";

fn mysql_riders() -> String {
    format!(
        "INSERT INTO riders (id, name, phone, birth_date, status, withdrawn_at) \
         SELECT n, \
           CONCAT(ELT(1 + n % 12, '김','이','박','최','정','강','조','윤','장','임','한','오'), \
                  ELT(1 + (n DIV 12) % 12, '민준','서연','도윤','지우','하준','서윤','시우','하은','주원','지민','건우','수아'), \
                  IF(n % 7 = 0, '호', '')), \
           CONCAT('010', LPAD(((CASE WHEN n % 10000 = 9 THEN n - 2 WHEN n % 100 = 8 THEN n - 1 ELSE n END) * 48271) % 100000000, 8, '0')), \
           DATE_ADD(DATE '1970-01-01', INTERVAL (n * 7919) % 12000 DAY), \
           IF(n % 50 = 7, 'WITHDRAWN', 'ACTIVE'), \
           IF(n % 50 = 7, DATE_ADD(TIMESTAMP '2025-06-01 00:00:00', INTERVAL n % 400 DAY), NULL) \
         FROM {MYSQL_NUMBERS} s WHERE n <= ?"
    )
}

fn mysql_policies() -> String {
    format!(
        "INSERT INTO hourly_insurance_policies (id, rider_id, insurer, policy_number, status, valid_from, valid_until) \
         SELECT n, \
           CASE WHEN n <= ? THEN n ELSE ((n - ?) * 7919) % ? + 1 END, \
           IF(n % 2 = 0, '한빛손해보험', '바로화재'), \
           CONCAT('HB', LPAD(n, 10, '0')), \
           IF(n % 10 = 3, 'EXPIRED', 'ACTIVE'), \
           DATE_ADD(TIMESTAMP '2025-01-01 00:00:00', INTERVAL n % 600 DAY), \
           IF(n % 10 = 3, DATE_ADD(TIMESTAMP '2025-01-31 00:00:00', INTERVAL n % 600 DAY), NULL) \
         FROM {MYSQL_NUMBERS} s WHERE n <= ?"
    )
}

pub fn main(args: &Args) -> anyhow::Result<()> {
    let url = args.req("db")?.to_owned();
    let riders: i64 = args.num("riders", 10_000)?;
    let policies: i64 = args.num("policies", riders + riders / 5)?;
    anyhow::ensure!(
        riders >= 10 && policies >= riders,
        "need riders >= 10 and policies >= riders"
    );
    crate::runtime(1)?.block_on(async move {
        let store = Store::open(&StoreConfig {
            primary_url: Some(url.clone().into()),
            replica_url: None,
            max_connections: 1,
        })?;
        store.migrate().await?;
        let started = Instant::now();
        let backend = store.backend();
        store.close().await;
        match backend {
            Backend::Postgres => load_pg(&url, riders, policies).await?,
            Backend::Sqlite => {
                // A plain pool of its own, like `load_pg`'s plain connection.
                let p = sqlx::SqlitePool::connect(&url).await?;
                load_sqlite(&p, riders, policies).await?;
                p.close().await;
            }
            Backend::MySql => load_mysql(&url, riders, policies).await?,
        }
        eprintln!(
            "load: {riders} riders, {policies} policies ready in {:.1}s",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    })
}

async fn load_pg(url: &str, riders: i64, policies: i64) -> anyhow::Result<()> {
    use sqlx::Connection;
    // A plain connection: no statement timeout, unlike the bot's pools.
    let mut c = sqlx::PgConnection::connect(url).await?;
    let have: i64 = sqlx::query_scalar("SELECT count(*) FROM riders")
        .fetch_one(&mut c)
        .await?;
    let have_p: i64 = sqlx::query_scalar("SELECT count(*) FROM hourly_insurance_policies")
        .fetch_one(&mut c)
        .await?;
    if have == riders && have_p == policies {
        eprintln!("load: already loaded ({riders} riders, {policies} policies)");
        return Ok(());
    }
    let step =
        |what: &str, t: Instant| eprintln!("load: {what} in {:.1}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    for sql in [
        "TRUNCATE hourly_insurance_policies, riders CASCADE",
        "ALTER TABLE hourly_insurance_policies DROP CONSTRAINT IF EXISTS hourly_insurance_policies_rider_id_fkey",
        "DROP INDEX IF EXISTS hourly_insurance_policies_rider_id_idx",
        "DROP INDEX IF EXISTS riders_phone_idx",
        "SET maintenance_work_mem = '512MB'",
    ] {
        sqlx::query(sql).execute(&mut c).await?;
    }
    step("prepared tables", t);
    let t = Instant::now();
    let mut from = 1;
    while from <= riders {
        let to = (from + PG_CHUNK - 1).min(riders);
        sqlx::query(PG_RIDERS)
            .bind(from)
            .bind(to)
            .execute(&mut c)
            .await?;
        from = to + 1;
    }
    step("riders inserted", t);
    let t = Instant::now();
    let mut from = 1;
    while from <= policies {
        let to = (from + PG_CHUNK - 1).min(policies);
        sqlx::query(PG_POLICIES)
            .bind(from)
            .bind(to)
            .bind(riders)
            .execute(&mut c)
            .await?;
        from = to + 1;
    }
    step("policies inserted", t);
    for (what, sql) in [
        (
            "riders_phone_idx",
            "CREATE INDEX IF NOT EXISTS riders_phone_idx ON riders (phone)",
        ),
        (
            "hourly_insurance_policies_rider_id_idx",
            "CREATE INDEX IF NOT EXISTS hourly_insurance_policies_rider_id_idx ON hourly_insurance_policies (rider_id)",
        ),
        (
            "foreign key",
            "ALTER TABLE hourly_insurance_policies ADD CONSTRAINT hourly_insurance_policies_rider_id_fkey FOREIGN KEY (rider_id) REFERENCES riders (id)",
        ),
        ("vacuum analyze riders", "VACUUM ANALYZE riders"),
        (
            "vacuum analyze policies",
            "VACUUM ANALYZE hourly_insurance_policies",
        ),
    ] {
        let t = Instant::now();
        sqlx::query(sql).execute(&mut c).await?;
        step(what, t);
    }
    c.close().await?;
    Ok(())
}

async fn load_mysql(url: &str, riders: i64, policies: i64) -> anyhow::Result<()> {
    use sqlx::{Connection, Executor};
    // A plain connection: no statement timeout, unlike the bot's pools.
    let mut c = sqlx::MySqlConnection::connect(url).await?;
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM riders")
        .fetch_one(&mut c)
        .await?;
    let have_p: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM hourly_insurance_policies")
        .fetch_one(&mut c)
        .await?;
    if have == riders && have_p == policies {
        eprintln!("load: already loaded ({riders} riders, {policies} policies)");
        return Ok(());
    }
    let step =
        |what: &str, t: Instant| eprintln!("load: {what} in {:.1}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    c.execute("SET SESSION binlog_format = 'STATEMENT', SESSION foreign_key_checks = 0, SESSION unique_checks = 0")
        .await?;
    let fk: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.table_constraints WHERE table_schema = DATABASE() \
         AND constraint_name = 'hourly_insurance_policies_rider_id_fkey'",
    )
    .fetch_one(&mut c)
    .await?;
    if fk > 0 {
        c.execute("ALTER TABLE hourly_insurance_policies DROP FOREIGN KEY hourly_insurance_policies_rider_id_fkey")
            .await?;
    }
    for (table, index) in MYSQL_INDEXES.iter().map(|(t, i, _)| (t, i)) {
        let exists: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ?",
        )
        .bind(table)
        .bind(index)
        .fetch_one(&mut c)
        .await?;
        if exists > 0 {
            c.execute(format!("ALTER TABLE {table} DROP INDEX {index}").as_str())
                .await?;
        }
    }
    for sql in [
        "TRUNCATE TABLE hourly_insurance_policies",
        "TRUNCATE TABLE riders",
        "CREATE TABLE IF NOT EXISTS bench_digits (d INT NOT NULL PRIMARY KEY)",
        "DELETE FROM bench_digits",
        "INSERT INTO bench_digits (d) VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)",
    ] {
        c.execute(sql).await?;
    }
    step("prepared tables", t);
    let t = Instant::now();
    let sql = mysql_riders();
    let mut from = 1;
    while from <= riders {
        let to = (from + PG_CHUNK - 1).min(riders);
        sqlx::query(&sql)
            .bind(from)
            .bind(to)
            .execute(&mut c)
            .await?;
        from = to + 1;
    }
    step("riders inserted", t);
    let t = Instant::now();
    let sql = mysql_policies();
    let mut from = 1;
    while from <= policies {
        let to = (from + PG_CHUNK - 1).min(policies);
        sqlx::query(&sql)
            .bind(riders)
            .bind(riders)
            .bind(riders)
            .bind(from)
            .bind(to)
            .execute(&mut c)
            .await?;
        from = to + 1;
    }
    step("policies inserted", t);
    for (table, index, definition) in MYSQL_INDEXES {
        let t = Instant::now();
        c.execute(format!("ALTER TABLE {table} ADD {definition}").as_str())
            .await?;
        step(index, t);
    }
    let t = Instant::now();
    c.execute("ALTER TABLE hourly_insurance_policies ADD CONSTRAINT hourly_insurance_policies_rider_id_fkey FOREIGN KEY (rider_id) REFERENCES riders (id)")
        .await?;
    step("foreign key", t);
    let t = Instant::now();
    c.execute("ANALYZE TABLE riders, hourly_insurance_policies")
        .await?;
    c.execute("DROP TABLE bench_digits").await?;
    step("analyze", t);
    c.close().await?;
    Ok(())
}

/// The secondary indexes of `migrations/mysql` on the company's tables, as
/// (table, index, `ADD …` clause), dropped for the load (after the foreign key, which needs
/// the one on `rider_id`) and rebuilt after it.
const MYSQL_INDEXES: [(&str, &str, &str); 5] = [
    (
        "riders",
        "riders_phone_idx",
        "INDEX riders_phone_idx (phone)",
    ),
    (
        "riders",
        "riders_withdrawn_idx",
        "INDEX riders_withdrawn_idx (status, withdrawn_at, id)",
    ),
    (
        "hourly_insurance_policies",
        "hourly_insurance_policies_policy_number_key",
        "UNIQUE INDEX hourly_insurance_policies_policy_number_key (policy_number)",
    ),
    (
        "hourly_insurance_policies",
        "hourly_insurance_policies_rider_id_idx",
        "INDEX hourly_insurance_policies_rider_id_idx (rider_id)",
    ),
    (
        "hourly_insurance_policies",
        "hourly_insurance_policies_active_rider_idx",
        "INDEX hourly_insurance_policies_active_rider_idx (rider_id, status)",
    ),
];

async fn load_sqlite(p: &sqlx::SqlitePool, riders: i64, policies: i64) -> anyhow::Result<()> {
    let have: i64 = sqlx::query_scalar("SELECT count(*) FROM riders")
        .fetch_one(p)
        .await?;
    if have == riders {
        eprintln!("load: already loaded ({riders} riders)");
        return Ok(());
    }
    let mut c = p.acquire().await?;
    let t = Instant::now();
    for sql in [
        "DELETE FROM slack_outbox",
        "DELETE FROM expiry_requests",
        "DELETE FROM hourly_insurance_policies",
        "DELETE FROM riders",
        "DROP INDEX IF EXISTS riders_phone_idx",
        "DROP INDEX IF EXISTS hourly_insurance_policies_rider_id_idx",
    ] {
        // expiry_audit is append-only by trigger; a fresh file has none to delete.
        sqlx::query(sql).execute(&mut *c).await?;
    }
    sqlx::query(SQLITE_RIDERS)
        .bind(1i64)
        .bind(riders)
        .execute(&mut *c)
        .await?;
    sqlx::query(SQLITE_POLICIES)
        .bind(1i64)
        .bind(policies)
        .bind(riders)
        .execute(&mut *c)
        .await?;
    eprintln!("load: rows inserted in {:.1}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    for sql in [
        "CREATE INDEX IF NOT EXISTS riders_phone_idx ON riders (phone)",
        "CREATE INDEX IF NOT EXISTS hourly_insurance_policies_rider_id_idx ON hourly_insurance_policies (rider_id)",
        "ANALYZE",
    ] {
        sqlx::query(sql).execute(&mut *c).await?;
    }
    eprintln!("load: indexes built in {:.1}s", t.elapsed().as_secs_f64());
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn phones_are_shared_on_purpose_only() {
        assert_eq!(super::phone_of(108), super::phone_of(107));
        assert_eq!(super::phone_of(10009), super::phone_of(10007));
        assert_ne!(super::phone_of(1), super::phone_of(2));
        assert_eq!(super::phone_of(1).len(), 11);
    }
}
