"""One prompt catalogue per language; the keys and placeholders are the same in each."""
from __future__ import annotations

from . import en, zh

CATALOGUES: dict[str, dict[str, str]] = {"zh": zh.PROMPTS, "en": en.PROMPTS}
LANGUAGES = tuple(CATALOGUES)
