-- Every model event of one run ($run), in the order the run wrote them (ts, then emission order):
-- the slices of `hetmem export --format perfetto`.
SELECT ts, dur, kind, cause, agent, src, dst, addr, bytes, obj
FROM events
WHERE run = $run
