"""Eligibility rules as data, and their evaluation with an explanation. No Django import.

A rule is JSON:

    {"any": [rule, ...]}                       at least one holds
    {"all": [rule, ...]}                       every one holds
    {"not": rule}                              the rule does not hold
    {"fact": "child_under_5"}                  the fact is true
    {"fact": "days_in_transit", "op": "<", "value": 30}

Facts are a household's answers (child_under_5, pregnant_member, member_with_disability,
days_in_transit, household_size, ...). A fact the household lacks (None) never satisfies a
comparison, so "in transit for under 30 days" is false for a settled family.

`evaluate(rule, facts)` returns a `Decision` with `eligible` and the leaf conditions that decided
it (`reasons`), so each included or excluded household can be told why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

OPERATORS = ("==", "!=", "<", "<=", ">", ">=", "in")


class RuleError(ValueError):
    """The rule is not well formed (unknown operator, empty group, missing fact)."""


@dataclass(frozen=True)
class Condition:
    """One leaf condition with the household's actual value and whether it held."""

    fact: str
    op: str
    value: Any
    actual: Any
    held: bool
    negated: bool = False

    def text(self) -> str:
        sign = "not " if self.negated else ""
        return f"{sign}{self.fact} {self.op} {self.value!r} (is {self.actual!r}): {'yes' if self.held else 'no'}"


@dataclass(frozen=True)
class Decision:
    eligible: bool
    reasons: list[Condition] = field(default_factory=list)

    def explanation(self) -> list[str]:
        return [reason.text() for reason in self.reasons]


def _compare(op: str, actual: Any, value: Any) -> bool:
    if actual is None:
        return False
    try:
        if op == "==":
            return bool(actual == value)
        if op == "!=":
            return bool(actual != value)
        if op == "<":
            return bool(actual < value)
        if op == "<=":
            return bool(actual <= value)
        if op == ">":
            return bool(actual > value)
        if op == ">=":
            return bool(actual >= value)
        if op == "in":
            return actual in value
    except TypeError:
        return False
    raise RuleError(f"unknown operator {op!r}")


def validate(rule: Any) -> None:
    """Raise RuleError when the rule is not well formed."""
    if not isinstance(rule, Mapping) or len(rule) == 0:
        raise RuleError("a rule is a non-empty object")
    if "any" in rule or "all" in rule:
        key = "any" if "any" in rule else "all"
        items = rule[key]
        if not isinstance(items, list) or not items:
            raise RuleError(f"'{key}' needs a non-empty list")
        for item in items:
            validate(item)
    elif "not" in rule:
        validate(rule["not"])
    elif "fact" in rule:
        if not isinstance(rule["fact"], str) or not rule["fact"]:
            raise RuleError("'fact' must name a fact")
        op = rule.get("op", "==")
        if op not in OPERATORS:
            raise RuleError(f"unknown operator {op!r}")
    else:
        raise RuleError(f"unknown rule {sorted(rule)}")


def _eval(rule: Mapping, facts: Mapping[str, Any], negated: bool) -> tuple[bool, list[Condition]]:
    if "any" in rule or "all" in rule:
        is_any = "any" in rule
        results = [_eval(item, facts, negated) for item in rule["any" if is_any else "all"]]
        held = any(r[0] for r in results) if is_any else all(r[0] for r in results)
        # Explain with the conditions that decided the outcome: for a true "any", those that held;
        # for a false "all", those that failed; otherwise every one.
        deciding = held if is_any else not held
        if deciding:
            target = held if is_any else False
            reasons = [c for ok, conds in results if ok == target for c in conds]
        else:
            reasons = [c for _ok, conds in results for c in conds]
        return held, reasons
    if "not" in rule:
        held, reasons = _eval(rule["not"], facts, not negated)
        return not held, reasons
    op = rule.get("op", "==")
    value = rule.get("value", True)
    actual = facts.get(rule["fact"])
    held = _compare(op, actual, value)
    return held, [Condition(rule["fact"], op, value, actual, held, negated)]


def evaluate(rule: Mapping | None, facts: Mapping[str, Any]) -> Decision:
    """Is a household with these facts eligible under the rule? No rule: everyone is."""
    if not rule:
        return Decision(True, [])
    validate(rule)
    held, reasons = _eval(rule, facts, False)
    return Decision(held, reasons)


def facts_used(rule: Mapping | None) -> set[str]:
    """Names of the facts a rule reads."""
    if not rule:
        return set()
    if "any" in rule or "all" in rule:
        return set().union(*(facts_used(item) for item in rule.get("any") or rule.get("all") or []))
    if "not" in rule:
        return facts_used(rule["not"])
    return {rule["fact"]}


def amount_for_size(table: list[list], household_size: int) -> str | None:
    """The transfer value for a household of this size from a table [[max_size, amount], ...]
    sorted by max_size; the last row covers every larger household. Amounts stay strings here
    (the caller turns them into Decimal)."""
    if not table:
        return None
    for max_size, amount in sorted(table, key=lambda row: int(row[0])):
        if household_size <= int(max_size):
            return str(amount)
    return str(sorted(table, key=lambda row: int(row[0]))[-1][1])
