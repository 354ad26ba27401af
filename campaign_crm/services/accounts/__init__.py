"""Who may log in and as whom: users and their absences (`users`), partners and teams (`organisation`),
passwords, server-side sessions, set-up links and API tokens (`auth`), and two-factor login (`two_factor`).

May import: the kernel and `routing` (an absence or a deactivation hands open leads over).
"""
