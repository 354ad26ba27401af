"""Privacy duties: a contact person's AVG rights, inzage and erasure (`rights`), anonymising what has
passed its retention period (`retention`), and the audit log as admins review it (`audit_log`).

May import: the kernel, `reports` (the log's download as a report table, Dutch days) and `placements`
(which placements a reviewer may open).
"""
