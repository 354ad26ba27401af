"""The pipeline board (/bord): one's own open leads, or the team's, by stage; a card moves by the stage rules."""
from . import routes  # noqa: F401  (importing a view module registers its views on bp)
from .blueprint import bp

__all__ = ["bp"]
