-- Migrations per run in $bins time bins, by direction and cause (the chart 'Migrations over time').
WITH w AS (
  SELECT run, greatest(1, ceil(max(ts + coalesce(dur, 0)) / $bins.0))::BIGINT AS width
  FROM events WHERE kind = 'migrate' GROUP BY run
)
SELECT e.run, (e.ts // w.width) * w.width AS t0, w.width,
       e.src || '->' || e.dst AS direction, e.cause,
       count(*) AS migrations, sum(e.bytes)::BIGINT AS bytes
FROM events e JOIN w USING (run)
WHERE e.kind = 'migrate'
GROUP BY ALL
ORDER BY e.run, t0, direction, e.cause
