-- MySQL only: the replication heartbeat (src/store/mysql/probe.rs). One row, which every
-- bot instance sets to the primary's UTC_TIMESTAMP(6) once a second (every_ms says how
-- often). A replica's copy is as old as the last change it applied, so when the replica's
-- own status cannot give its lag (an Aurora reader, which is no binlog replica; a user
-- without REPLICATION CLIENT / SLAVE MONITOR; replication stopped), UTC_TIMESTAMP(6) -
-- beat_at, less one interval, does. PostgreSQL needs no such table: a standby reports the
-- time of the last transaction it replayed.
CREATE TABLE expire_bot_heartbeat (
    id        TINYINT NOT NULL,
    beat_at   DATETIME(6) NOT NULL,
    every_ms  INT NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT expire_bot_heartbeat_one_row CHECK (id = 1)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

INSERT INTO expire_bot_heartbeat (id, beat_at, every_ms) VALUES (1, UTC_TIMESTAMP(6), 1000);
