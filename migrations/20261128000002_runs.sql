-- A run: one sync of one entity, full or incremental, with a declared end.
-- open_full_entity holds the entity while a full run is unfinished; its UNIQUE index is what
-- guarantees at most one open full run per entity, even with several API replicas.
CREATE TABLE sync_runs (
    id                BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    entity            VARCHAR(16)  NOT NULL,
    mode              VARCHAR(16)  NOT NULL,
    status            VARCHAR(16)  NOT NULL,
    open_full_entity  VARCHAR(16)  NULL,
    declared_batches  BIGINT       NULL,
    declared_records  BIGINT       NULL,
    received_batches  BIGINT       NOT NULL DEFAULT 0,
    received_records  BIGINT       NOT NULL DEFAULT 0,
    accepted_records  BIGINT       NOT NULL DEFAULT 0,
    rejected_records  BIGINT       NOT NULL DEFAULT 0,
    jobs_enqueued     BIGINT       NOT NULL DEFAULT 0,
    status_reason     TEXT         NULL,
    sweep_approved    BOOLEAN      NOT NULL DEFAULT FALSE,
    swept_rows        BIGINT       NOT NULL DEFAULT 0,
    created_at        DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at        DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    finished_at       DATETIME(6)  NULL,
    UNIQUE KEY sync_runs_one_open_full (open_full_entity),
    KEY sync_runs_entity_status (entity, status)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Every batch a run received, with the hash of its body so a replay answers the same and a
-- different body under the same seq is refused. state moves pending -> enqueued once its jobs are
-- in Redis, so a batch whose enqueue failed is re-enqueued by the client's retry, never lost.
CREATE TABLE run_batches (
    run_id       BIGINT       NOT NULL,
    seq          BIGINT       NOT NULL,
    body_sha256  CHAR(64)     NOT NULL,
    records      BIGINT       NOT NULL,
    accepted     BIGINT       NOT NULL,
    rejected     BIGINT       NOT NULL,
    jobs         BIGINT       NOT NULL,
    state        VARCHAR(16)  NOT NULL,
    response     LONGTEXT     NOT NULL,
    received_at  DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (run_id, seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- One row per applied job, written in the job's own transaction: a job delivered twice finds its
-- row and changes nothing. Progress is counted from here rather than from a counter on sync_runs,
-- so concurrent workers never queue on one hot row.
CREATE TABLE run_jobs (
    run_id      BIGINT       NOT NULL,
    batch_seq   BIGINT       NOT NULL,
    chunk       INT          NOT NULL,
    records     INT          NOT NULL,
    loaded      INT          NOT NULL,
    rejected    INT          NOT NULL,
    applied_at  DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (run_id, batch_seq, chunk)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Records refused by validation (stage 'validation') or by the database (stage 'database'),
-- with their reasons. erp_id is kept when it could be read: such keys exist in the ERP and are
-- never swept.
CREATE TABLE rejected_records (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    run_id        BIGINT       NOT NULL,
    entity        VARCHAR(16)  NOT NULL,
    batch_seq     BIGINT       NOT NULL,
    record_index  INT          NOT NULL,
    erp_id        BIGINT       NULL,
    stage         VARCHAR(16)  NOT NULL,
    problems      LONGTEXT     NOT NULL,
    payload       LONGTEXT     NOT NULL,
    rejected_at   DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    UNIQUE KEY rejected_once (run_id, batch_seq, record_index),
    KEY rejected_by_key (entity, erp_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Jobs that exhausted their attempts or failed for good: durable, uncapped, replayable.
CREATE TABLE dead_letters (
    id           BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    job_kind     VARCHAR(32)   NOT NULL,
    job_key      VARCHAR(128)  NOT NULL,
    run_id       BIGINT        NULL,
    attempts     INT           NOT NULL,
    last_error   TEXT          NOT NULL,
    payload      LONGTEXT      NOT NULL,
    failed_at    DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    replayed_at  DATETIME(6)   NULL,
    KEY dead_letters_run (run_id),
    KEY dead_letters_key (job_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
