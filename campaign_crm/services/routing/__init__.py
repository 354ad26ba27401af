"""Who works which lead, and in which order: the routing engine (`engine`: the pure choice of an advisor and
the steps around it, safe under concurrency), the routing rules (`rules`), the queues and workload
(`queues`), the priority score (`priority`), the SLA ladder for first contact (`sla`) and reassigning many
leads at once with an outcome per lead (`bulk`).

May import: the kernel, `leads` and `mail` (bulk routing sends one notice per advisor).
"""
