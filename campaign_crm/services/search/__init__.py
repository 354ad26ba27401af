"""The search box in the header: what was typed, read as the keys it can be (`terms`), and the employers,
contacts and leads those keys find within what the searcher may see (`finder`).

May import: the kernel only.
"""
