-- The mirrored ERP records. Columns are named after the record fields.
-- source_updated_ns keeps the ERP timestamp at full (nanosecond) precision for the
-- "stale data never wins" comparison; source_updated_at is the same instant for people and SQL.
-- last_full_run_id is the last full run that saw the row: the sweep deletes what the run did not see.
CREATE TABLE influencers (
    erp_id             BIGINT          NOT NULL PRIMARY KEY,
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
    KEY influencers_last_full_run (last_full_run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- No foreign key to influencers: the ERP may hold contracts of influencers that are not (yet) mirrored,
-- and the two entities are synced by separate runs in any order.
CREATE TABLE contracts (
    erp_id             BIGINT          NOT NULL PRIMARY KEY,
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
    KEY contracts_influencer (influencer_erp_id),
    KEY contracts_last_full_run (last_full_run_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
