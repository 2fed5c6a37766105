-- BAR aperture pressure per run and GPU: aperture, mapped bytes over time (peak and time-weighted
-- mean from the timeline; p50/p99 and time full from summary.json) and the exporter's answers when
-- it had no room (fallbacks to system memory, refused and revoked mappings).
-- Runs in natural variant order (runs.seq: 256MiB before 1GiB), not by the text of their ids.
WITH t AS (
  SELECT run, entity AS gpu,
         max(value)                                 AS peak_mapped_bytes,
         sum(value * dur) / nullif(sum(dur), 0)     AS mean_mapped_bytes
  FROM timeline
  WHERE metric = 'bar_mapped_bytes'
  GROUP BY ALL
), e AS (
  SELECT run,
         count(*) FILTER (WHERE kind = 'fallback')    AS fallbacks,
         count(*) FILTER (WHERE kind = 'map_refused') AS refused,
         count(*) FILTER (WHERE kind = 'revoke')      AS revocations,
         coalesce(sum(bytes) FILTER (WHERE kind = 'bounce'), 0)::BIGINT AS bounce_bytes
  FROM events
  GROUP BY run
), result AS (
SELECT coalesce(b.run, t.run)                         AS run,
       coalesce(b.gpu, t.gpu)                         AS gpu,
       b.aperture_bytes,
       coalesce(t.peak_mapped_bytes, b.peak_bytes)::BIGINT AS peak_mapped_bytes,
       round(t.mean_mapped_bytes)::BIGINT             AS mean_mapped_bytes,
       b.p50_bytes, b.p99_bytes,
       round(coalesce(t.peak_mapped_bytes, b.peak_bytes) / nullif(b.aperture_bytes, 0), 4) AS peak_fill,
       b.full_ns,
       coalesce(e.fallbacks, 0)    AS fallbacks,
       coalesce(e.refused, 0)      AS refused,
       coalesce(e.revocations, 0)  AS revocations,
       coalesce(e.bounce_bytes, 0) AS bounce_bytes
FROM bar b
FULL OUTER JOIN t ON b.run = t.run AND b.gpu = t.gpu
LEFT JOIN e ON e.run = coalesce(b.run, t.run)
)
SELECT * FROM result
ORDER BY (SELECT seq FROM runs r WHERE r.run = result.run), gpu;
