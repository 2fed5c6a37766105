-- Every modeled migration transfer of a run, in time order: what `hetmem calibrate` compares with the
-- observed Unified Memory transfers (one CUPTI memcpy row per contiguous run with one cause).
SELECT run, ts, dur, src, dst, addr, bytes, cause
FROM events
WHERE kind = 'migrate' AND bytes > 0
ORDER BY run, ts, addr;
