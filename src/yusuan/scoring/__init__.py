"""How good a disclosure is: each requirement of the disclosure rules as a machine-checked item, with its
points and source clause (data/scoring/*.toml), scored on the model and the check's findings."""

from yusuan.scoring.items import Timing
from yusuan.scoring.method import Item, Method, load_method
from yusuan.scoring.score import STATUS_NAMES, Policy, Score, score

__all__ = ["STATUS_NAMES", "Item", "Method", "Policy", "Score", "Timing", "load_method", "score"]
