"""Errors a person sees: a sentence in their language that says what to do next."""

from __future__ import annotations


class UserError(Exception):
    """An error meant for the user, carried in Chinese (first) and English."""

    def __init__(self, zh: str, en: str = "") -> None:
        super().__init__(zh)
        self.zh = zh
        self.en = en or zh

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh
