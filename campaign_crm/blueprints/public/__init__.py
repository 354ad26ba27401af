"""Public pages without login: the campaign form, ad-code short links, event registration, booking an
adviesgesprek and the link to move or cancel it."""
from . import booking, routes  # noqa: F401  (importing a view module registers its views on bp)
from .blueprint import bp

__all__ = ["bp"]
