-- Where each agent waited, per run: the modeled service time of the events that stall their
-- initiator (GPU fault batches, CPU faults and the migrations they trigger, NIC network page
-- faults, ODP invalidations, CPU PTE faults on driver objects, bounces, remote accesses,
-- throttling), beside the agent's total stall from the timeline. A GPU's faults and migrations are
-- costed by its fault_batch rows, so they are not counted again.
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
)
SELECT coalesce(e.run, total.run)     AS run,
       coalesce(e.agent, total.agent) AS agent,
       coalesce(e.reason, 'total')    AS reason,
       coalesce(e.events, 0)          AS events,
       coalesce(e.time_ns, 0)::BIGINT AS time_ns,
       coalesce(total.agent_stall_ns, 0) AS agent_stall_ns
FROM e
FULL OUTER JOIN total ON e.run = total.run AND e.agent = total.agent
ORDER BY run, agent, time_ns DESC, reason;
