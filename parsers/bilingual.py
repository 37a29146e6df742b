"""A text in both languages the gateway speaks, Chinese first: the one order every bilingual table keeps."""
from __future__ import annotations

from typing import NamedTuple


class Bilingual(NamedTuple):
    """The same words in Chinese and English; read them by name, never by position."""

    zh: str
    en: str

    def text(self, language: str) -> str:
        """The words in `language`: English when asked for, else Chinese (the deployment's default)."""
        return self.en if language == "en" else self.zh
