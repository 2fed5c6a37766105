-- Bytes per variant by what moved them (the chart 'Variants: bytes moved').
SELECT run, kind, bytes FROM (
  SELECT run, 'migrated (excl. eviction)' AS kind, migrated_bytes - evicted_bytes AS bytes, 1 AS o FROM runs
  UNION ALL SELECT run, 'evicted', evicted_bytes, 2 FROM runs
  UNION ALL SELECT run, 'bounced via host', bounce_bytes, 3 FROM runs
  UNION ALL SELECT run, 'remote access', remote_bytes, 4 FROM runs
) ORDER BY run, o
