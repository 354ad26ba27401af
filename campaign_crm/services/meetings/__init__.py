"""Meetings with an employer on a lead and the advisors' calendars: planning, moving, cancelling and recording a
meeting as held (`records`), the iCalendar invitations queued to every attendee (`invitations`), and each user's
calendar feed behind a secret link (`feeds`).

A held adviesgesprek is logged as an activity of the lead, so it moves the lead to the stage `meeting` through the
lead service, as a logged one does.

May import: `leads` (the activity and the stage it moves), `mail` (the outbox the invitations go through).
"""
