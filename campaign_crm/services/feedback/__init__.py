"""Check-ins answered by link: at each scheduled check-in the employer's contact, the external jobcoach and (with
consent) the employee get a short e-mail with a secret link to three questions (`links`: sending, the one
reminder, answering, what the advisor sees); the employee's consent and address (`voice`).

An answer lands on the placement's check-in through `placements.checkins`, and an amber or red one opens the risk
case through `placements.risk`, the same services a check-in recorded by hand uses.

May import: the kernel, `placements` and `mail` (the outbox).
"""
