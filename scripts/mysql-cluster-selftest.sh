#!/usr/bin/env bash
# Self-test of the MySQL-family test infrastructure, with the mariadb client only (no
# cargo): starts scripts/mysql-cluster.sh in a temp dir, applies migrations/mysql in file
# order, applies docs/db-roles.mysql.sql, then checks that
#   * a row written on the primary reaches the replica (within MYSQL_SELFTEST_TIMEOUT s),
#   * the replica refuses writes from every account (root included),
#   * the schema's guarantees hold (append-only audit, one PENDING request per policy,
#     UTC defaults whatever the session time zone),
#   * each least-privilege user can do exactly what the bot needs and nothing else,
#   * db-roles.mysql.sql converges when run again, with and without the READ_FALLBACK
#     variant,
# and always stops the cluster. Prints the time each step took. Exit 0 when all pass.
#
# Usage: scripts/mysql-cluster-selftest.sh   (as root, or as the mysql user)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLUSTER="$ROOT/scripts/mysql-cluster.sh"
MIGRATIONS="$ROOT/migrations/mysql"
ROLES="$ROOT/docs/db-roles.mysql.sql"
TIMEOUT="${MYSQL_SELFTEST_TIMEOUT:-10}"

T_START=$(date +%s.%N)
T_STEP=$T_START
FAILED=0
CHECKS=0

say() { printf 'mysql-selftest: %s\n' "$*"; }
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
step_done() {
    say "  ($1: $(elapsed "$T_STEP") s)"
    T_STEP=$(date +%s.%N)
}
fail() {
    say "FAIL: $*"
    FAILED=$((FAILED + 1))
}
pass() {
    CHECKS=$((CHECKS + 1))
    say "ok   $*"
}

"$CLUSTER" ensure-bin
step_done ensure-bin

