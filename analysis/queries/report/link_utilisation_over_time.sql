-- Link utilisation per run and link direction that carried traffic, time-weighted into $bins bins
-- (the chart 'Link utilisation').
WITH u AS (
  SELECT run, entity AS link_dir, ts, dur, value FROM timeline WHERE metric = 'link_util'
), w AS (
  SELECT run, greatest(1, ceil(max(ts + dur) / $bins.0))::BIGINT AS width FROM u GROUP BY run
), busy AS (
  SELECT run, link_dir FROM u GROUP BY ALL HAVING max(value) > 0
)
SELECT u.run, u.link_dir, (u.ts // w.width) * w.width AS ts, w.width AS dur,
       round(sum(u.value * u.dur) / nullif(sum(u.dur), 0), 6) AS util
FROM u JOIN w USING (run) JOIN busy USING (run, link_dir)
GROUP BY ALL
ORDER BY u.run, u.link_dir, ts
