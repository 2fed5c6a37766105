-- Where each agent waited, per run: the modeled service time of the events that stall their
-- initiator (GPU fault batches, CPU faults and the migrations they trigger, NIC network page
-- faults, ODP invalidations, CPU PTE faults on driver objects, bounces, remote accesses,
-- throttling), beside the agent's total stall from the timeline. A GPU's faults and migrations are
-- costed by its fault_batch rows, so they are not counted again. Stall no event explains (an
-- importer waiting on the exporter's mapping, a sync on queued copies) is the `unattributed` row, so
-- an agent's reasons add up to at least its total.
-- Runs in natural variant order (runs.seq: 256MiB before 1GiB), not by the text of their ids.
WITH e AS (
  SELECT run, agent,
         CASE WHEN kind = 'fault' THEN 'cpu_fault'
              WHEN kind = 'migrate' THEN 'migrate:' || coalesce(cause, 'unknown')
              ELSE kind END AS reason,
         count(*)            AS events,
         sum(dur)::BIGINT    AS time_ns
  FROM events
  WHERE kind IN ('fault_batch', 'nic_fault', 'invalidate', 'cpu_pte_fault', 'bounce', 'remote', 'throttle')
     OR (kind IN ('fault', 'migrate') AND agent NOT LIKE 'gpu%')
  GROUP BY ALL
), total AS (
  SELECT run, entity AS agent, sum(value)::BIGINT AS agent_stall_ns
  FROM timeline
  WHERE metric = 'stall_ns'
  GROUP BY ALL
), attributed AS (
  SELECT run, agent, sum(time_ns) AS time_ns FROM e GROUP BY ALL
), result AS (
SELECT e.run, e.agent, e.reason, e.events, e.time_ns::BIGINT AS time_ns,
       coalesce(total.agent_stall_ns, 0) AS agent_stall_ns
FROM e
LEFT JOIN total ON e.run = total.run AND e.agent = total.agent
UNION ALL
SELECT total.run, total.agent, 'unattributed', 0,
       (total.agent_stall_ns - coalesce(attributed.time_ns, 0))::BIGINT, total.agent_stall_ns
FROM total
LEFT JOIN attributed ON attributed.run = total.run AND attributed.agent = total.agent
WHERE total.agent_stall_ns > coalesce(attributed.time_ns, 0)
)
SELECT * FROM result
ORDER BY (SELECT seq FROM runs r WHERE r.run = result.run), agent, time_ns DESC, reason;
