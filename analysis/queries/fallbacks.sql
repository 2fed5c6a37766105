-- What the exporter did when a peer mapping could not go through the BAR: fallbacks to system
-- memory, the bounces they caused, refused mappings and revocations, per run, kind, agent and object.
SELECT run, kind, agent, obj,
       count(*)                      AS events,
       coalesce(sum(bytes), 0)::BIGINT AS bytes,
       min(ts)                       AS first_ts
FROM events
WHERE kind IN ('fallback', 'bounce', 'map_refused', 'revoke')
GROUP BY ALL
ORDER BY run, kind, bytes DESC, agent, obj;
