-- Rows deleted by a reconciliation sweep, column for column, with the run that deleted them,
-- so that a wrong sweep can be undone exactly (POST /v1/runs/{run_id}/sweep/undo).
CREATE TABLE influencers_swept (
    audit_id           BIGINT          NOT NULL AUTO_INCREMENT PRIMARY KEY,
    swept_by_run_id    BIGINT          NOT NULL,
    swept_at           DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    restored_at        DATETIME(6)     NULL,
    erp_id             BIGINT          NOT NULL,
    name               VARCHAR(200)    NOT NULL,
    handle             VARCHAR(100)    NOT NULL,
    email              VARCHAR(254)    NULL,
    phone              VARCHAR(32)     NULL,
    platform           VARCHAR(16)     NOT NULL,
    followers          BIGINT UNSIGNED NOT NULL,
    document           VARCHAR(14)     NOT NULL,
    city               VARCHAR(100)    NOT NULL,
    state              CHAR(2)         NOT NULL,
    status             VARCHAR(16)     NOT NULL,
    source_updated_at  DATETIME(6)     NOT NULL,
    source_updated_ns  BIGINT          NOT NULL,
    last_full_run_id   BIGINT          NULL,
    KEY influencers_swept_run (swept_by_run_id),
    KEY influencers_swept_key (erp_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE contracts_swept (
    audit_id           BIGINT          NOT NULL AUTO_INCREMENT PRIMARY KEY,
    swept_by_run_id    BIGINT          NOT NULL,
    swept_at           DATETIME(6)     NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    restored_at        DATETIME(6)     NULL,
    erp_id             BIGINT          NOT NULL,
    influencer_erp_id  BIGINT          NOT NULL,
    campaign           VARCHAR(200)    NOT NULL,
    amount             DECIMAL(19, 4)  NOT NULL,
    currency           CHAR(3)         NOT NULL,
    starts_on          DATE            NOT NULL,
    ends_on            DATE            NOT NULL,
    status             VARCHAR(16)     NOT NULL,
    source_updated_at  DATETIME(6)     NOT NULL,
    source_updated_ns  BIGINT          NOT NULL,
    last_full_run_id   BIGINT          NULL,
    KEY contracts_swept_run (swept_by_run_id),
    KEY contracts_swept_key (erp_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
