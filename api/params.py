"""WordPress's query parameters, read and checked as WordPress checks them.

Each route lists its parameters with the JSON-schema-like types WordPress gives
them (`integer` with bounds, arrays of integers, enums, dates); a bad value
answers 400 with WordPress's `rest_invalid_param` error, naming every bad
parameter in `data.params` and `data.details`, and nothing is read further.

A repeated parameter counts once, with its last value, as the page cache keys
it (caching.pages); lists are comma-separated (`categories=3,7`), and the
`categories[]=3&categories[]=7` form is joined into that before the cache sees
the request (api.middleware).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime


class ApiError(Exception):
    """A WordPress REST error: code, message and HTTP status (plus data)."""

    def __init__(self, code, message, status, **data):
        super().__init__(message)
        self.code, self.message, self.status, self.data = code, message, status, data

    def as_json(self):
        return {
            "code": self.code,
            "message": self.message,
            "data": {"status": self.status, **self.data},
        }


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # integer, string, boolean, array, date-time
    description: str = ""
    default: object = None
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple = ()
    items: str = "integer"  # the type of an array's items

    def schema(self):
        """The parameter as WordPress's discovery lists it."""
        described = {"description": self.description, "type": self.type, "required": False}
        if self.type == "date-time":
            described.update(type="string", format="date-time")
        if self.default is not None:
            described["default"] = (
                list(self.default) if isinstance(self.default, tuple) else self.default
            )
        if self.minimum is not None:
            described["minimum"] = self.minimum
        if self.maximum is not None:
            described["maximum"] = self.maximum
        if self.enum:
            described["enum"] = list(self.enum)
        if self.type == "array":
            described["items"] = {"type": self.items}
            if self.enum:
                described["items"]["enum"] = described.pop("enum")
        return described


def _integer(name, raw):
    text = raw.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    raise ValueError("rest_invalid_type", f"{name} is not of type integer.")


def _list(raw):
    return [part.strip() for part in raw.split(",") if part.strip()]


def _enum_message(name, values):
    shown = [str(v) for v in values]
    if len(shown) == 1:
        return f"{name} is not {shown[0]}."
    listed = ", ".join(shown[:-1]) + f" and {shown[-1]}" if len(shown) > 2 else " and ".join(shown)
    return f"{name} is not one of {listed}."


def _value(param, raw):
    name = param.name
    if "\x00" in raw:
        # No database takes a NUL in text; WordPress's own checks would let it through.
        raise ValueError("rest_invalid_type", f"{name} is not of type {param.type}.")
    if param.type == "integer":
        value = _integer(name, raw)
        low, high = param.minimum, param.maximum
        if low is not None and high is not None and not low <= value <= high:
            raise ValueError(
                "rest_out_of_bounds",
                f"{name} must be between {low} (inclusive) and {high} (inclusive)",
            )
        if low is not None and value < low:
            raise ValueError("rest_out_of_bounds", f"{name} must be greater than or equal to {low}")
        return value
    if param.type == "boolean":
        lowered = raw.strip().lower()
        if lowered in ("1", "true", ""):
            return True
        if lowered in ("0", "false"):
            return False
        raise ValueError("rest_invalid_type", f"{name} is not of type boolean.")
    if param.type == "date-time":
        try:
            parsed = parse_datetime(raw.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValueError("rest_invalid_date", "Invalid date.")
        if timezone.is_naive(parsed):
            # WordPress reads a date without an offset in the site's time zone.
            parsed = timezone.make_aware(parsed)
        return parsed
    if param.type == "array":
        values = _list(raw)
        if param.items == "integer":
            out = []
            for i, item in enumerate(values):
                try:
                    out.append(_integer(f"{name}[{i}]", item))
                except ValueError as error:
                    raise ValueError(error.args[0], error.args[1]) from None
            return out
        if param.enum:
            for i, item in enumerate(values):
                if item not in param.enum:
                    raise ValueError("rest_not_in_enum", _enum_message(f"{name}[{i}]", param.enum))
        return values
    value = raw.strip() if param.type == "string" else raw
    if param.enum and value not in param.enum:
        raise ValueError("rest_not_in_enum", _enum_message(name, param.enum))
    return value


def read(query, params):
    """{name: value} of `params` from the QueryDict `query`; raises ApiError on bad values."""
    values, errors, details = {}, {}, {}
    for param in params:
        if param.name in query:
            raw = query[param.name]  # the last value, as the page cache keys it
            try:
                values[param.name] = _value(param, raw)
            except ValueError as error:
                code, message = error.args
                errors[param.name] = message
                details[param.name] = {"code": code, "message": message, "data": None}
        elif param.default is not None:
            values[param.name] = (
                list(param.default) if isinstance(param.default, tuple) else param.default
            )
    if errors:
        raise ApiError(
            "rest_invalid_param",
            f"Invalid parameter(s): {', '.join(errors)}",
            400,
            params=errors,
            details=details,
        )
    return values


def as_naive_local(value: datetime):
    """WordPress's `date`: the site's local time without an offset."""
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0).isoformat()


def as_naive_utc(value: datetime):
    """WordPress's `date_gmt`: UTC without an offset."""
    return value.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()
