"""A lead's life once it exists: stage changes and assignments (`lifecycle`, the only writer of either),
work logged on it (`activities`), vacancies registered from it (`vacancies`), the read queries behind the
lists and the lead page (`queries`), the start page's numbers (`overview`), the pipeline board by stage
(`board`: a card's move is a stage change) and the last-touch attribution kept on the lead (`attribution`).

May import: the kernel and `mail` (an assignment notifies the advisors concerned).
"""
