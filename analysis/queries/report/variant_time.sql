-- Modeled end and total stall per variant (the chart 'Variants: modeled time').
SELECT run, preset, 'modeled time' AS measure, end_ns AS ns FROM runs
UNION ALL
SELECT run, preset, 'total stall' AS measure, stall_ns AS ns FROM runs
ORDER BY run, measure
