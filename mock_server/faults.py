"""Fault profiles: the failures a sandbox injects into its own API traffic, repeatable from a seed.

A profile is a seed and an ordered list of rules. Each rule names a kind of fault, the requests it
applies to (a route pattern and a method), how often it fires (a rate, drawn from the profile's
seeded random stream) and optionally how many times in all. The same seed and the same requests in
the same order give the same faults.

Kinds:

- ``latency``: wait ``ms`` (or a uniform draw in ``ms``..``max_ms``) before the request is handled;
- ``status``: answer ``status`` (a problem+json with code ``FAULT_INJECTED``) without handling the request;
- ``drop``: close the connection before the request is handled (nothing happens);
- ``commit-drop``: handle the request (writes are committed), then close the connection instead of answering;
- ``malformed``: handle the request, then send its answer with the body cut in half.

A latency fault adds to whatever else fires; of the other kinds the first rule that fires wins.

The text form (``zheliban-mock --faults SPEC``, ``zheliban admin faults set SPEC``) is rules separated
by ``;``, each ``KIND[=VALUE][,OPTION=VALUE]...``, and an optional ``seed=N``::

    seed=7; latency=50-300ms; status=503,rate=0.2,route=/api/v1/payments; drop,method=POST,times=1

Options: ``rate`` (0-1, default 1), ``route`` (a path, which also covers the paths under it, or a
pattern with ``*``; default every ``/api/`` route), ``method`` (default any), ``times`` (default no
limit). Admin routes and ``/healthz`` are never faulted.
"""
from __future__ import annotations

import fnmatch
import json
import random
import re
import secrets
from dataclasses import asdict, dataclass, field

KINDS = ("latency", "status", "drop", "commit-drop", "malformed")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
MAX_LATENCY_MS = 60_000
MAX_RULES = 32
ROUTE = re.compile(r"^/[A-Za-z0-9_./*{}-]{0,199}$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s)?$")


class FaultSpecError(ValueError):
    """A fault profile that cannot be used; the message says what is wrong, in the spec's own terms."""


@dataclass(frozen=True)
class FaultRule:
    kind: str
    ms: int | None = None  # latency: the fixed wait, or the low end of the range
    max_ms: int | None = None  # latency: the high end of the range
    status: int | None = None  # status: the HTTP status to answer
    rate: float = 1.0
    route: str | None = None
    method: str | None = None
    times: int | None = None

    def __post_init__(self) -> None:
        check_rule(self)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.route is None or route_matches(self.route, path))

    def text(self) -> str:
        if self.kind == "latency":
            head = f"latency={self.ms}ms" if self.max_ms is None else f"latency={self.ms}-{self.max_ms}ms"
        elif self.kind == "status":
            head = f"status={self.status}"
        else:
            head = self.kind
        options = [f"rate={self.rate:g}"] if self.rate != 1 else []
        options += [f"{name}={value}" for name, value in
                    (("route", self.route), ("method", self.method), ("times", self.times)) if value is not None]
        return ",".join([head, *options])

    def as_dict(self) -> dict:
        return {name: value for name, value in asdict(self).items() if value is not None}


def route_matches(pattern: str, path: str) -> bool:
    """``/api/v1/payments`` covers itself and the paths under it; a pattern with ``*`` is a glob."""
    if "*" in pattern:
        return fnmatch.fnmatchcase(path, pattern)
    return path == pattern or path.startswith(pattern.rstrip("/") + "/")


def check_rule(rule: FaultRule) -> None:
    where = f"{rule.kind!r}"
    if rule.kind not in KINDS:
        raise FaultSpecError(f"unknown fault kind {rule.kind!r}: use one of {', '.join(KINDS)}")
    if rule.kind == "latency":
        if rule.ms is None:
            raise FaultSpecError("latency needs a duration, e.g. latency=200ms or latency=50-300ms")
        high = rule.ms if rule.max_ms is None else rule.max_ms
        if not 0 <= rule.ms <= high <= MAX_LATENCY_MS:
            raise FaultSpecError(f"latency must be 0-{MAX_LATENCY_MS} ms, low end first")
    elif rule.ms is not None or rule.max_ms is not None:
        raise FaultSpecError(f"{where} takes no duration")
    if rule.kind == "status":
        if rule.status is None or not 400 <= rule.status <= 599:
            raise FaultSpecError("status needs an HTTP error status 400-599, e.g. status=503")
    elif rule.status is not None:
        raise FaultSpecError(f"{where} takes no status")
    if isinstance(rule.rate, bool) or not isinstance(rule.rate, (int, float)) or not 0 < rule.rate <= 1:
        raise FaultSpecError("rate must be a number above 0 and at most 1")
    if rule.route is not None and not ROUTE.match(rule.route):
        raise FaultSpecError(f"route must be a path starting with '/', e.g. /api/v1/payments (got {rule.route!r})")
    if rule.method is not None and rule.method not in METHODS:
        raise FaultSpecError(f"method must be one of {', '.join(METHODS)}")
    if rule.times is not None and (isinstance(rule.times, bool) or not 1 <= rule.times <= 1_000_000):
        raise FaultSpecError("times must be a whole number 1-1000000")


@dataclass
class Decision:
    """What the profile does to one request."""

    delay_ms: float = 0.0
    action: str | None = None  # status, drop, commit-drop, malformed, or None
    status: int | None = None

    @property
    def label(self) -> str | None:
        parts = ([f"latency {self.delay_ms:.0f}ms"] if self.delay_ms else []) + ([self.action] if self.action else [])
        return "+".join(parts) or None


