"""Pure record-matching engine (no Django import).

Public API:

- `normalize`: `fold`, `name_tokens`, `phonetic_key`, `normalize_phone`, `normalize_document`
- `Record`, `blocking_keys(record) -> set[str]`
- `rank_candidates(probe, others, limit=10) -> list[Candidate]`, `MatchIndex`
- `Model` (`default_model()`, `update_from_labels`, `to_dict` / `from_dict`)
- `dedupe(records, threshold)`, `link(left, right, threshold)`
"""

from caminante.matching.blocking import blocking_keys
from caminante.matching.engine import DEFAULT_THRESHOLD, Match, dedupe, link
from caminante.matching.index import Candidate, MatchIndex, rank_candidates
from caminante.matching.model import FieldExplanation, Model, default_model
from caminante.matching.normalize import fold, name_tokens, normalize_document, normalize_phone, phonetic_key
from caminante.matching.record import Record

__all__ = [
    "DEFAULT_THRESHOLD",
    "Candidate",
    "FieldExplanation",
    "Match",
    "MatchIndex",
    "Model",
    "Record",
    "blocking_keys",
    "dedupe",
    "default_model",
    "fold",
    "link",
    "name_tokens",
    "normalize_document",
    "normalize_phone",
    "phonetic_key",
    "rank_candidates",
]
