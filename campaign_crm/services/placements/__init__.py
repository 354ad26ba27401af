"""Jobs and keeping them: placements registered from a lead (`records`), who sees them and who acted
(`access`, shared by the rest), retention check-ins and the LKV deadline (`checkins`), risk cases and
interventions (`risk`), and jobcoach organisations with their signal links (`jobcoaches`).

Inside the package the arrows go records → checkins → risk → access.

May import: the kernel and `leads`.
"""
