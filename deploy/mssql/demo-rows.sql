-- Demo rows for the compose stack's ERP, after init.sql: 500 influencers (ID 1001-1500) and 1,500
-- contracts (ID 10001-11500), generated with a numbers CTE. Documents are CPFs with real check
-- digits. Five influencers (ID 1100, 1200, ..., 1500) carry a malformed e-mail on purpose, so a
-- run shows rejected records: rejected, counted and kept, never dropped or swept.
-- Run once by the `mssql-init` service of compose.yaml; running it again changes nothing.
USE ERP;
GO
IF NOT EXISTS (SELECT 1 FROM dbo.Influencers WHERE ID > 1000)
BEGIN
    ;WITH n AS (
        SELECT TOP (500) CAST(ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS INT) AS k
        FROM sys.all_objects AS a CROSS JOIN sys.all_objects AS b
    ),
    base AS (
        SELECT k, RIGHT('000000000' + CAST((k * 7919 + 104729) % 1000000000 AS VARCHAR(9)), 9) AS digits
        FROM n
    )
    INSERT INTO dbo.Influencers
        (ID, NAME, HANDLE, EMAIL, PHONE, PLATFORM, FOLLOWERS, DOCUMENT, CITY, STATE, STATUS, UPDATED_AT)
    SELECT
        1000 + b.k,
        CONCAT(CHOOSE(b.k % 8 + 1, N'Ana', N'Bruno', N'Camila', N'Diego', N'Érica', N'Fábio', N'Gabriela', N'Heitor'),
               N' ',
               CHOOSE((b.k / 8) % 8 + 1, N'Silva', N'Souza', N'Conceição', N'Araújo', N'Gonçalves', N'Lima', N'Pereira', N'Ribeiro')),
        CONCAT(N'@demo', 1000 + b.k),
        CASE WHEN b.k % 100 = 0 THEN N'not-an-e-mail'
             WHEN b.k % 5 = 0 THEN NULL
             ELSE CONCAT(N'demo', 1000 + b.k, N'@example.com.br') END,
        CASE WHEN b.k % 3 = 0 THEN NULL
             ELSE CONCAT('119', RIGHT('00000000' + CAST(b.k * 7 AS VARCHAR(8)), 8)) END,
        CHOOSE(b.k % 6 + 1, 'instagram', 'tiktok', 'youtube', 'twitch', 'kwai', 'other'),
        (b.k * 7919) % 2000000,
        CONCAT(b.digits, c1.d1, c2.d2),
        CHOOSE(b.k % 6 + 1, N'São Paulo', N'Rio de Janeiro', N'Belo Horizonte', N'Curitiba', N'Recife', N'Porto Alegre'),
        CHOOSE(b.k % 6 + 1, 'SP', 'RJ', 'MG', 'PR', 'PE', 'RS'),
        CASE WHEN b.k % 17 = 0 THEN 'blocked' WHEN b.k % 7 = 0 THEN 'inactive' ELSE 'active' END,
        DATEADD(MINUTE, -b.k, SYSDATETIME())
    FROM base AS b
    -- CPF check digits: weights 10..2 for the first, 11..2 (over nine digits and the first) for
    -- the second; a remainder below 2 gives 0.
    CROSS APPLY (SELECT SUM(CAST(SUBSTRING(b.digits, p.i, 1) AS INT) * (11 - p.i)) AS s
                 FROM (VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS p(i)) AS w1
    CROSS APPLY (SELECT CASE WHEN w1.s % 11 < 2 THEN 0 ELSE 11 - w1.s % 11 END AS d1) AS c1
    CROSS APPLY (SELECT SUM(CAST(SUBSTRING(b.digits, p.i, 1) AS INT) * (12 - p.i)) + c1.d1 * 2 AS s
                 FROM (VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS p(i)) AS w2
    CROSS APPLY (SELECT CASE WHEN w2.s % 11 < 2 THEN 0 ELSE 11 - w2.s % 11 END AS d2) AS c2;
END
GO
IF NOT EXISTS (SELECT 1 FROM dbo.Contracts WHERE ID > 10000)
BEGIN
    ;WITH n AS (
        SELECT TOP (1500) CAST(ROW_NUMBER() OVER (ORDER BY (SELECT NULL)) AS INT) AS k
        FROM sys.all_objects AS a CROSS JOIN sys.all_objects AS b
    )
    INSERT INTO dbo.Contracts
        (ID, INFLUENCER_ID, CAMPAIGN, AMOUNT, CURRENCY, STARTS_ON, ENDS_ON, STATUS, UPDATED_AT)
    SELECT
        10000 + n.k,
        1000 + (n.k - 1) % 500 + 1,
        CONCAT(N'Campanha ', CHOOSE(n.k % 4 + 1, N'Verão', N'Inverno', N'Black Friday', N'Dia das Mães'), N' #', n.k),
        CAST((n.k * 7919) % 5000000 AS DECIMAL(19, 4)) / 100,
        CASE WHEN n.k % 10 = 0 THEN NULL WHEN n.k % 25 = 0 THEN 'USD' ELSE 'BRL' END,
        DATEADD(DAY, n.k % 365, CAST('2026-01-01' AS DATE)),
        DATEADD(DAY, 30 + n.k % 120 + n.k % 365, CAST('2026-01-01' AS DATE)),
        CHOOSE(n.k % 4 + 1, 'draft', 'active', 'finished', 'cancelled'),
        DATEADD(SECOND, -n.k, SYSDATETIME())
    FROM n;
END
GO
