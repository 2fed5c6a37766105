-- The 20 objects per run that moved the most bytes: migrations, bounces, driver-object moves and
-- remote accesses, one row per object and kind, ranked by the object's total.
-- Runs in natural variant order (runs.seq: 256MiB before 1GiB), not by the text of their ids.
WITH per AS (
  SELECT run, obj, kind, count(*) AS events, sum(bytes) AS bytes
  FROM events
  WHERE obj IS NOT NULL AND bytes > 0 AND kind IN ('migrate', 'bounce', 'bo_move', 'remote')
  GROUP BY ALL
), ranked AS (
  SELECT run, obj, sum(bytes) AS total_bytes,
         row_number() OVER (PARTITION BY run ORDER BY sum(bytes) DESC, obj) AS rank
  FROM per
  GROUP BY run, obj
), result AS (
SELECT per.run, ranked.rank, per.obj, per.kind, per.events,
       per.bytes::BIGINT AS bytes, ranked.total_bytes::BIGINT AS total_bytes
FROM per JOIN ranked USING (run, obj)
WHERE ranked.rank <= 20
)
SELECT * FROM result
ORDER BY (SELECT seq FROM runs r WHERE r.run = result.run), rank, kind;
