"""How a lead comes in: the one intake path every touchpoint goes through (`intake`), the public campaign
form in front of it (`public_form`), and livestream and meeting registrations that become leads
(`events`).

May import: the kernel, `campaigns`, `leads` (the last touch of the leads it writes to) and `routing`.
"""
