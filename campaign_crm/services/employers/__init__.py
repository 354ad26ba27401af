"""The shared regional employer record: lists, the employer and contact pages and their edits (`records`),
likely duplicates (`duplicates`), and merging two records into one (`merge`).

May import: the kernel and `leads`.
"""