@dataclass
class FaultProfile:
    seed: int
    rules: tuple[FaultRule, ...]
    _random: random.Random = field(init=False, repr=False)
    _fired: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= 2**31 - 1:
            raise FaultSpecError("seed must be a whole number 0-2147483647")
        if not self.rules:
            raise FaultSpecError("a fault profile needs at least one rule")
        if len(self.rules) > MAX_RULES:
            raise FaultSpecError(f"at most {MAX_RULES} rules")
        self._random = random.Random(self.seed)
        self._fired = [0] * len(self.rules)

    def decide(self, method: str, path: str) -> Decision | None:
        """Draw this request's faults (one draw per matching rule that is still live), or None."""
        decision = None
        for index, rule in enumerate(self.rules):
            if not rule.matches(method, path):
                continue
            if rule.times is not None and self._fired[index] >= rule.times:
                continue
            if rule.kind != "latency" and decision is not None and decision.action is not None:
                continue
            if self._random.random() >= rule.rate:
                continue
            self._fired[index] += 1
            decision = decision or Decision()
            if rule.kind == "latency":
                decision.delay_ms += rule.ms if rule.max_ms is None else self._random.uniform(rule.ms, rule.max_ms)
            else:
                decision.action, decision.status = rule.kind, rule.status
        return decision

    def text(self) -> str:
        return ";".join([f"seed={self.seed}", *(rule.text() for rule in self.rules)])

    def as_dict(self) -> dict:
        return {"seed": self.seed, "rules": [rule.as_dict() for rule in self.rules], "spec": self.text(),
                "fired": list(self._fired)}

    def to_json(self) -> str:
        """The stored form; ``set`` tells one setting from the next, so that setting the same profile
        again starts its random stream afresh in every worker process."""
        return json.dumps({"seed": self.seed, "rules": [rule.as_dict() for rule in self.rules],
                           "set": secrets.token_hex(8)}, sort_keys=True)


def profile_from_json(text: str) -> FaultProfile:
    data = json.loads(text)
    return make_profile(data.get("seed", 0), data["rules"])


def make_profile(seed: int | None, rules: list[dict]) -> FaultProfile:
    built = []
    for number, rule in enumerate(rules, 1):
        try:
            built.append(FaultRule(**rule))
        except TypeError:
            raise FaultSpecError(f"rule {number}: unknown field") from None
        except FaultSpecError as err:
            raise FaultSpecError(f"rule {number}: {err}") from None
    return FaultProfile(0 if seed is None else seed, tuple(built))


def parse_spec(spec: str) -> FaultProfile:
    """The text form (see the module's docstring) -> a profile. Raises ``FaultSpecError``."""
    if not isinstance(spec, str) or not spec.strip():
        raise FaultSpecError("the fault spec is empty")
    if len(spec) > 4000:
        raise FaultSpecError("the fault spec is too long (at most 4000 characters)")
    seed = 0
    rules: list[FaultRule] = []
    for number, item in enumerate((part.strip() for part in spec.split(";")), 1):
        if not item:
            continue
        try:
            if item.startswith("seed="):
                seed = _whole(item[5:], "seed")
                continue
            rules.append(_parse_rule(item))
        except FaultSpecError as err:
            raise FaultSpecError(f"{item!r}: {err}") from None
    return FaultProfile(seed, tuple(rules))


def _parse_rule(item: str) -> FaultRule:
    head, *options = [part.strip() for part in item.split(",")]
    kind, _, value = head.partition("=")
    kind = kind.strip().lower()
    fields: dict = {"kind": kind}
    if kind == "latency":
        if not value:
            raise FaultSpecError("latency needs a duration, e.g. latency=200ms or latency=50-300ms")
        low, _, high = value.partition("-")
        fields["ms"] = _milliseconds(low)
        if high:
            fields["max_ms"] = _milliseconds(high)
    elif kind == "status":
        if not value:
            raise FaultSpecError("status needs an HTTP error status 400-599, e.g. status=503")
        fields["status"] = _whole(value, "status")
    elif value:
        raise FaultSpecError(f"{kind} takes no value")
    for option in options:
        name, sep, text = option.partition("=")
        name = name.strip().lower()
        if not sep:
            raise FaultSpecError(f"option {option!r} needs a value, e.g. rate=0.5")
        if name == "rate":
            try:
                fields["rate"] = float(text)
            except ValueError:
                raise FaultSpecError(f"rate {text!r} is not a number") from None
        elif name == "route":
            fields["route"] = text.strip()
        elif name == "method":
            fields["method"] = text.strip().upper()
        elif name == "times":
            fields["times"] = _whole(text, "times")
        else:
            raise FaultSpecError(f"unknown option {name!r}: use rate, route, method or times")
    return FaultRule(**fields)


def _whole(text: str, name: str) -> int:
    text = text.strip()
    if not text.isdigit():
        raise FaultSpecError(f"{name} {text!r} is not a whole number")
    return int(text)


def _milliseconds(text: str) -> int:
    match = _DURATION.match(text.strip())
    if match is None:
        raise FaultSpecError(f"{text.strip()!r} is not a duration: write e.g. 200ms or 1.5s")
    value = float(match.group(1)) * (1000 if match.group(2) == "s" else 1)
    if value > MAX_LATENCY_MS:
        raise FaultSpecError(f"latency must be at most {MAX_LATENCY_MS} ms")
    return round(value)
