"""Campaigns, their phases and the channels (with UTM values) leads arrive through (`campaigns`), ad codes
that open the campaign form pre-filled (`ad_codes`), and their QR codes (`qr`).

May import: the kernel only.
"""
