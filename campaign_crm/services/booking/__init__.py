"""Adviesgesprekken that employers book themselves: the advisors' bookable hours (`availability`), the free times
computed from them in Europe/Amsterdam (`slots`), and the offer after the campaign form, the booking, moving and
cancelling it by its secret link, and the call-back request (`bookings`).

A booking goes through the services that own each part: the lead is assigned through `leads.lifecycle`, the meeting
is planned, moved and cancelled through `meetings.records` (so it is in the advisor's agenda and feed and its
invitations go out through the outbox), and the call-back request is a next action logged through
`leads.activities`.

May import: `routing` (who would get the lead), `leads` (assignment, next action), `meetings` (the meeting and its
invitations), `mail` (the confirmation through the outbox).
"""
