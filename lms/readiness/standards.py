"""The AEO certification standard as data: reading and checking ``standards/<name>.yaml``, and its rules.

A standard file holds the four modules of the general standard with their items, the judgement scale, the
pass rule and (2026) the financial indicators with their thresholds. :func:`parse_standard_file` checks a
file strictly: an unknown field, an unknown item code or a bad value is a :class:`StandardFileError` naming
the file and the line, and nothing is loaded. Facts that are only probable (P) or uncertain (U) carry a
``confidence`` mark and stay data an administrator corrects in the file.

The rule functions (:func:`financial_judgement`, :func:`score`) take the stored data of one version, so an
assessment is always judged under the version it was made under.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

JUDGEMENTS = ("meets", "basically_meets", "does_not_meet", "not_applicable")
# Most serious first: the order gaps are listed and learning paths are built in.
SEVERITY = {"does_not_meet": 0, "basically_meets": 1, "meets": 2, "not_applicable": 3}
GAP_JUDGEMENTS = ("does_not_meet", "basically_meets")
MODULES = ("internal_control", "financial_status", "compliance", "trade_security")
CONFIDENCE = ("V", "P", "U")
ITEM_CODE_RE = re.compile(r"^[A-Z]{2}-\d{2}$")
STANDARD_CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
COMPARISONS = ("le", "ge", "gt", "lt")

TOP_FIELDS = (
    "code",
    "title_en",
    "title_zh",
    "basis_en",
    "basis_zh",
    "effective_from",
    "retired_on",
    "confidence",
    "notes_en",
    "notes_zh",
    "judgements",
    "pass_rule",
    "modules",
    "additional",
    "financial",
)
RULE_FIELDS = (
    "confidence",
    "base",
    "points",
    "minimum_total",
    "fail_on",
    "max_basically_meets",
    "additional_points",
    "additional_cap",
)
LIMIT_FIELDS = ("count", "modules", "confidence")
MODULE_FIELDS = ("code", "title_en", "title_zh", "items")
ITEM_FIELDS = ("code", "title_en", "title_zh", "requires_en", "requires_zh", "confidence", "computed")
FINANCIAL_FIELDS = ("item", "confidence", "meets_at_least", "basically_meets_at_least", "indicators")
INDICATOR_FIELDS = (
    "code",
    "group",
    "title_en",
    "title_zh",
    "compare",
    "threshold",
    "threshold_production",
    "minimum",
    "maximum",
    "confidence",
)


class StandardFileError(Exception):
    """A problem in a standard file, with the file and the line it is on."""

    def __init__(self, path, line: int | None, message: str):
        super().__init__(message)
        self.path = Path(path)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


# -- reading YAML with lines ---------------------------------------------------------------------------------


class _Map(dict):
    line = 1
    lines: dict


class _List(list):
    line = 1
    lines: list


class _LineLoader(yaml.SafeLoader):
    """A safe loader whose mappings and lists remember the line of every key and element."""


def _construct_map(loader, node):
    loader.flatten_mapping(node)
    result = _Map()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise StandardFileError("", key_node.start_mark.line + 1, f"field '{key}' is given twice")
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_list(loader, node):
    result = _List(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_list)


def content_hash(data: dict) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- checking ------------------------------------------------------------------------------------------------


class _Check:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, line, message: str):
        raise StandardFileError(self.path, line, message)

    def mapping(self, value, line, what: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()):
        if not isinstance(value, _Map):
            self.fail(line, f"{what} must be a set of 'field: value' lines")
        for key in value:
            if key not in allowed:
                self.fail(
                    value.lines[key], f"unknown field '{key}' in {what} (known fields: {', '.join(allowed)})"
                )
        for key in required:
            if key not in value or value[key] in (None, ""):
                self.fail(value.lines.get(key, value.line), f"field '{key}' is required in {what}")
        return value

    def text(self, m: _Map, key: str, *, required: bool = True, max_length: int = 500) -> str:
        value = m.get(key)
        if value is None:
            if required:
                self.fail(m.line, f"field '{key}' is required")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(m.lines[key], f"'{key}' must be text")
        if len(value) > max_length:
            self.fail(m.lines[key], f"'{key}' is longer than {max_length} characters")
        return value.strip()

    def confidence(self, m: _Map, default: str = "V") -> str:
        value = m.get("confidence", default)
        if value not in CONFIDENCE:
            self.fail(
                m.lines.get("confidence", m.line), f"'confidence' must be one of: V, P, U (not {value!r})"
            )
        return value

    def number(self, m: _Map, key: str, *, minimum=None, maximum=None, integer=False, required=True):
        if key not in m or m[key] is None:
            if required:
                self.fail(m.line, f"field '{key}' is required")
            return None
        value = m[key]
        if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
            self.fail(
                m.lines[key], f"'{key}' must be a {'whole number' if integer else 'number'} (not {value!r})"
            )
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.fail(m.lines[key], f"'{key}' must be between {minimum} and {maximum} (not {value})")
        return value

    def day(self, m: _Map, key: str, *, required: bool) -> str | None:
        value = m.get(key)
        if value is None:
            if required:
                self.fail(m.line, f"field '{key}' is required")
            return None
        if not isinstance(value, date):
            self.fail(m.lines[key], f"'{key}' must be a date like 2026-04-01 (not {value!r})")
        return value.isoformat()

    def codes(self, m: _Map, key: str, allowed, what: str) -> list[str]:
        value = m.get(key)
        if value is None:
            return []
        if not isinstance(value, _List):
            self.fail(m.lines[key], f"'{key}' must be a list, like [{', '.join(list(allowed)[:2])}]")
        for index, entry in enumerate(value):
            if entry not in allowed:
                self.fail(
                    value.lines[index], f"'{key}' has {entry!r}, which is not {what}: {', '.join(allowed)}"
                )
        return list(value)


def parse_standard_text(path: Path, text: str) -> dict:
    """The normalised data of one standard file (raises StandardFileError)."""
    check = _Check(path)
    try:
        raw = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except StandardFileError as error:
        raise StandardFileError(path, error.line, error.message) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        check.fail(mark.line + 1 if mark else None, f"not valid YAML: {error.problem or error.context}")
    if raw is None:
        check.fail(1, "the file is empty")
    top = check.mapping(
        raw, 1, "the file", TOP_FIELDS, ("code", "title_en", "title_zh", "modules", "pass_rule")
    )
    code = check.text(top, "code", max_length=60)
    if not STANDARD_CODE_RE.match(code):
        check.fail(top.lines["code"], "'code' must use lowercase letters, digits and hyphens")
    data: dict = {
        "code": code,
        "title_en": check.text(top, "title_en", max_length=200),
        "title_zh": check.text(top, "title_zh", max_length=200),
        "basis_en": check.text(top, "basis_en", required=False),
        "basis_zh": check.text(top, "basis_zh", required=False),
        "notes_en": check.text(top, "notes_en", required=False, max_length=2000),
        "notes_zh": check.text(top, "notes_zh", required=False, max_length=2000),
        "effective_from": check.day(top, "effective_from", required=True),
        "retired_on": check.day(top, "retired_on", required=False),
        "confidence": check.confidence(top),
    }
    if data["retired_on"] and data["retired_on"] <= data["effective_from"]:
        check.fail(top.lines["retired_on"], "'retired_on' must be after 'effective_from'")
    judgements = top.get("judgements", list(JUDGEMENTS))
    if list(judgements) != list(JUDGEMENTS):
        check.fail(top.lines.get("judgements", 1), f"'judgements' must be [{', '.join(JUDGEMENTS)}]")
    data["judgements"] = list(JUDGEMENTS)

    # modules and items
    modules_raw = top["modules"]
    if not isinstance(modules_raw, _List) or not modules_raw:
        check.fail(top.lines["modules"], "'modules' must list the modules, each starting with '- code:'")
    modules, seen_items, seen_modules = [], set(), set()
    for index, module_raw in enumerate(modules_raw):
        m = check.mapping(module_raw, modules_raw.lines[index], "a module", MODULE_FIELDS, ("code", "items"))
        if m["code"] not in MODULES:
            check.fail(m.lines["code"], f"module {m['code']!r} is not one of: {', '.join(MODULES)}")
        if m["code"] in seen_modules:
            check.fail(m.lines["code"], f"module {m['code']!r} is listed twice")
        seen_modules.add(m["code"])
        items_raw = m["items"]
        if not isinstance(items_raw, _List) or not items_raw:
            check.fail(m.lines["items"], "'items' must list the module's items, each starting with '- code:'")
        items = [
            _parse_item(check, item_raw, items_raw.lines[i], seen_items)
            for i, item_raw in enumerate(items_raw)
        ]
        modules.append(
            {
                "code": m["code"],
                "title_en": check.text(m, "title_en", max_length=200),
                "title_zh": check.text(m, "title_zh", max_length=200),
                "items": items,
            }
        )
    data["modules"] = modules
    additional_raw = top.get("additional") or _List()
    if not isinstance(additional_raw, _List):
        check.fail(top.lines["additional"], "'additional' must list items, each starting with '- code:'")
    data["additional"] = [
        _parse_item(check, item_raw, additional_raw.lines[i], seen_items)
        for i, item_raw in enumerate(additional_raw)
    ]
    data["pass_rule"] = _parse_rule(check, top["pass_rule"], top.lines["pass_rule"], data)
    data["financial"] = (
        _parse_financial(check, top["financial"], top.lines["financial"], data)
        if top.get("financial")
        else None
    )
    computed = [i["code"] for m in modules for i in m["items"] if i["computed"]]
    if computed and data["financial"] is None:
        check.fail(
            top.lines["modules"], f"item {computed[0]} is computed but the file has no 'financial' section"
        )
    return data


def _parse_item(check: _Check, raw, line: int, seen: set) -> dict:
    m = check.mapping(raw, line, "an item", ITEM_FIELDS, ("code", "title_en", "title_zh"))
    code = m["code"]
    if not isinstance(code, str) or not ITEM_CODE_RE.match(code):
        check.fail(
            m.lines["code"], f"item code {code!r} must look like IC-01 (two capitals, a hyphen, two digits)"
        )
    if code in seen:
        check.fail(m.lines["code"], f"item code {code} is used twice")
    seen.add(code)
    computed = m.get("computed")
    if computed not in (None, "financial"):
        check.fail(m.lines["computed"], "'computed' can only be 'financial'")
    return {
        "code": code,
        "title_en": check.text(m, "title_en", max_length=200),
        "title_zh": check.text(m, "title_zh", max_length=200),
        "requires_en": check.text(m, "requires_en", required=False, max_length=2000),
        "requires_zh": check.text(m, "requires_zh", required=False, max_length=2000),
        "confidence": check.confidence(m),
        "computed": computed == "financial",
    }


def _parse_rule(check: _Check, raw, line: int, data: dict) -> dict:
    m = check.mapping(raw, line, "'pass_rule'", RULE_FIELDS, ("base", "points", "minimum_total"))
    points_raw = check.mapping(m["points"], m.lines["points"], "'pass_rule.points'", JUDGEMENTS, JUDGEMENTS)
    points = {j: check.number(points_raw, j, minimum=-100, maximum=100, integer=True) for j in JUDGEMENTS}
    rule = {
        "confidence": check.confidence(m),
        "base": check.number(m, "base", minimum=0, maximum=1000, integer=True),
        "points": points,
        "minimum_total": check.number(m, "minimum_total", minimum=0, maximum=1000, integer=True),
        "fail_on": check.codes(m, "fail_on", JUDGEMENTS, "a judgement"),
        "additional_points": check.number(
            m, "additional_points", minimum=0, maximum=10, integer=True, required=False
        )
        or 0,
        "additional_cap": check.number(
            m, "additional_cap", minimum=0, maximum=100, integer=True, required=False
        )
        or 0,
        "max_basically_meets": None,
    }
    if m.get("max_basically_meets") is not None:
        limit = check.mapping(
            m["max_basically_meets"],
            m.lines["max_basically_meets"],
            "'max_basically_meets'",
            LIMIT_FIELDS,
            ("count",),
        )
        rule["max_basically_meets"] = {
            "count": check.number(limit, "count", minimum=0, maximum=100, integer=True),
            "modules": check.codes(
                limit, "modules", [mod["code"] for mod in data["modules"]], "a module of this file"
            )
            or [mod["code"] for mod in data["modules"]],
            "confidence": check.confidence(limit, rule["confidence"]),
        }
    return rule


def _parse_financial(check: _Check, raw, line: int, data: dict) -> dict:
    m = check.mapping(raw, line, "'financial'", FINANCIAL_FIELDS, ("item", "indicators", "meets_at_least"))
    items = {i["code"]: i for mod in data["modules"] for i in mod["items"]}
    if m["item"] not in items:
        check.fail(m.lines["item"], f"'item' names {m['item']!r}, which is not an item of this file")
    if not items[m["item"]]["computed"]:
        check.fail(m.lines["item"], f"item {m['item']} must say 'computed: financial'")
    indicators_raw = m["indicators"]
    if not isinstance(indicators_raw, _List) or not indicators_raw:
        check.fail(
            m.lines["indicators"], "'indicators' must list the indicators, each starting with '- code:'"
        )
    indicators, seen = [], set()
    for index, raw_indicator in enumerate(indicators_raw):
        ind = check.mapping(
            raw_indicator,
            indicators_raw.lines[index],
            "an indicator",
            INDICATOR_FIELDS,
            ("code", "group", "title_en", "title_zh", "compare", "threshold"),
        )
        if not isinstance(ind["code"], str) or not re.match(r"^[a-z][a-z0-9_]*$", ind["code"]):
            check.fail(
                ind.lines["code"], "an indicator 'code' uses lowercase letters, digits and underscores"
            )
        if ind["code"] in seen:
            check.fail(ind.lines["code"], f"indicator {ind['code']} is listed twice")
        seen.add(ind["code"])
        if ind["group"] not in ("solvency", "profitability"):
            check.fail(ind.lines["group"], "'group' must be solvency or profitability")
        if ind["compare"] not in COMPARISONS:
            check.fail(ind.lines["compare"], f"'compare' must be one of: {', '.join(COMPARISONS)}")
        minimum = check.number(ind, "minimum", required=False)
        maximum = check.number(ind, "maximum", required=False)
        if minimum is not None and maximum is not None and minimum >= maximum:
            check.fail(ind.lines["maximum"], "'maximum' must be above 'minimum'")
        indicators.append(
            {
                "code": ind["code"],
                "group": ind["group"],
                "title_en": check.text(ind, "title_en", max_length=200),
                "title_zh": check.text(ind, "title_zh", max_length=200),
                "compare": ind["compare"],
                "threshold": str(check.number(ind, "threshold")),
                "threshold_production": (
                    str(check.number(ind, "threshold_production")) if "threshold_production" in ind else None
                ),
                "minimum": None if minimum is None else str(minimum),
                "maximum": None if maximum is None else str(maximum),
                "confidence": check.confidence(ind, "V"),
            }
        )
    meets = check.number(m, "meets_at_least", minimum=1, maximum=len(indicators), integer=True)
    basically = check.number(
        m, "basically_meets_at_least", minimum=1, maximum=meets, integer=True, required=False
    )
    return {
        "item": m["item"],
        "confidence": check.confidence(m),
        "meets_at_least": meets,
        "basically_meets_at_least": basically,
        "indicators": indicators,
    }


def parse_standard_file(path: Path) -> dict:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise StandardFileError(path, None, "the file is not UTF-8 text") from error
    except OSError as error:
        raise StandardFileError(path, None, f"cannot read the file: {error.strerror}") from error
    return parse_standard_text(path, text)


# -- rules over stored data ----------------------------------------------------------------------------------


def all_items(data: dict) -> list[dict]:
    """Every item with its module code (additional items under the pseudo-module 'additional')."""
    out = []
    for module in data["modules"]:
        out.extend({**item, "module": module["code"], "additional": False} for item in module["items"])
    out.extend({**item, "module": "additional", "additional": True} for item in data.get("additional") or [])
    return out


def item_codes(data: dict) -> list[str]:
    return [item["code"] for item in all_items(data)]


class IndicatorError(ValueError):
    """Indicator values out of range, per field: {code: message}."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def parse_indicators(data: dict, raw: dict[str, str]) -> dict[str, str]:
    """Check entered indicator values against the version's ranges: {code: normalised text} of those given.

    Raises IndicatorError naming every field that is not a number or lies outside its range."""
    financial = data.get("financial")
    if not financial:
        return {}
    values, problems = {}, {}
    for indicator in financial["indicators"]:
        text = (raw.get(indicator["code"]) or "").strip().replace(",", "")
        if not text:
            continue
        try:
            number = Decimal(text)
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            problems[indicator["code"]] = "not_a_number"
            continue
        low, high = indicator.get("minimum"), indicator.get("maximum")
        if low is not None and number < Decimal(low):
            problems[indicator["code"]] = "below"
            continue
        if high is not None and number > Decimal(high):
            problems[indicator["code"]] = "above"
            continue
        values[indicator["code"]] = format(number.normalize(), "f") if number != 0 else "0"
    if problems:
        raise IndicatorError(problems)
    return values


