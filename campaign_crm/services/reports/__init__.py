"""Management reports: one implementation of each metric, used by the pages, the API, the exports
and the benchmark alike. Every number comes from a GROUP BY in the database; Python only shapes
the aggregated rows (and numpy draws the survival curves from aggregated counts). `exports` turns a
report into tables, CSV, XLSX and the tertaal monitor workbook.

May import: the kernel only.
"""
