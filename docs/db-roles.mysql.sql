-- expire-bot's two least-privilege database users on MySQL 8.0 / Aurora MySQL 3 / MariaDB
-- 10.11: the MySQL counterpart of docs/db-roles.sql. Run it with the mysql (or mariadb)
-- client, as the tables' owner or an admin allowed to grant, on the PRIMARY, in the bot's
-- database, AFTER `expire-bot migrate` (the grants name the bot's tables, so they must
-- exist). Users and grants are replicated statements: they reach the replica through the
-- binary log like every other change (Aurora: the readers share the cluster's storage).
--
-- Passwords are session variables set before the file runs. Piping them in keeps them out
-- of the process list and the shell history (they must not contain ' or \):
--
--   { printf "SET @primary_password = '%s', @replica_password = '%s';\n" "$PRIMARY_PW" "$REPLICA_PW"
--     cat docs/db-roles.mysql.sql; } | mysql -h primary -u admin -p expire_bot
--
-- Then:  DATABASE_URL=mysql://expire_bot_primary:$PRIMARY_PW@primary/expire_bot
--        DATABASE_REPLICA_URL=mysql://expire_bot_replica:$REPLICA_PW@replica/expire_bot
--
-- Safe to run again (after a migration, or to rotate passwords): users are created only if
-- missing, their passwords are set anew, and every privilege in this database (and every
-- global one) is revoked and given anew, so the result never drifts. Privileges in other
-- databases of the same server are left alone. (GRANT and REVOKE commit implicitly in
-- MySQL: the file is not one transaction, but running it again always converges.)
--
-- Optional: SET @read_fallback_on_primary = 1 (in the same SET) also lets the primary user
-- read riders and policies, which READ_FALLBACK=primary (the bot's default) needs to
-- answer lookups from the primary while the replica is down. Without it, run the bot with
-- READ_FALLBACK=off: the contract's rule "on the primary the bot never reads riders" is
-- then enforced by the database itself, not only by the code.
--
-- The users are 'name'@'%' (any client host). To pin them to the bot's network, replace
-- '%' throughout, e.g. sed "s/'%'/'10.0.%'/g" docs/db-roles.mysql.sql.
--
-- `expire-bot migrate` needs DDL rights (CREATE, ALTER, INDEX, REFERENCES, TRIGGER on the
-- database); run it as the owner, never as one of these two users.
--
-- Only statements MySQL 8.0 and MariaDB 10.11 both run. What differs between them (the
-- privilege that shows replication status) is chosen at run time from VERSION().

-- Fail early, with a readable message and a non-zero exit, when a password was not given:
-- the only error both servers raise outside a stored program, from a prepared statement,
-- is one naming a table, so the table's name is the message.
SET @db_roles_check = IF(COALESCE(@primary_password, '') = '',
    'SELECT 1 FROM `db-roles: SET @primary_password first`', 'DO 0');
PREPARE db_roles_stmt FROM @db_roles_check;
EXECUTE db_roles_stmt;
SET @db_roles_check = IF(COALESCE(@replica_password, '') = '',
    'SELECT 1 FROM `db-roles: SET @replica_password first`', 'DO 0');
PREPARE db_roles_stmt FROM @db_roles_check;
EXECUTE db_roles_stmt;
-- The grants below name tables of the current database.
SET @db_roles_check = IF(DATABASE() IS NULL,
    'SELECT 1 FROM `db-roles: connect to the bot''s database`', 'DO 0');
PREPARE db_roles_stmt FROM @db_roles_check;
EXECUTE db_roles_stmt;

-- How each password is given. MariaDB writes CREATE/ALTER USER ... IDENTIFIED BY 'secret'
-- to the binary log as typed, password and all, and the replica keeps it in its relay log;
-- MySQL 8.0 logs only the hash. So on MariaDB the password is hashed here first (PASSWORD()
-- is mysql_native_password's hash, MariaDB's default plugin) and given as IDENTIFIED BY
-- PASSWORD '<hash>'. PASSWORD() no longer exists in MySQL 8.0, so that call sits in a
-- prepared statement that only MariaDB runs. QUOTE() makes each value a string literal.
SET @db_roles_auth_p = CONCAT('IDENTIFIED BY ', QUOTE(@primary_password)),
    @db_roles_auth_r = CONCAT('IDENTIFIED BY ', QUOTE(@replica_password));
SET @db_roles_stmt = IF(VERSION() LIKE '%MariaDB%',
    'SET @db_roles_auth_p = CONCAT(''IDENTIFIED BY PASSWORD '', QUOTE(PASSWORD(@primary_password))),
         @db_roles_auth_r = CONCAT(''IDENTIFIED BY PASSWORD '', QUOTE(PASSWORD(@replica_password)))',
    'DO 0');
PREPARE db_roles_stmt FROM @db_roles_stmt;
EXECUTE db_roles_stmt;

-- Users, created with their password (never without one, not even for a moment), then
-- the password set again, which rotates it when the user already existed.
SET @db_roles_stmt = CONCAT('CREATE USER IF NOT EXISTS ''expire_bot_primary''@''%'' ', @db_roles_auth_p);
PREPARE db_roles_stmt FROM @db_roles_stmt;
EXECUTE db_roles_stmt;
SET @db_roles_stmt = CONCAT('CREATE USER IF NOT EXISTS ''expire_bot_replica''@''%'' ', @db_roles_auth_r);
PREPARE db_roles_stmt FROM @db_roles_stmt;
EXECUTE db_roles_stmt;
SET @db_roles_stmt = CONCAT('ALTER USER ''expire_bot_primary''@''%'' ', @db_roles_auth_p);
PREPARE db_roles_stmt FROM @db_roles_stmt;
EXECUTE db_roles_stmt;
SET @db_roles_stmt = CONCAT('ALTER USER ''expire_bot_replica''@''%'' ', @db_roles_auth_r);
PREPARE db_roles_stmt FROM @db_roles_stmt;
EXECUTE db_roles_stmt;
DEALLOCATE PREPARE db_roles_stmt;
SET @db_roles_stmt = NULL, @db_roles_check = NULL, @db_roles_auth_p = NULL, @db_roles_auth_r = NULL;

-- Start from nothing in THIS database, so a second run converges to exactly what is below:
-- every privilege on each of the bot's tables (column privileges included), on the
-- database itself, and the global ones. Nothing is touched in other databases: the users
-- are server-wide, and one server may hold several bots' databases (the tests run dozens
-- at once). MySQL's REVOKE fails on a privilege that was never granted, so each REVOKE is
-- preceded by a GRANT of the same level that gives nothing to read or write (SHOW VIEW;
-- there are no views), which makes it always apply.
SET @db_roles_users = '''expire_bot_primary''@''%'', ''expire_bot_replica''@''%''';
GRANT SHOW VIEW ON riders TO 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
REVOKE ALL PRIVILEGES ON riders FROM 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
GRANT SHOW VIEW ON hourly_insurance_policies TO 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
REVOKE ALL PRIVILEGES ON hourly_insurance_policies FROM 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
GRANT SHOW VIEW ON expiry_requests TO 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
REVOKE ALL PRIVILEGES ON expiry_requests FROM 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
GRANT SHOW VIEW ON expiry_audit TO 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
REVOKE ALL PRIVILEGES ON expiry_audit FROM 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
GRANT SHOW VIEW ON slack_outbox TO 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
REVOKE ALL PRIVILEGES ON slack_outbox FROM 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
GRANT SHOW VIEW ON expiry_approvals TO 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
REVOKE ALL PRIVILEGES ON expiry_approvals FROM 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
GRANT SHOW VIEW ON digest_runs TO 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
REVOKE ALL PRIVILEGES ON digest_runs FROM 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
GRANT SHOW VIEW ON digest_items TO 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
REVOKE ALL PRIVILEGES ON digest_items FROM 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
GRANT SHOW VIEW ON form_state TO 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
REVOKE ALL PRIVILEGES ON form_state FROM 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
GRANT SHOW VIEW ON slack_events TO 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
REVOKE ALL PRIVILEGES ON slack_events FROM 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
GRANT SHOW VIEW ON expire_bot_heartbeat TO 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
REVOKE ALL PRIVILEGES ON expire_bot_heartbeat FROM 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
GRANT SHOW VIEW ON lookup_audit TO 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
REVOKE ALL PRIVILEGES ON lookup_audit FROM 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
GRANT SHOW VIEW ON home_viewers TO 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
REVOKE ALL PRIVILEGES ON home_viewers FROM 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
-- sqlx's bookkeeping table, when there is one.
SET @db_roles_stmt = IF(EXISTS (SELECT 1 FROM information_schema.tables
                                 WHERE table_schema = DATABASE() AND table_name = '_sqlx_migrations'),
    CONCAT('GRANT SHOW VIEW ON _sqlx_migrations TO ', @db_roles_users), 'DO 0');
PREPARE db_roles_stmt FROM @db_roles_stmt; EXECUTE db_roles_stmt;
SET @db_roles_stmt = IF(EXISTS (SELECT 1 FROM information_schema.tables
                                 WHERE table_schema = DATABASE() AND table_name = '_sqlx_migrations'),
    CONCAT('REVOKE ALL PRIVILEGES ON _sqlx_migrations FROM ', @db_roles_users), 'DO 0');
PREPARE db_roles_stmt FROM @db_roles_stmt; EXECUTE db_roles_stmt;
-- The database level (`db`.*), and the global level (*.*).
SET @db_roles_db = CONCAT('`', REPLACE(DATABASE(), '`', '``'), '`.*');
SET @db_roles_stmt = CONCAT('GRANT SHOW VIEW ON ', @db_roles_db, ' TO ', @db_roles_users);
PREPARE db_roles_stmt FROM @db_roles_stmt; EXECUTE db_roles_stmt;
SET @db_roles_stmt = CONCAT('REVOKE ALL PRIVILEGES ON ', @db_roles_db, ' FROM ', @db_roles_users);
PREPARE db_roles_stmt FROM @db_roles_stmt; EXECUTE db_roles_stmt;
REVOKE ALL PRIVILEGES ON *.* FROM 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
REVOKE GRANT OPTION ON *.* FROM 'expire_bot_primary'@'%', 'expire_bot_replica'@'%';
SET @db_roles_users = NULL, @db_roles_db = NULL;

-- Replica: every lookup (riders joined with their policies) and the bot's own tables for
-- history and reporting. SELECT only; the server is read_only as well.
GRANT SELECT ON riders TO 'expire_bot_replica'@'%';
GRANT SELECT ON hourly_insurance_policies TO 'expire_bot_replica'@'%';
GRANT SELECT ON expiry_requests TO 'expire_bot_replica'@'%';
GRANT SELECT ON expiry_audit TO 'expire_bot_replica'@'%';
-- Who approved what, for the history answer (migration 0110).
GRANT SELECT ON expiry_approvals TO 'expire_bot_replica'@'%';
-- The digest's "File requests for all" re-reads the policies a digest listed.
GRANT SELECT ON digest_items TO 'expire_bot_replica'@'%';
-- The approvers' Home tab names the last digest posted (migration 0150).
GRANT SELECT ON digest_runs TO 'expire_bot_replica'@'%';
-- The replication-lag probe reads the replica's own status (SHOW REPLICA/SLAVE STATUS),
-- which needs a global monitoring privilege whose name differs: REPLICATION CLIENT on
-- MySQL 8.0, SLAVE MONITOR on MariaDB 10.5.9+ (where REPLICATION CLIENT no longer shows
-- it). Neither reads or writes any table. Where the status says nothing (an Aurora reader
-- is no binlog replica; replication stopped), the probe reads the heartbeat row the bot
-- writes on the primary instead (migration 0100), so the lag is known on every server;
-- without this privilege it always reads the heartbeat (see docs/MYSQL.md).
GRANT SELECT ON expire_bot_heartbeat TO 'expire_bot_replica'@'%';
SET @db_roles_stmt = IF(VERSION() LIKE '%MariaDB%',
    'GRANT SLAVE MONITOR ON *.* TO ''expire_bot_replica''@''%''',
    'GRANT REPLICATION CLIENT ON *.* TO ''expire_bot_replica''@''%''');
PREPARE db_roles_stmt FROM @db_roles_stmt;
EXECUTE db_roles_stmt;

-- Primary: only what the approval transaction and the bot's own tables need.
--  * the approval locks the policy row it is about to change
--    (SELECT status, valid_until … WHERE id = ? FOR UPDATE) and expires it
--    (UPDATE … SET status, valid_until WHERE id = ? AND status = 'ACTIVE'):
--    no other column of the company's table is readable or writable, and riders not at all.
GRANT SELECT (id, status, valid_until), UPDATE (status, valid_until)
    ON hourly_insurance_policies TO 'expire_bot_primary'@'%';
--  * requests: filed (INSERT, then LAST_INSERT_ID()) and read back; of a filed request the
--    bot changes only its decision (status, decided_by, decided_at, decision_note, outcome)
--    and where its message was posted (channel_id, message_ts), the approvals counted so
--    far and when its reminder went out (approvals, reminded_at), never what was filed.
GRANT SELECT, INSERT ON expiry_requests TO 'expire_bot_primary'@'%';
GRANT UPDATE (status, decided_by, decided_at, decision_note, outcome, channel_id, message_ts,
               approvals, reminded_at)
    ON expiry_requests TO 'expire_bot_primary'@'%';
--  * the audit trail is append-only (triggers also refuse UPDATE/DELETE for everyone), and
--    the bot never reads it on the primary (history reads it on the replica).
GRANT INSERT ON expiry_audit TO 'expire_bot_primary'@'%';
--  * the lookup audit (migration 0130): appended per lookup, counted for the per-person
--    limit, completed with how many riders matched.
GRANT SELECT, INSERT ON lookup_audit TO 'expire_bot_primary'@'%';
GRANT UPDATE (riders_matched) ON lookup_audit TO 'expire_bot_primary'@'%';
--  * the approvals of each request (migration 0110): recorded (INSERT; its unique pair is
--    the "same person counts once") and read back for the messages. Never changed or
--    deleted.
GRANT SELECT, INSERT ON expiry_approvals TO 'expire_bot_primary'@'%';
--  * the Slack outbox: queued, leased, completed. Rows are never deleted.
GRANT SELECT, INSERT, UPDATE ON slack_outbox TO 'expire_bot_primary'@'%';
--  * the withdrawn-rider digest's bookkeeping: one claimed row per schedule slot (released
--    with DELETE when nothing could be posted) and the policies each digest listed.
GRANT SELECT, INSERT, UPDATE, DELETE ON digest_runs TO 'expire_bot_primary'@'%';
GRANT SELECT, INSERT, UPDATE, DELETE ON digest_items TO 'expire_bot_primary'@'%';
--  * a modal step's state too big for Slack's private_metadata (migration 0090): saved,
--    read back by its token, and swept (DELETE) once expired.
GRANT SELECT, INSERT, DELETE ON form_state TO 'expire_bot_primary'@'%';
--  * the Events API deliveries already taken (migration 0140): claimed (INSERT) and swept
--    (DELETE, whose WHERE needs SELECT) after a day.
GRANT SELECT, INSERT, DELETE ON slack_events TO 'expire_bot_primary'@'%';
--  * who opened the Home tab (migration 0150): recorded (UPDATE, else INSERT), read by the
--    outbox to republish their views, swept (DELETE, whose WHERE needs SELECT) after 30 days.
GRANT SELECT, INSERT, UPDATE, DELETE ON home_viewers TO 'expire_bot_primary'@'%';
--  * the replication heartbeat (migration 0100): its one row, set once a second. (SELECT:
--    MySQL wants it for the columns an UPDATE's WHERE reads.)
GRANT SELECT, UPDATE ON expire_bot_heartbeat TO 'expire_bot_primary'@'%';
--  * which migrations are applied (check-config may compare them with the binary's), for
--    both users, when sqlx's bookkeeping table exists.
SET @db_roles_stmt = IF(EXISTS (SELECT 1 FROM information_schema.tables
                                 WHERE table_schema = DATABASE() AND table_name = '_sqlx_migrations'),
    'GRANT SELECT ON _sqlx_migrations TO ''expire_bot_primary''@''%'', ''expire_bot_replica''@''%''',
    'DO 0');
PREPARE db_roles_stmt FROM @db_roles_stmt;
EXECUTE db_roles_stmt;

-- READ_FALLBACK=primary: lookups may be answered by the primary while the replica is down.
SET @db_roles_stmt = IF(COALESCE(@read_fallback_on_primary, 0) = 1,
    'GRANT SELECT ON riders TO ''expire_bot_primary''@''%''', 'DO 0');
PREPARE db_roles_stmt FROM @db_roles_stmt;
EXECUTE db_roles_stmt;
SET @db_roles_stmt = IF(COALESCE(@read_fallback_on_primary, 0) = 1,
    'GRANT SELECT ON hourly_insurance_policies TO ''expire_bot_primary''@''%''', 'DO 0');
PREPARE db_roles_stmt FROM @db_roles_stmt;
EXECUTE db_roles_stmt;

DEALLOCATE PREPARE db_roles_stmt;
-- Forget the passwords: the rest of this session needs them no more.
SET @db_roles_stmt = NULL, @primary_password = NULL, @replica_password = NULL;
