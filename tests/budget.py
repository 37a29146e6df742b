"""How many examples a Hypothesis property runs under the loaded profile (tests/conftest.py registers them)."""
from __future__ import annotations

from hypothesis import settings


def examples(budget: int) -> int:
    """`budget` under the `ci` profile; under `dev`, the same share of it as `dev` runs of `ci`'s default, and
    never fewer than 10. A slow property keeps its weight against the others whichever profile runs."""
    share = settings.default.max_examples / settings.get_profile("ci").max_examples
    return max(10, round(budget * share))
