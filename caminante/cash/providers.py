"""Financial service providers (mobile money, bank transfers) behind one small interface.

An adapter pays `amount` to `account` under a `reference`. The reference is the idempotency key:
a provider that receives the same reference twice must answer with the first outcome and never
pay again. `SimulatorAdapter` behaves like that and is used in tests and in the demo.
"""

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class TransferRequest:
    reference: str
    amount: Decimal
    currency: str
    account: str
    name: str = ""


@dataclass(frozen=True)
class TransferResult:
    ok: bool
    provider_reference: str = ""
    error: str = ""
    final: bool = True  # False: unknown outcome (timeout), try again with the same reference


class ProviderAdapter(Protocol):
    name: str

    def pay(self, request: TransferRequest) -> TransferResult: ...


@dataclass
class SimulatorAdapter:
    """An in-memory provider: pays once per reference; `fail_accounts` are refused, and
    `timeouts` makes the next N calls time out after paying (the worst case for retries)."""

    name: str = "simulator"
    fail_accounts: set = field(default_factory=set)
    timeouts: int = 0
    payments: dict = field(default_factory=dict)  # reference -> TransferResult
    calls: int = 0

    def pay(self, request: TransferRequest) -> TransferResult:
        self.calls += 1
        if request.reference in self.payments:
            return self.payments[request.reference]
        if not request.account or request.account in self.fail_accounts:
            result = TransferResult(False, error="account refused by the provider")
        else:
            digest = hashlib.sha256(request.reference.encode()).hexdigest()[:12].upper()
            result = TransferResult(True, provider_reference=f"SIM-{digest}")
        self.payments[request.reference] = result
        if self.timeouts > 0 and result.ok:
            self.timeouts -= 1
            return TransferResult(False, error="timeout", final=False)
        return result

    @property
    def paid_count(self) -> int:
        return sum(1 for result in self.payments.values() if result.ok)
