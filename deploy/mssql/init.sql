-- The reference schema of the README's "Reading the ERP (SQL Server)", a login that can only read
-- it, and sample rows. Run once by the `mssql-init` service of compose.yaml (before
-- demo-rows.sql); running it again changes nothing.
IF DB_ID(N'ERP') IS NULL CREATE DATABASE ERP;
GO
ALTER DATABASE ERP SET READ_COMMITTED_SNAPSHOT ON WITH ROLLBACK IMMEDIATE;
GO
USE ERP;
GO
IF OBJECT_ID(N'dbo.Influencers') IS NULL
CREATE TABLE dbo.Influencers (
    ID          BIGINT         NOT NULL PRIMARY KEY,
    NAME        NVARCHAR(200)  NOT NULL,
    HANDLE      NVARCHAR(100)  NOT NULL,
    EMAIL       NVARCHAR(320)  NULL,
    PHONE       VARCHAR(20)    NULL,
    PLATFORM    VARCHAR(20)    NOT NULL,
    FOLLOWERS   BIGINT         NOT NULL,
    DOCUMENT    VARCHAR(18)    NOT NULL,
    CITY        NVARCHAR(100)  NOT NULL,
    STATE       CHAR(2)        NOT NULL,
    STATUS      VARCHAR(10)    NOT NULL,
    UPDATED_AT  DATETIME2(7)   NOT NULL,
    INDEX IX_Influencers_UPDATED_AT (UPDATED_AT, ID)
);
IF OBJECT_ID(N'dbo.Campaigns') IS NULL
CREATE TABLE dbo.Campaigns (
    ID          BIGINT         NOT NULL PRIMARY KEY,
    NAME        NVARCHAR(200)  NOT NULL,
    BRAND       NVARCHAR(100)  NOT NULL,
    STARTS_ON   DATE           NOT NULL,
    ENDS_ON     DATE           NOT NULL,
    BUDGET      DECIMAL(19,4)  NOT NULL,
    CURRENCY    CHAR(3)        NULL,
    STATUS      VARCHAR(10)    NOT NULL,
    UPDATED_AT  DATETIME2(7)   NOT NULL,
    INDEX IX_Campaigns_UPDATED_AT (UPDATED_AT, ID)
);
IF OBJECT_ID(N'dbo.Contracts') IS NULL
CREATE TABLE dbo.Contracts (
    ID             BIGINT         NOT NULL PRIMARY KEY,
    INFLUENCER_ID  BIGINT         NOT NULL,
    CAMPAIGN       NVARCHAR(200)  NOT NULL,
    AMOUNT         DECIMAL(19,4)  NOT NULL,
    CURRENCY       CHAR(3)        NULL,
    STARTS_ON      DATE           NOT NULL,
    ENDS_ON        DATE           NOT NULL,
    STATUS         VARCHAR(10)    NOT NULL,
    UPDATED_AT     DATETIME2(7)   NOT NULL,
    INDEX IX_Contracts_UPDATED_AT (UPDATED_AT, ID)
);
GO
IF NOT EXISTS (SELECT 1 FROM dbo.Influencers)
INSERT INTO dbo.Influencers VALUES
    (1, N'Ana Júlia Conceição', N'@anaju', N'ana@example.com.br', '41998765432', 'instagram', 125000, '529.982.247-25', N'Curitiba', 'PR', 'active', SYSDATETIME()),
    (2, N'Estúdio Ñandú Ltda', N'@nandu', NULL, NULL, 'youtube', 980000, '11.222.333/0001-81', N'São Paulo', 'SP', 'active', SYSDATETIME()),
    (3, N'João Gonçalves', N'@jgoncalves', N'joao@example.com.br', NULL, 'tiktok', 4300, '111.444.777-35', N'Recife', 'PE', 'inactive', SYSDATETIME());
IF NOT EXISTS (SELECT 1 FROM dbo.Campaigns)
INSERT INTO dbo.Campaigns VALUES
    (1, N'Campanha Verão — Açaí', N'Açaí Concept', '2026-12-01', '2027-02-28', 250000.0000, 'BRL', 'planned', SYSDATETIME()),
    (2, N'Lançamento Inverno', N'Havaianas', '2027-05-01', '2027-07-31', 80000.5000, NULL, 'planned', SYSDATETIME());
IF NOT EXISTS (SELECT 1 FROM dbo.Contracts)
INSERT INTO dbo.Contracts VALUES
    (10, 1, N'Campanha Verão — Açaí', 15000.5000, 'BRL', '2026-12-01', '2027-02-28', 'active', SYSDATETIME()),
    (11, 2, N'Lançamento Inverno', 0.0001, NULL, '2027-05-01', '2027-07-31', 'draft', SYSDATETIME());
GO
USE master;
IF SUSER_ID(N'dis_reader') IS NULL
    CREATE LOGIN dis_reader WITH PASSWORD = N'Leitura#2026', CHECK_POLICY = OFF, DEFAULT_DATABASE = ERP;
GO
USE ERP;
IF USER_ID(N'dis_reader') IS NULL
BEGIN
    CREATE USER dis_reader FOR LOGIN dis_reader;
    ALTER ROLE db_datareader ADD MEMBER dis_reader;
END
GO
