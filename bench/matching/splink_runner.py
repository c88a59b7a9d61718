"""Splink (DuckDB backend) on the same records, configured as its documentation recommends:
name comparisons with term-frequency adjustments, a date-of-birth comparison, exact matches on
the identifying fields, probability of a random match from deterministic rules, u by random
sampling, m by EM over two blocking passes, predictions at match probability 0.9."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from caminante.matching.normalize import fold, name_tokens, normalize_document, normalize_phone
from caminante.matching.record import Record

SPLINK_THRESHOLD = 0.9


def _rows(records: Sequence[Record]) -> list[dict[str, Any]]:
    rows = []
    for r in records:
        fam = name_tokens(r.family_names)
        giv = name_tokens(r.given_names)
        rows.append(
            {
                "unique_id": r.record_id,
                "first_name": giv[0] if giv else None,
                "middle_name": " ".join(giv[1:]) or None,
                "surname": fam[0] if fam else None,
                "surname_2": " ".join(fam[1:]) or None,
                "dob": r.birth_date.isoformat() if r.birth_date else None,
                "birth_year": str(r.birth_year or (r.birth_date.year if r.birth_date else "")) or None,
                "sex": (r.sex or "").upper()[:1] or None,
                "place": fold(r.place_of_origin) or None,
                "phone": normalize_phone(r.phone) if r.phone else None,
                "document": normalize_document(r.document_number) or None,
            }
        )
    return rows


def _settings(link_type: str) -> Any:
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname_2"),
            cl.JaroWinklerAtThresholds("middle_name", [0.9]),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("birth_year"),
            cl.ExactMatch("sex"),
            cl.ExactMatch("phone"),
            cl.LevenshteinAtThresholds("document", [1]),
            cl.JaroWinklerAtThresholds("place", [0.9]).configure(term_frequency_adjustments=True),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname"),
            block_on("surname", "dob"),
            block_on("first_name", "dob"),
            block_on("surname", "birth_year"),
            block_on("phone"),
            block_on("document"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def run(records_a: Sequence[Record], records_b: Sequence[Record] | None = None) -> list[tuple[str, str, float]]:
    import pandas as pd
    from splink import DuckDBAPI, Linker, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    db = DuckDBAPI()
    link_type = "dedupe_only" if records_b is None else "link_only"
    frames = [db.register(pd.DataFrame(_rows(records_a)))]
    if records_b is not None:
        frames.append(db.register(pd.DataFrame(_rows(records_b))))
    linker = Linker(frames if len(frames) > 1 else frames[0], _settings(link_type))
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "dob"), block_on("document")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname", "dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    pred = linker.inference.predict(threshold_match_probability=SPLINK_THRESHOLD).as_pandas_dataframe()
    if records_b is not None:
        left_ids = {r.record_id for r in records_a}
        out = []
        for a, b, p in zip(pred["unique_id_l"], pred["unique_id_r"], pred["match_probability"], strict=True):
            out.append((a, b, p) if a in left_ids else (b, a, p))
        return out
    return list(zip(pred["unique_id_l"], pred["unique_id_r"], pred["match_probability"], strict=True))
