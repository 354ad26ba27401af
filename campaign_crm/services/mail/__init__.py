"""Outgoing e-mail: the outbox (`outbox`: a message is queued in the transaction of the change that causes it, with
an idempotency key, and sent later, claimed safely by parallel senders, retried with back-off and given up after
MAIL_MAX_ATTEMPTS), the SMTP or console transport (`transport`), and the notices users get (`notices`: a lead
assigned to or taken from you, summaries for bulk work, the daily digest) with their per-user preferences.

May import: the kernel only.
"""
