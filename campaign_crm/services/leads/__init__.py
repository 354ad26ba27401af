"""A lead's life once it exists: stage changes and assignments (`lifecycle`, the only writer of either),
work logged on it (`activities`), vacancies registered from it (`vacancies`), the read queries behind the
lists and the lead page (`queries`), and the start page's numbers (`overview`).

May import: the kernel only.
"""