DIR="$(mktemp -d /tmp/expire-bot-mysql-selftest.XXXXXX)"
chmod 755 "$DIR" # mysql must be able to enter it
# shellcheck disable=SC2317 # invoked via trap
cleanup() {
    local rc=$?
    local t
    t=$(date +%s.%N)
    "$CLUSTER" stop "$DIR" || say "warning: could not stop the cluster in $DIR"
    say "  (stop: $(elapsed "$t") s)"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck disable=SC1090
source "$("$CLUSTER" start "$DIR")"
step_done start

# client USER PASSWORD PORT SQL -> rows; errors on stderr
client() {
    local user=$1 pw=$2 port=$3 q=$4
    MYSQL_PWD=$pw mariadb --no-defaults --default-character-set=utf8mb4 --protocol=tcp \
        -h 127.0.0.1 -P "$port" -u "$user" --batch --skip-column-names expire_bot -e "$q"
}
root_p() { client root '' "$MYSQL_PRIMARY_PORT" "$1"; }
root_r() { client root '' "$MYSQL_REPLICA_PORT" "$1"; }

# expect_ok WHAT USER PW PORT SQL
expect_ok() {
    local what=$1 out
    shift
    if out=$(client "$@" 2>&1); then
        pass "$what"
    else
        fail "$what: $out"
    fi
}
# expect_err WHAT ERRNO USER PW PORT SQL: must fail with that server error number
expect_err() {
    local what=$1 errno=$2 out
    shift 2
    if out=$(client "$@" 2>&1); then
        fail "$what: succeeded, expected ERROR $errno"
    elif grep -qE "ERROR ($errno) " <<<"$out"; then
        pass "$what (ERROR $errno)"
    else
        fail "$what: expected ERROR $errno, got: $out"
    fi
}

# ---------------------------------------------------------------- schema --
FILES=("$MIGRATIONS"/*.sql)
for f in "${FILES[@]}"; do
    MYSQL_PWD='' mariadb --no-defaults --default-character-set=utf8mb4 --protocol=tcp \
        -h 127.0.0.1 -P "$MYSQL_PRIMARY_PORT" -u root expire_bot <"$f" \
        || { fail "migration $(basename "$f")"; exit 1; }
done
pass "migrations/mysql applied (${#FILES[@]} files, in file order)"
step_done migrations

PRIMARY_PW="p-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
REPLICA_PW="r-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
roles() { # [extra SET clause]
    { printf "SET @primary_password = '%s', @replica_password = '%s'%s;\n" \
        "$PRIMARY_PW" "$REPLICA_PW" "${1:-}"
      cat "$ROLES"; } \
        | MYSQL_PWD='' mariadb --no-defaults --default-character-set=utf8mb4 --protocol=tcp \
            -h 127.0.0.1 -P "$MYSQL_PRIMARY_PORT" -u root expire_bot
}
roles || { fail "docs/db-roles.mysql.sql"; exit 1; }
pass "docs/db-roles.mysql.sql applied"
step_done roles

# ----------------------------------------------------------- replication --
t=$(date +%s.%N)
root_p "INSERT INTO riders (id, name, phone, birth_date, status, withdrawn_at)
        VALUES (1001, '홍길동', '01055501234', '1990-03-14', 'WITHDRAWN', '2026-11-11 00:00:00'),
               (1004, '이서연😀', '01012345678', NULL, 'ACTIVE', NULL);
        INSERT INTO hourly_insurance_policies (id, rider_id, insurer, policy_number, status, valid_from)
        VALUES (5001, 1001, '한빛손해보험', 'HB-2026-000001', 'ACTIVE', '2026-01-01 00:00:00'),
               (5002, 1004, '바로화재', 'BR-2026-000002', 'ACTIVE', '2026-01-01 00:00:00');"
deadline=$((SECONDS + TIMEOUT))
replicated=1
until [[ $(root_r "SELECT name FROM riders WHERE id = 1004" 2>/dev/null) == '이서연😀' ]]; do
    if ((SECONDS >= deadline)); then
        fail "row written on the primary not on the replica after ${TIMEOUT}s"
        replicated=0
        break
    fi
    sleep 0.01
done
if ((replicated)); then
    pass "row replicated to the replica in $(elapsed "$t") s (utf8mb4 intact)"
fi
# The users and grants came through the binary log too: the replica user logs in there.
expect_ok "replica user logs in on the replica (CREATE USER/GRANT replicated)" \
    expire_bot_replica "$REPLICA_PW" "$MYSQL_REPLICA_PORT" "SELECT 1"
"$CLUSTER" wait-replay "$DIR"
pass "wait-replay"
step_done replication

# ------------------------------------------------------ replica read-only --
W="INSERT INTO digest_runs (slot, claimed_by, claimed_at) VALUES ('2026-01-01', 'x', '2026-01-01')"
expect_err "replica refuses a write from root over TCP" 1290 root '' "$MYSQL_REPLICA_PORT" "$W"
if out=$(mariadb --no-defaults --protocol=socket --socket="$MYSQL_REPLICA_SOCKET" -u root expire_bot \
    -e "DELETE FROM riders" 2>&1); then
    fail "replica accepted a DELETE from root over its socket"
elif grep -q "ERROR 1290 " <<<"$out"; then
    pass "replica refuses a write from root over its socket (ERROR 1290)"
else
    fail "root over the replica socket: expected ERROR 1290, got: $out"
fi
expect_err "replica refuses DDL from root" 1290 root '' "$MYSQL_REPLICA_PORT" "CREATE TABLE evil (x INT)"
expect_err "replica refuses a write from the primary user" 1290 \
    expire_bot_primary "$PRIMARY_PW" "$MYSQL_REPLICA_PORT" "$W"
expect_err "replica refuses a write from the replica user" 1290 \
    expire_bot_replica "$REPLICA_PW" "$MYSQL_REPLICA_PORT" "$W"
if [[ $(root_r "SELECT COUNT(*) FROM digest_runs") == 0 && $(root_r "SELECT COUNT(*) FROM riders") == 2 ]]; then
    pass "nothing changed on the replica"
else
    fail "the replica's data changed"
fi
step_done read-only

# ---------------------------------------------------------------- schema --
out=$(root_p "SET time_zone = '+09:00';
    INSERT INTO expiry_requests (policy_id, requested_by, decided_by, status) VALUES (5001, 'U0REQ', NULL, 'PENDING');
    SELECT ABS(TIMESTAMPDIFF(SECOND, requested_at, UTC_TIMESTAMP(6))) < 5 FROM expiry_requests WHERE id = LAST_INSERT_ID();")
if [[ $out == 1 ]]; then
    pass "a request inserts with only the contract's columns; requested_at defaults to UTC under a +09:00 session"
else
    fail "requested_at default is not UTC under +09:00 (got '$out')"
fi
expect_err "a second PENDING request for the same policy is refused" 1062 root '' "$MYSQL_PRIMARY_PORT" \
    "INSERT INTO expiry_requests (policy_id, requested_by, status) VALUES (5001, 'U0OTHER', 'PENDING')"
expect_ok "a PENDING request for another policy is accepted" root '' "$MYSQL_PRIMARY_PORT" \
    "INSERT INTO expiry_requests (policy_id, requested_by, status) VALUES (5002, 'U0REQ', 'PENDING')"
expect_err "an unknown request status is refused (CHECK)" '4025|3819' root '' "$MYSQL_PRIMARY_PORT" \
    "INSERT INTO expiry_requests (policy_id, requested_by, status) VALUES (5002, 'U0REQ', 'CANCELLED')"
root_p "INSERT INTO expiry_audit (request_id, event, actor, policy_id)
        SELECT id, 'FILED', requested_by, policy_id FROM expiry_requests"
expect_err "expiry_audit refuses UPDATE, even from root" 1644 root '' "$MYSQL_PRIMARY_PORT" \
    "UPDATE expiry_audit SET actor = 'someone else'"
expect_err "expiry_audit refuses DELETE, even from root" 1644 root '' "$MYSQL_PRIMARY_PORT" \
    "DELETE FROM expiry_audit"
step_done schema

# ----------------------------------------------------------------- roles --
PU=(expire_bot_primary "$PRIMARY_PW" "$MYSQL_PRIMARY_PORT")
RU=(expire_bot_replica "$REPLICA_PW" "$MYSQL_REPLICA_PORT")
REQ=$(root_p "SELECT id FROM expiry_requests WHERE policy_id = 5001")
# The approval transaction's statements (src/store/requests.rs), as the primary user.
expect_ok "primary user: the approval transaction" "${PU[@]}" "
    START TRANSACTION;
    UPDATE expiry_requests SET status = 'APPROVED', decided_by = 'U0LEAD', decided_at = UTC_TIMESTAMP(6)
     WHERE id = $REQ AND status = 'PENDING' AND (expires_at IS NULL OR expires_at > UTC_TIMESTAMP(6))
       AND requested_by <> 'U0LEAD';
    SELECT status, valid_until FROM hourly_insurance_policies WHERE id = 5001 FOR UPDATE;
    UPDATE hourly_insurance_policies SET status = 'EXPIRED', valid_until = '2026-11-30 00:00:00'
     WHERE id = 5001 AND status = 'ACTIVE';
    UPDATE expiry_requests SET outcome = 'EXPIRED', decision_note = NULL WHERE id = $REQ;
    INSERT INTO expiry_audit (request_id, event, actor, at, policy_id, status_before, status_after,
                              valid_until_before, valid_until_after, reason)
    VALUES ($REQ, 'APPROVED', 'U0LEAD', UTC_TIMESTAMP(6), 5001, 'ACTIVE', 'EXPIRED', NULL,
            '2026-11-30 00:00:00', 'EXPIRED');
    INSERT INTO slack_outbox (request_id, kind, next_attempt_at) VALUES ($REQ, 'update_message', UTC_TIMESTAMP(6));
    COMMIT;"
if [[ $(root_p "SELECT CONCAT(status, ' ', valid_until) FROM hourly_insurance_policies WHERE id = 5001") \
    == 'EXPIRED 2026-11-30 00:00:00.000000' ]]; then
    pass "the policy is expired on the primary"
else
    fail "the approval did not expire the policy"
fi
expect_ok "primary user: files a request" "${PU[@]}" \
    "INSERT INTO expiry_requests (policy_id, requested_by, status) VALUES (5001, 'U0REQ', 'PENDING')"
expect_ok "primary user: outbox lease and digest claim/release" "${PU[@]}" "
    UPDATE slack_outbox SET claimed_until = UTC_TIMESTAMP(6), attempts = attempts + 1 WHERE request_id = $REQ;
    INSERT INTO digest_runs (slot, claimed_by, claimed_at) VALUES ('2026-12-01', 'i1', UTC_TIMESTAMP(6));
    INSERT INTO digest_items (slot, position, rider_id, policy_id) VALUES ('2026-12-01', 0, 1001, 5001);
    DELETE FROM digest_items WHERE slot = '2026-12-01';
    DELETE FROM digest_runs WHERE slot = '2026-12-01' AND claimed_by = 'i1' AND posted_at IS NULL;"
expect_ok "primary user: form_state kept, read back and swept; the heartbeat written" "${PU[@]}" "
    INSERT INTO form_state (token, payload, created_at, expires_at)
        VALUES ('t0', '{}', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL 1 HOUR);
    SELECT payload FROM form_state WHERE token = 't0';
    DELETE FROM form_state WHERE expires_at < UTC_TIMESTAMP(6);
    UPDATE expire_bot_heartbeat SET beat_at = UTC_TIMESTAMP(6), every_ms = 1000 WHERE id = 1;"
expect_err "primary user: cannot read riders" 1142 "${PU[@]}" "SELECT COUNT(*) FROM riders"
expect_err "primary user: cannot read other policy columns" 1143 "${PU[@]}" \
    "SELECT policy_number FROM hourly_insurance_policies WHERE id = 5001"
expect_err "primary user: cannot update other policy columns" 1143 "${PU[@]}" \
    "UPDATE hourly_insurance_policies SET insurer = 'x' WHERE id = 5002"
expect_err "primary user: cannot insert policies" 1142 "${PU[@]}" \
    "INSERT INTO hourly_insurance_policies (id, rider_id, insurer, policy_number, status, valid_from)
     VALUES (9, 1001, 'x', 'x', 'ACTIVE', '2026-01-01')"
expect_err "primary user: cannot delete requests" 1142 "${PU[@]}" "DELETE FROM expiry_requests"
expect_err "primary user: cannot update the audit trail" 1142 "${PU[@]}" "UPDATE expiry_audit SET actor = 'x'"
expect_err "primary user: cannot delete outbox rows" 1142 "${PU[@]}" "DELETE FROM slack_outbox"
expect_err "primary user: no DDL" 1142 "${PU[@]}" "CREATE TABLE evil (x INT)"
"$CLUSTER" wait-replay "$DIR"
expect_ok "replica user: the lookup (riders joined with policies) and history" "${RU[@]}" "
    SELECT r.id, r.name, r.phone, r.birth_date, r.status, p.id, p.policy_number, p.status, p.valid_until
      FROM riders r JOIN hourly_insurance_policies p ON p.rider_id = r.id WHERE r.phone = '01055501234';
    SELECT COUNT(*) FROM expiry_requests; SELECT COUNT(*) FROM expiry_audit; SELECT COUNT(*) FROM digest_items;"
expect_ok "replica user: reads the replica's status (lag probe)" "${RU[@]}" "SHOW SLAVE STATUS"
expect_err "replica user: cannot read the outbox" 1142 "${RU[@]}" "SELECT COUNT(*) FROM slack_outbox"
expect_ok "replica user: reads the heartbeat (the lag probe's other source)" "${RU[@]}" \
    "SELECT TIMESTAMPDIFF(MICROSECOND, beat_at, UTC_TIMESTAMP(6)) FROM expire_bot_heartbeat"
expect_err "replica user: cannot read kept form state" 1142 "${RU[@]}" "SELECT COUNT(*) FROM form_state"
expect_err "replica user on the primary: cannot write" 1142 expire_bot_replica "$REPLICA_PW" \
    "$MYSQL_PRIMARY_PORT" "UPDATE hourly_insurance_policies SET status = 'EXPIRED' WHERE id = 5002"
step_done privileges

# --------------------------------------------------- roles: converge/variant --
roles ", @read_fallback_on_primary = 1" || fail "db-roles.mysql.sql with @read_fallback_on_primary = 1"
expect_ok "READ_FALLBACK variant: primary user reads riders and policies" "${PU[@]}" \
    "SELECT r.id, p.policy_number FROM riders r JOIN hourly_insurance_policies p ON p.rider_id = r.id"
roles || fail "db-roles.mysql.sql run again"
expect_err "run again without the variant: primary user cannot read riders again" 1142 "${PU[@]}" \
    "SELECT COUNT(*) FROM riders"
expect_ok "run again: primary user still has its own privileges" "${PU[@]}" \
    "SELECT id, status, valid_until FROM hourly_insurance_policies WHERE id = 5001"
# The file, run for another database on the same server, leaves this one's grants alone.
root_p "CREATE DATABASE expire_bot_other" || fail "CREATE DATABASE expire_bot_other"
for f in "${FILES[@]}"; do
    MYSQL_PWD='' mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P "$MYSQL_PRIMARY_PORT" \
        -u root expire_bot_other <"$f" || fail "migration $(basename "$f") in a second database"
done
{ printf "SET @primary_password = '%s', @replica_password = '%s';\n" "$PRIMARY_PW" "$REPLICA_PW"
  cat "$ROLES"; } | MYSQL_PWD='' mariadb --no-defaults --protocol=tcp -h 127.0.0.1 \
    -P "$MYSQL_PRIMARY_PORT" -u root expire_bot_other || fail "db-roles.mysql.sql in a second database"
expect_ok "a run for another database leaves this one's grants alone" "${PU[@]}" \
    "SELECT COUNT(*) FROM expiry_requests; SELECT id, status FROM hourly_insurance_policies WHERE id = 5001"
OLD_PW=$PRIMARY_PW
PRIMARY_PW="p-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
roles || fail "db-roles.mysql.sql password rotation"
expect_err "password rotation: the old password no longer works" 1045 expire_bot_primary "$OLD_PW" \
    "$MYSQL_PRIMARY_PORT" "SELECT 1"
expect_ok "password rotation: the new password works" expire_bot_primary "$PRIMARY_PW" \
    "$MYSQL_PRIMARY_PORT" "SELECT 1"
if grep -rqF -e "$PRIMARY_PW" -e "$REPLICA_PW" "$DIR/primary" "$DIR/replica"; then
    fail "a password appears in plain text in a data directory (binary or relay log)"
else
    pass "no password in plain text in either data directory (binary and relay logs)"
fi
step_done roles-converge

say "total: $(elapsed "$T_START") s before stop; $CHECKS checks passed, $FAILED failed"
((FAILED == 0))
