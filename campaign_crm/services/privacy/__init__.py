"""Privacy duties: a contact person's AVG rights, inzage and erasure (`rights`), and anonymising what has
passed its retention period (`retention`).

May import: the kernel only.
"""
