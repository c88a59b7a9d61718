"""The pure eligibility rules engine."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caminante.cash import rules
from caminante.cash.codes import RANDOM_BITS, CodeError, new_voucher_code, parse

VULNERABLE = {
    "any": [
        {"fact": "child_under_5"},
        {"fact": "pregnant_member"},
        {"fact": "member_with_disability"},
        {"fact": "days_in_transit", "op": "<", "value": 30},
    ]
}


def test_any_includes_with_the_condition_that_held():
    decision = rules.evaluate(VULNERABLE, {"child_under_5": False, "pregnant_member": True, "days_in_transit": None})
    assert decision.eligible
    assert [c.fact for c in decision.reasons] == ["pregnant_member"]
    assert "pregnant_member" in decision.explanation()[0]


def test_excluded_household_is_told_every_condition_it_missed():
    facts = {"child_under_5": False, "pregnant_member": False, "member_with_disability": False, "days_in_transit": 45}
    decision = rules.evaluate(VULNERABLE, facts)
    assert not decision.eligible
    assert {c.fact for c in decision.reasons} == {
        "child_under_5",
        "pregnant_member",
        "member_with_disability",
        "days_in_transit",
    }
    assert all(not c.held for c in decision.reasons)


def test_missing_fact_never_satisfies_a_comparison():
    assert not rules.evaluate({"fact": "days_in_transit", "op": "<", "value": 30}, {}).eligible
    assert rules.evaluate({"not": {"fact": "days_in_transit", "op": "<", "value": 30}}, {}).eligible


def test_all_and_not():
    rule = {"all": [{"fact": "household_size", "op": ">=", "value": 3}, {"not": {"fact": "host_community"}}]}
    assert rules.evaluate(rule, {"household_size": 4, "host_community": False}).eligible
    decision = rules.evaluate(rule, {"household_size": 2, "host_community": False})
    assert not decision.eligible and [c.fact for c in decision.reasons] == ["household_size"]


def test_no_rule_includes_everyone():
    assert rules.evaluate({}, {"x": 1}).eligible


@pytest.mark.parametrize(
    "bad", [{"any": []}, {"fact": "x", "op": "~"}, {"foo": 1}, [], {"not": {}}, {"all": "x"}, {"fact": ""}]
)
def test_malformed_rules_are_refused(bad):
    with pytest.raises(rules.RuleError):
        rules.validate(bad)


def test_amount_for_household_size_table():
    table = [[1, "50.00"], [3, "90.00"], [5, "120.00"]]
    assert rules.amount_for_size(table, 1) == "50.00"
    assert rules.amount_for_size(table, 2) == "90.00"
    assert rules.amount_for_size(table, 5) == "120.00"
    assert rules.amount_for_size(table, 9) == "120.00"
    assert rules.amount_for_size([], 2) is None


leaf = st.builds(
    lambda fact, op, value: {"fact": fact, "op": op, "value": value},
    st.sampled_from(["a", "b", "c"]),
    st.sampled_from(["==", "!=", "<", ">=", ">"]),
    st.integers(0, 5),
)
rule_strategy = st.recursive(
    leaf,
    lambda children: st.one_of(
        st.builds(lambda xs: {"any": xs}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda xs: {"all": xs}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, children),
    ),
    max_leaves=8,
)
facts_strategy = st.fixed_dictionaries({k: st.one_of(st.none(), st.integers(0, 5)) for k in "abc"})


@given(rule_strategy, facts_strategy)
def test_not_inverts_and_reasons_come_from_the_rule(rule, facts):
    decision = rules.evaluate(rule, facts)
    assert rules.evaluate({"not": rule}, facts).eligible is (not decision.eligible)
    assert {c.fact for c in decision.reasons} <= rules.facts_used(rule)
    assert decision.reasons, "every decision is explained"


@given(rule_strategy, rule_strategy, facts_strategy)
def test_any_all_match_python_semantics(r1, r2, facts):
    a, b = rules.evaluate(r1, facts).eligible, rules.evaluate(r2, facts).eligible
    assert rules.evaluate({"any": [r1, r2]}, facts).eligible is (a or b)
    assert rules.evaluate({"all": [r1, r2]}, facts).eligible is (a and b)


# ---- voucher codes ----


def test_voucher_code_has_at_least_64_random_bits_and_parses_back():
    assert RANDOM_BITS >= 64
    code = new_voucher_code()
    assert code.startswith("VC-") and len(code.replace("-", "")) == 2 + 14
    assert parse(code) == code
    assert parse(code.lower().replace("-", " ")) == code
    assert len({new_voucher_code() for _ in range(2000)}) == 2000


@given(st.integers(0, 13), st.sampled_from("0123456789ABCDEFGHJKMNPQRSTVWXYZ"))
def test_any_single_typo_is_caught_before_lookup(position, replacement):
    code = new_voucher_code()
    body = code.replace("-", "")[2:]
    if body[position] == replacement:
        return
    typo = body[:position] + replacement + body[position + 1 :]
    with pytest.raises(CodeError) as exc:
        parse("VC" + typo)
    assert exc.value.reason == "check"


def test_swapped_neighbours_are_caught():
    code = new_voucher_code()
    body = code.replace("-", "")[2:]
    for i in range(len(body) - 1):
        if body[i] != body[i + 1]:
            swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
            with pytest.raises(CodeError):
                parse(swapped)


def test_lookalikes_and_malformed():
    code = new_voucher_code()
    assert parse(code.replace("0", "O").replace("1", "I")) == code
    for bad in ("", "VC-123", "hello world", code + "X"):
        with pytest.raises(CodeError) as exc:
            parse(bad)
        assert exc.value.reason in ("malformed", "check")
