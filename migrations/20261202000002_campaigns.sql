-- Campaigns: a brand's campaign with its period and budget. Columns are named after the record's
-- fields, then the columns every record table keeps for the sync (see store/src/columns.rs).
CREATE TABLE campaigns (
    erp_id             BIGINT          NOT NULL PRIMARY KEY,
    name               VARCHAR(200)    NOT NULL,
    brand              VARCHAR(100)    NOT NULL,
    starts_on          DATE            NOT NULL,
    ends_on            DATE            NOT NULL,
    budget             DECIMAL(19, 4)  NOT NULL,
    currency           CHAR(3)         NOT NULL,
    status             VARCHAR(16)     NOT NULL,
    source_updated_at  DATETIME(6)     NOT NULL,
    source_updated_ns  BIGINT          NOT NULL,
    last_full_run_id   BIGINT          NULL,
    first_run_id       BIGINT          NULL,
    changed_run_id     BIGINT          NULL,
    KEY campaigns_last_full_run (last_full_run_id),
    KEY campaigns_changed_run (changed_run_id, first_run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- The rows a sweep deleted, column for column, with the run that deleted them.
CREATE TABLE campaigns_swept (
    audit_id           BIGINT          NOT NULL AUTO_INCREMENT PRIMARY KEY,
    swept_by_run_id    BIGINT          NOT NULL,
    swept_at           DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    restored_at        DATETIME(6)     NULL,
    erp_id             BIGINT          NOT NULL,
    name               VARCHAR(200)    NOT NULL,
    brand              VARCHAR(100)    NOT NULL,
    starts_on          DATE            NOT NULL,
    ends_on            DATE            NOT NULL,
    budget             DECIMAL(19, 4)  NOT NULL,
    currency           CHAR(3)         NOT NULL,
    status             VARCHAR(16)     NOT NULL,
    source_updated_at  DATETIME(6)     NOT NULL,
    source_updated_ns  BIGINT          NOT NULL,
    last_full_run_id   BIGINT          NULL,
    first_run_id       BIGINT          NULL,
    changed_run_id     BIGINT          NULL,
    KEY campaigns_swept_run (swept_by_run_id),
    KEY campaigns_swept_key (erp_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
