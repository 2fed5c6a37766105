-- Migrations per run, direction (source memory -> destination memory) and cause:
-- count, bytes and modeled transfer time. Evictions are migrate rows with cause 'eviction'.
-- Runs in natural variant order (runs.seq: 256MiB before 1GiB), not by the text of their ids.
WITH result AS (
SELECT run,
       src || '->' || dst   AS direction,
       cause,
       count(*)             AS migrations,
       sum(bytes)::BIGINT   AS bytes,
       sum(dur)::BIGINT     AS transfer_ns
FROM events
WHERE kind = 'migrate'
GROUP BY ALL
)
SELECT * FROM result
ORDER BY (SELECT seq FROM runs r WHERE r.run = result.run), bytes DESC, direction, cause;
