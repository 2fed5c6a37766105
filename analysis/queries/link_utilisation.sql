-- Link utilisation per run, link and direction: bytes carried, time-weighted mean and peak
-- utilisation over the timeline intervals, busy time and peak from summary.json, and headroom
-- (1 - peak utilisation: how much more traffic the busiest interval could take).
-- Runs in natural variant order (runs.seq: 256MiB before 1GiB), not by the text of their ids.
WITH t AS (
  SELECT run,
         regexp_extract(entity, '^(.*):([^:]*)$', 1) AS link,
         regexp_extract(entity, '^(.*):([^:]*)$', 2) AS dir,
         sum(value) FILTER (WHERE metric = 'link_bytes')                     AS bytes,
         sum(value * dur) FILTER (WHERE metric = 'link_util')
           / nullif(sum(dur) FILTER (WHERE metric = 'link_util'), 0)         AS mean_util,
         max(value) FILTER (WHERE metric = 'link_util')                      AS peak_util
  FROM timeline
  WHERE metric IN ('link_bytes', 'link_util')
  GROUP BY ALL
), result AS (
SELECT coalesce(l.run, t.run)   AS run,
       coalesce(l.link, t.link) AS link,
       coalesce(l.dir, t.dir)   AS dir,
       coalesce(l.bytes, t.bytes)::BIGINT AS bytes,
       l.busy_ns,
       l.transfers,
       round(t.mean_util, 4)    AS mean_util,
       round(greatest(coalesce(t.peak_util, 0), coalesce(l.peak_util, 0)), 4)     AS peak_util,
       round(1 - greatest(coalesce(t.peak_util, 0), coalesce(l.peak_util, 0)), 4) AS headroom
FROM links l
FULL OUTER JOIN t ON l.run = t.run AND l.link = t.link AND l.dir = t.dir
)
SELECT * FROM result
ORDER BY (SELECT seq FROM runs r WHERE r.run = result.run), link, dir;
