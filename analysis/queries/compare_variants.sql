-- One row per run with its variant keys and headline numbers from summary.json, side by side.
-- migration_gbps: migrated bytes per modeled second (bytes per ns = GB/s).
SELECT *,
       round(migrated_bytes / nullif(end_ns, 0), 4) AS migration_gbps
FROM runs
ORDER BY run;
