-- What the exporter did when a peer mapping could not go through the BAR: fallbacks to system
-- memory, the bounces they caused, refused mappings and revocations, per run, kind, agent and object.
-- Runs in natural variant order (runs.seq: 256MiB before 1GiB), not by the text of their ids.
WITH result AS (
SELECT run, kind, agent, obj,
       count(*)                      AS events,
       coalesce(sum(bytes), 0)::BIGINT AS bytes,
       min(ts)                       AS first_ts
FROM events
WHERE kind IN ('fallback', 'bounce', 'map_refused', 'revoke')
GROUP BY ALL
)
SELECT * FROM result
ORDER BY (SELECT seq FROM runs r WHERE r.run = result.run), kind, bytes DESC, agent, obj;
