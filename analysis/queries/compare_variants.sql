-- Runs side by side: one row per run with its variant keys and headline numbers from summary.json,
-- in natural variant order (seq: sizes by size, numbers by value).
-- migration_gbps: migrated bytes per modeled second (bytes per ns = GB/s).
SELECT *,
       round(migrated_bytes / nullif(end_ns, 0), 4) AS migration_gbps
FROM runs
ORDER BY seq;
