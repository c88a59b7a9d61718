"""The FAQ assistant's pure engine (no Django): language detection, normalisation, topic ranking
with a calibrated confidence and abstention, answers in Spanish, Portuguese and English."""

from .engine import Engine, Result, ask, default_engine
from .langdetect import detect
from .normalize import normalise, tokens

__all__ = ["Engine", "Result", "ask", "default_engine", "detect", "normalise", "tokens"]
