-- BAR bytes mapped per run and GPU: the most at any interval end within each of $bins time bins per run,
-- with the aperture (the chart 'BAR aperture: mapped bytes over time').
WITH m AS (
  SELECT run, entity AS gpu, ts, dur, value FROM timeline WHERE metric = 'bar_mapped_bytes'
), w AS (
  SELECT run, greatest(1, ceil(max(ts + dur) / $bins.0))::BIGINT AS width FROM m GROUP BY run
)
SELECT m.run, m.gpu, (m.ts // w.width) * w.width AS ts, w.width AS dur,
       max(m.value)::BIGINT AS mapped_bytes, any_value(b.aperture_bytes) AS aperture_bytes
FROM m JOIN w USING (run) LEFT JOIN bar b ON b.run = m.run AND b.gpu = m.gpu
GROUP BY ALL
ORDER BY m.run, m.gpu, ts
