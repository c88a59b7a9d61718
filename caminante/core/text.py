"""Clean text at the door: the one normaliser for names and free text from forms, API and imports.

A name must display as what it is: NFC-normalised, without control characters, bidirectional
overrides or zero-width characters (U+202E can make "Ana" show as something else; U+200B makes
two equal names compare different). Line breaks and tabs survive in free text only.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Bidirectional embeddings, overrides and isolates, zero-width and invisible format characters.
INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f"  # zero-width space/non-joiner/joiner, LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible operators
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u3164\ufeff\uffa0"
)
KEEP_IN_FREE_TEXT = frozenset("\n\t")


def _visible(ch: str, *, multiline: bool) -> bool:
    if ch in INVISIBLE:
        return False
    if multiline and ch in KEEP_IN_FREE_TEXT:
        return True
    category = unicodedata.category(ch)
    # Cc control, Cf format (other invisible marks), Cs surrogates, Co private use, Cn unassigned.
    return not category.startswith("C")


def clean_text(value: object, *, multiline: bool = False) -> str:
    """NFC, invisible and control characters removed; a one-line value has its whitespace
    collapsed, free text keeps its line breaks (CRLF folded to LF) with each line trimmed."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch if _visible(ch, multiline=multiline) else ("" if ch in INVISIBLE else " ") for ch in text)
    if multiline:
        lines = [" ".join(line.split()) for line in text.split("\n")]
        return "\n".join(lines).strip("\n")
    return " ".join(text.split())


def clean_name(value: object, *, field: str, max_length: int) -> str:
    """A cleaned one-line name or label; a value over `max_length` is refused, never cut."""
    text = clean_text(value)
    if len(text) > max_length:
        raise ValidationError(
            {field: _("At most %(max)s characters (this has %(n)s).") % {"max": max_length, "n": len(text)}}
        )
    return text