def indicator_met(indicator: dict, value: str, is_production: bool) -> bool:
    threshold = indicator["threshold"]
    if is_production and indicator.get("threshold_production") is not None:
        threshold = indicator["threshold_production"]
    number, limit = Decimal(value), Decimal(threshold)
    return {
        "le": number <= limit,
        "ge": number >= limit,
        "gt": number > limit,
        "lt": number < limit,
    }[indicator["compare"]]


def financial_judgement(
    data: dict, values: dict[str, str], is_production: bool
) -> tuple[str | None, list[str]]:
    """(judgement of the computed financial item, codes of the indicators met); None when nothing is
    entered."""
    financial = data.get("financial")
    if not financial or not values:
        return None, []
    met = [
        ind["code"]
        for ind in financial["indicators"]
        if ind["code"] in values and indicator_met(ind, values[ind["code"]], is_production)
    ]
    if len(met) >= financial["meets_at_least"]:
        return "meets", met
    if financial.get("basically_meets_at_least") and len(met) >= financial["basically_meets_at_least"]:
        return "basically_meets", met
    return "does_not_meet", met


@dataclass
class Verdict:
    total: int
    passed: bool
    complete: bool
    failures: list[tuple[str, dict]] = field(default_factory=list)  # (reason key, values)
    counts: dict[str, int] = field(default_factory=dict)


