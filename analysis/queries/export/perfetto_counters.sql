-- Counter samples of one run ($run) for `hetmem export --format perfetto`: a value per track and time.
-- BAR-mapped and resident bytes are "at interval end" figures, so they are stamped at ts + dur;
-- link utilisation is the interval's average, stamped at its start and closed with a 0 at the end of
-- the last interval of each link direction.
WITH t AS (
  SELECT ts, dur, metric, entity, value FROM timeline WHERE run = $run
), samples AS (
  SELECT ts + dur AS ts, 'BAR mapped bytes ' || entity AS name, value FROM t WHERE metric = 'bar_mapped_bytes'
  UNION ALL
  SELECT ts + dur, 'resident bytes ' || entity, value FROM t WHERE metric = 'resident_bytes'
  UNION ALL
  SELECT ts, 'link utilisation ' || entity, value FROM t WHERE metric = 'link_util'
  UNION ALL
  SELECT max(ts + dur), 'link utilisation ' || entity, 0 FROM t WHERE metric = 'link_util' GROUP BY entity
)
SELECT ts, name, value FROM samples ORDER BY name, ts
