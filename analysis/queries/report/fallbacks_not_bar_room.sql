-- Per run, the P2P fallbacks a larger BAR cannot remove (cause other than bar_full: the path blocks
-- P2P or its reads) and their causes, for capacity planning.
SELECT run, count(*) AS n, string_agg(DISTINCT cause, ',' ORDER BY cause) AS causes
FROM events WHERE kind = 'fallback' AND cause IS DISTINCT FROM 'bar_full' GROUP BY run