def score(data: dict, judgements: dict[str, str | None]) -> Verdict:
    """Score judgements ({item code: judgement}) under a version's pass rule, with what fails.

    Failure reasons: ``missing`` (items without a judgement), ``item`` (an item judged a failing judgement),
    ``total`` (the total below the minimum), ``basically`` (too many 'basically meets' in the limited
    modules)."""
    rule = data["pass_rule"]
    total = rule["base"]
    counts = dict.fromkeys(JUDGEMENTS, 0)
    failures: list[tuple[str, dict]] = []
    bonus = 0
    missing = []
    limited = 0
    limit = rule.get("max_basically_meets")
    for item in all_items(data):
        judgement = judgements.get(item["code"])
        if item["additional"]:
            if judgement == "meets":
                bonus += rule.get("additional_points", 0)
            continue
        if judgement is None:
            missing.append(item["code"])
            continue
        counts[judgement] += 1
        total += rule["points"][judgement]
        if judgement in rule["fail_on"]:
            failures.append(("item", {"code": item["code"], "judgement": judgement}))
        if limit and judgement == "basically_meets" and item["module"] in limit["modules"]:
            limited += 1
    total += min(bonus, rule.get("additional_cap") or bonus)
    if missing:
        failures.insert(0, ("missing", {"codes": missing}))
    if total < rule["minimum_total"]:
        failures.append(("total", {"total": total, "minimum": rule["minimum_total"]}))
    if limit and limited > limit["count"]:
        failures.append(
            ("basically", {"count": limited, "limit": limit["count"], "modules": limit["modules"]})
        )
    return Verdict(total=total, passed=not failures, complete=not missing, failures=failures, counts=counts)
