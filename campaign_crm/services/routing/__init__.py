"""Who works which lead, and in which order: the routing engine (`engine`: the pure choice of an advisor and
the steps around it, safe under concurrency), the routing rules (`rules`), the queues and workload
(`queues`) with each user's saved views of them (`queue_views`), the priority score (`priority`), the SLA ladder
for first contact (`sla`) and work on many leads at once with an outcome per lead (`bulk`: reassign, take, plan a
next action, export).

May import: the kernel, `leads` and `mail` (bulk routing sends one notice per advisor).
"""
