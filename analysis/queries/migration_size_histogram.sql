-- Migrations per power-of-two size bucket: a row counts migrations with size_lo <= bytes < 2 * size_lo.
-- Many small migrations mean per-transfer overhead dominates (REFERENCE.md 3.8).
-- Runs in natural variant order (runs.seq: 256MiB before 1GiB), not by the text of their ids.
WITH result AS (
SELECT run,
       (1::BIGINT << floor(log2(bytes))::INTEGER) AS size_lo,
       cause,
       count(*)            AS migrations,
       sum(bytes)::BIGINT  AS bytes
FROM events
WHERE kind = 'migrate' AND bytes > 0
GROUP BY ALL
)
SELECT * FROM result
ORDER BY (SELECT seq FROM runs r WHERE r.run = result.run), size_lo, cause;
