"""How answers are read: ``Model.from_json`` builds a frozen dataclass from a JSON object.

Conventions: money is integer fen (``*_fen``); instants are timezone-aware ``datetime`` (the wire
carries ISO 8601 with +08:00; an instant without an offset is refused); days are ``datetime.date``;
lists inside a model are tuples. ``from_json`` takes the known fields and ignores unknown ones; a
missing field or a value of the wrong type raises ``ApiError(BAD_RESPONSE)`` naming the field (never
its value). Secrets (tokens, show codes, SMS texts) are left out of ``repr``.
"""
from __future__ import annotations

import dataclasses
import sys
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, TypeVar

from ..errors import ApiError

M = TypeVar("M", bound="Model")
_Reader = Callable[[Any, str], Any]


def _bad(where: str, what: str) -> ApiError:
    return ApiError.bad_response(f"{where}: {what}")


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


# --- the shared reader: one converter per field, built from the annotations on first use -----------
def _read_str(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    raise _bad(where, f"expected a string, got {_type_name(value)}")


def _read_int(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _bad(where, f"expected an integer, got {_type_name(value)}")


def _read_float(value: Any, where: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise _bad(where, f"expected a number, got {_type_name(value)}")


def _read_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    raise _bad(where, f"expected true or false, got {_type_name(value)}")


def _read_datetime(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise _bad(where, f"expected an ISO 8601 instant, got {_type_name(value)}")
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(where, "not an ISO 8601 instant") from None
    if instant.tzinfo is None:
        raise _bad(where, "an instant without a UTC offset")
    return instant


def _read_date(value: Any, where: str) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise _bad(where, f"expected a day (YYYY-MM-DD), got {_type_name(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _bad(where, "not a day (YYYY-MM-DD)") from None


def _read_any(value: Any, where: str) -> Any:
    return value


_SIMPLE: dict[Any, _Reader] = {str: _read_str, int: _read_int, float: _read_float, bool: _read_bool,
                               datetime: _read_datetime, date: _read_date, Any: _read_any}


def _reader_for(tp: Any) -> _Reader:
    simple = _SIMPLE.get(tp)
    if simple is not None:
        return simple
    if isinstance(tp, type) and issubclass(tp, Model):
        return tp._read
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1 or len(args) != 2:
            raise TypeError(f"unsupported union {tp!r}")
        inner = _reader_for(rest[0])
        return lambda value, where: None if value is None else inner(value, where)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _reader_for(args[0])

        def read_tuple(value: Any, where: str) -> tuple:
            if not isinstance(value, list):
                raise _bad(where, f"expected a list, got {_type_name(value)}")
            return tuple(item(v, f"{where}[{i}]") for i, v in enumerate(value))

        return read_tuple
    if origin is dict or tp is dict:
        def read_dict(value: Any, where: str) -> dict:
            if not isinstance(value, dict):
                raise _bad(where, f"expected an object, got {_type_name(value)}")
            return dict(value)

        return read_dict
    raise TypeError(f"no reader for {tp!r}")


_MISSING = object()


class Model:
    """Base of the answer models: ``from_json`` reads the dataclass fields from a JSON object."""

    __slots__ = ()

    @classmethod
    def from_json(cls: type[M], data: Any) -> M:
        return cls._read(data, cls.__name__)

    @classmethod
    def _read(cls: type[M], data: Any, where: str) -> M:
        spec = _SPECS.get(cls) or _spec_of(cls)
        if not isinstance(data, dict):
            raise _bad(where, f"expected an object, got {_type_name(data)}")
        values = {}
        for name, reader, required in spec:
            value = data.get(name, _MISSING)
            if value is _MISSING:
                if required:
                    raise _bad(f"{where}.{name}", "missing")
                continue
            values[name] = reader(value, f"{where}.{name}")
        return cls(**values)


_SPECS: dict[type, tuple] = {}


def _spec_of(cls: type) -> tuple[tuple[str, _Reader, bool], ...]:
    spec = _SPECS.get(cls)
    if spec is None:
        # the module's names, not the class's: a field called ``date`` must not hide ``datetime.date``
        names = vars(sys.modules[cls.__module__])
        hints = typing.get_type_hints(cls, names, names)
        spec = tuple((f.name, _reader_for(hints[f.name]),
                      f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
                     for f in dataclasses.fields(cls) if f.init)
        _SPECS[cls] = spec
    return spec


def items_of(model: type[M], data: Any) -> list[M]:
    """The ``items`` of a ``{"items": [...]}`` answer, each read as ``model``."""
    where = f"{model.__name__} list"
    if not isinstance(data, dict) or "items" not in data:
        raise _bad(where, "expected an object with items")
    return list_of(model, data["items"], f"{where}.items")


def list_of(model: type[M], data: Any, where: str | None = None) -> list[M]:
    """A JSON list, each element read as ``model``."""
    where = where or f"{model.__name__} list"
    if not isinstance(data, list):
        raise _bad(where, f"expected a list, got {_type_name(data)}")
    return [model._read(item, f"{where}[{i}]") for i, item in enumerate(data)]


model = dataclass(frozen=True, slots=True)


def _secret() -> Any:
    """A field left out of ``repr`` (tokens, codes, texts holding a code)."""
    return field(repr=False)
