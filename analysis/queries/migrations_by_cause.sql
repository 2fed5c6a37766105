-- Migrations per run, direction (source memory -> destination memory) and cause:
-- count, bytes and modeled transfer time. Evictions are migrate rows with cause 'eviction'.
SELECT run,
       src || '->' || dst   AS direction,
       cause,
       count(*)             AS migrations,
       sum(bytes)::BIGINT   AS bytes,
       sum(dur)::BIGINT     AS transfer_ns
FROM events
WHERE kind = 'migrate'
GROUP BY ALL
ORDER BY run, bytes DESC, direction, cause;
