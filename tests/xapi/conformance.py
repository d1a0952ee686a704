"""The test suite's oracle for xAPI statements: the xAPI 1.0.3 data rules (Part Two of the specification).

``problems(statement)`` returns the rules a statement breaks, each as "path: what is wrong" (an empty list
when it is valid); ``validate(statement)`` raises :class:`InvalidStatement` with them. The checks are those an
LRS applies when it receives a statement (required and allowed properties, identifiers, language maps, scores,
durations, timestamps, UUIDs, versions), plus the formats of interaction responses, so an export can be proved
acceptable before it is sent.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from numbers import Real

STATEMENT_KEYS = {
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
}
SUBSTATEMENT_KEYS = {"objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments"}
AGENT_KEYS = {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"}
GROUP_KEYS = AGENT_KEYS | {"member"}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
VERB_KEYS = {"id", "display"}
ACTIVITY_KEYS = {"objectType", "id", "definition"}
DEFINITION_KEYS = {
    "name",
    "description",
    "type",
    "moreInfo",
    "extensions",
    "interactionType",
    "correctResponsesPattern",
    "choices",
    "scale",
    "source",
    "target",
    "steps",
}
INTERACTION_TYPES = {
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
}
COMPONENT_LISTS = {"choices", "scale", "source", "target", "steps"}
ALLOWED_LISTS = {
    "choice": {"choices"},
    "sequencing": {"choices"},
    "likert": {"scale"},
    "matching": {"source", "target"},
    "performance": {"steps"},
}
RESULT_KEYS = {"score", "success", "completion", "response", "duration", "extensions"}
SCORE_KEYS = {"scaled", "raw", "min", "max"}
CONTEXT_KEYS = {
    "registration",
    "instructor",
    "team",
    "contextActivities",
    "revision",
    "platform",
    "language",
    "statement",
    "extensions",
}
CONTEXT_ACTIVITY_KEYS = {"parent", "grouping", "category", "other"}
ATTACHMENT_KEYS = {"usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"}

# RFC 5646 language tags (Language-Tag = langtag / privateuse / grandfathered).
_ALNUM = "[A-Za-z0-9]"
_LANGTAG = (
    r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4}|[A-Za-z]{5,8})"  # language (with extlang)
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    rf"(?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*"  # variants
    rf"(?:-[0-9A-WY-Za-wy-z](?:-{_ALNUM}{{2,8}})+)*"  # extensions
    rf"(?:-x(?:-{_ALNUM}{{1,8}})+)?"  # private use
)
_GRANDFATHERED = (
    "en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao|i-tay|"
    "i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|"
    "zh-min-nan|zh-xiang"
)
LANGUAGE_TAG = re.compile(rf"^(?:{_LANGTAG}|x(?:-{_ALNUM}{{1,8}})+|{_GRANDFATHERED})$", re.IGNORECASE)

IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
IRL = re.compile(r"^https?://[^\s/?#<>\"]+[^\s<>\"]*$", re.IGNORECASE)
MAILTO = re.compile(r"^mailto:[^@\s]+@[^@\s]+$")
SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
UUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
VERSION = re.compile(r"^1\.0\.\d+$")
_N = r"\d+(?:[.,]\d+)?"
# ISO 8601:2004 4.4.3.2 (the alternative format is not allowed): PnYnMnDTnHnMnS or PnW.
DURATION = re.compile(
    rf"^P(?:\d+W|(?=\d|T\d)(?:{_N}Y)?(?:{_N}M)?(?:{_N}D)?(?:T(?=\d)(?:{_N}H)?(?:{_N}M)?(?:{_N}S)?)?)$"
)
TIMESTAMP = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2}|[+-]\d{4}|[+-]\d{2})?$"
)
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
NUMBER_RANGE = re.compile(rf"^(?:{_NUMBER})?(?:\[:\](?:{_NUMBER})?)?$")


class InvalidStatement(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def validate(statement, *, now: datetime | None = None) -> None:
    found = problems(statement, now=now)
    if found:
        raise InvalidStatement(found)


def problems(statement, *, now: datetime | None = None) -> list[str]:
    """Every rule ``statement`` breaks. ``now``: also refuse a timestamp in the future (a provider rule)."""
    checker = _Checker(now)
    checker.statement(statement, "", substatement=False)
    return checker.problems


def is_language_tag(value) -> bool:
    return isinstance(value, str) and bool(LANGUAGE_TAG.match(value))


def is_duration(value) -> bool:
    return isinstance(value, str) and bool(DURATION.match(value))


def parse_timestamp(value) -> datetime | None:
    """The moment an xAPI timestamp names, or None when it is not one (ISO 8601 combined date and time)."""
    if not isinstance(value, str):
        return None
    match = TIMESTAMP.match(value)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    micro = int((fraction[1:] + "000000")[:6]) if fraction else 0
    if zone in (None, "Z"):
        tz = UTC  # a time without a zone is read as UTC (the specification recommends giving one)
    else:
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        if offset >= timedelta(hours=24):
            return None
        tz = timezone(offset if zone[0] == "+" else -offset)
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except ValueError:
        return None


def is_uuid(value) -> bool:
    if not isinstance(value, str) or not UUID_TEXT.match(value):
        return False
    return uuid.UUID(value).variant == uuid.RFC_4122


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


class _Checker:
    def __init__(self, now: datetime | None):
        self.now = now
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path or 'statement'}: {message}")

    def object_with(self, value, path: str, allowed: set[str], required: tuple[str, ...] = ()) -> bool:
        if not isinstance(value, dict):
            self.fail(path, "must be an object")
            return False
        for key in sorted(set(value) - allowed):
            self.fail(f"{path}.{key}" if path else key, "is not an allowed property")
        for key in required:
            if key not in value:
                self.fail(f"{path}.{key}" if path else key, "is required")
        return True

    # -- statement ------------------------------------------------------------------------------------

    def statement(self, statement, path: str, *, substatement: bool) -> None:
        allowed = SUBSTATEMENT_KEYS if substatement else STATEMENT_KEYS
        if not self.object_with(statement, path, allowed, ("actor", "verb", "object")):
            return
        join = (lambda key: f"{path}.{key}") if path else (lambda key: key)
        if substatement and statement.get("objectType") != "SubStatement":
            self.fail(join("objectType"), "must be SubStatement")
        if "id" in statement and not is_uuid(statement["id"]):
            self.fail(join("id"), "must be a UUID in standard form (RFC 4122)")
        if "actor" in statement:
            self.actor(statement["actor"], join("actor"))
        if "verb" in statement:
            self.verb(statement["verb"], join("verb"))
        if "object" in statement:
            self.object(statement["object"], join("object"), substatement=substatement)
        if "result" in statement:
            self.result(statement["result"], join("result"), statement.get("object"))
        if "context" in statement:
            self.context(statement["context"], join("context"), statement.get("object"))
        if "timestamp" in statement:
            moment = parse_timestamp(statement["timestamp"])
            if moment is None:
                self.fail(join("timestamp"), "must be an ISO 8601 date and time")
            elif not substatement and self.now is not None and moment > self.now + timedelta(seconds=5):
                self.fail(join("timestamp"), "is in the future")
        if "stored" in statement and parse_timestamp(statement["stored"]) is None:
            self.fail(join("stored"), "must be an ISO 8601 date and time")
        if "authority" in statement:
            self.actor(statement["authority"], join("authority"))
        if "version" in statement and not (
            isinstance(statement["version"], str) and VERSION.match(statement["version"])
        ):
            self.fail(join("version"), "must be a 1.0.x version")
        if "attachments" in statement:
            self.attachments(statement["attachments"], join("attachments"))

    # -- actors ---------------------------------------------------------------------------------------

    def actor(self, actor, path: str, *, required_type: bool = False) -> None:
        if not isinstance(actor, dict):
            self.fail(path, "must be an Agent or Group object")
            return
        kind = actor.get("objectType", None if not required_type else "")
        if kind == "Group":
            self.group(actor, path)
        elif kind in (None, "Agent"):
            if required_type and kind is None:
                self.fail(f"{path}.objectType", "is required here")
            self.agent(actor, path)
        else:
            self.fail(f"{path}.objectType", "must be Agent or Group")

    def agent(self, agent, path: str) -> None:
        if not self.object_with(agent, path, AGENT_KEYS):
            return
        self.identifiers(agent, path, required=True)
        if "name" in agent and not isinstance(agent["name"], str):
            self.fail(f"{path}.name", "must be a string")

    def group(self, group, path: str) -> None:
        if not self.object_with(group, path, GROUP_KEYS):
            return
        identified = any(key in group for key in IFIS)
        if identified:
            self.identifiers(group, path, required=True)
        members = group.get("member")
        if members is None:
            if not identified:
                self.fail(f"{path}.member", "is required in an anonymous group")
            return
        if not isinstance(members, list):
            self.fail(f"{path}.member", "must be an array of agents")
            return
        for index, member in enumerate(members):
            member_path = f"{path}.member[{index}]"
            if isinstance(member, dict) and member.get("objectType") == "Group":
                self.fail(member_path, "a group cannot contain groups")
            else:
                self.agent(member, member_path)

    def identifiers(self, actor: dict, path: str, *, required: bool) -> None:
        present = [key for key in IFIS if key in actor]
        if len(present) > 1:
            self.fail(path, "must have exactly one inverse functional identifier, not " + ", ".join(present))
        elif not present and required:
            self.fail(path, "needs an inverse functional identifier (mbox, mbox_sha1sum, openid or account)")
        if "mbox" in actor and not (isinstance(actor["mbox"], str) and MAILTO.match(actor["mbox"])):
            self.fail(f"{path}.mbox", "must be a mailto: IRI")
        if "mbox_sha1sum" in actor and not (
            isinstance(actor["mbox_sha1sum"], str) and SHA1.match(actor["mbox_sha1sum"])
        ):
            self.fail(f"{path}.mbox_sha1sum", "must be a hex SHA-1")
        if "openid" in actor and not (isinstance(actor["openid"], str) and IRI.match(actor["openid"])):
            self.fail(f"{path}.openid", "must be a URI")
        if "account" in actor:
            account = actor["account"]
            if self.object_with(account, f"{path}.account", {"homePage", "name"}, ("homePage", "name")):
                if "homePage" in account and not (
                    isinstance(account["homePage"], str) and IRL.match(account["homePage"])
                ):
                    self.fail(f"{path}.account.homePage", "must be an IRL")
                if "name" in account and not (isinstance(account["name"], str) and account["name"]):
                    self.fail(f"{path}.account.name", "must be a non-empty string")

    # -- verb and object ------------------------------------------------------------------------------

    def verb(self, verb, path: str) -> None:
        if not self.object_with(verb, path, VERB_KEYS, ("id", "display")):
            return
        self.iri(verb.get("id"), f"{path}.id")
        if "display" in verb:
            self.language_map(verb["display"], f"{path}.display")

    def object(self, obj, path: str, *, substatement: bool) -> None:
        if not isinstance(obj, dict):
            self.fail(path, "must be an object")
            return
        kind = obj.get("objectType", "Activity")
        if kind == "Activity":
            self.activity(obj, path)
        elif kind in ("Agent", "Group"):
            self.actor(obj, path, required_type=True)
        elif kind == "StatementRef":
            self.statement_ref(obj, path)
        elif kind == "SubStatement":
            if substatement:
                self.fail(path, "a sub-statement cannot contain a sub-statement")
            else:
                self.statement(obj, path, substatement=True)
        else:
            self.fail(f"{path}.objectType", "must be Activity, Agent, Group, StatementRef or SubStatement")

    def statement_ref(self, ref, path: str) -> None:
        if self.object_with(ref, path, {"objectType", "id"}, ("objectType", "id")):
            if ref.get("objectType") != "StatementRef":
                self.fail(f"{path}.objectType", "must be StatementRef")
            if "id" in ref and not is_uuid(ref["id"]):
                self.fail(f"{path}.id", "must be a UUID")

    def activity(self, activity, path: str) -> None:
        if not self.object_with(activity, path, ACTIVITY_KEYS, ("id",)):
            return
        if "objectType" in activity and activity["objectType"] != "Activity":
            self.fail(f"{path}.objectType", "must be Activity")
        self.iri(activity.get("id"), f"{path}.id")
        if "definition" in activity:
            self.definition(activity["definition"], f"{path}.definition")

    def definition(self, definition, path: str) -> None:
        if not self.object_with(definition, path, DEFINITION_KEYS):
            return
        for key in ("name", "description"):
            if key in definition:
                self.language_map(definition[key], f"{path}.{key}")
        if "type" in definition:
            self.iri(definition["type"], f"{path}.type")
        if "moreInfo" in definition and not (
            isinstance(definition["moreInfo"], str) and IRL.match(definition["moreInfo"])
        ):
            self.fail(f"{path}.moreInfo", "must be an IRL")
        if "extensions" in definition:
            self.extensions(definition["extensions"], f"{path}.extensions")
        itype = definition.get("interactionType")
        lists = COMPONENT_LISTS & set(definition)
        if itype is None:
            for key in sorted(lists | ({"correctResponsesPattern"} & set(definition))):
                self.fail(f"{path}.{key}", "is only allowed in an interaction activity (interactionType)")
            return
        if itype not in INTERACTION_TYPES:
            self.fail(f"{path}.interactionType", "is not an xAPI interaction type")
            return
        for key in sorted(lists - ALLOWED_LISTS.get(itype, set())):
            self.fail(f"{path}.{key}", f"is not a component list of a {itype} interaction")
        for key in sorted(lists):
            self.components(definition[key], f"{path}.{key}")
        if "correctResponsesPattern" in definition:
            pattern = definition["correctResponsesPattern"]
            if not isinstance(pattern, list) or not all(isinstance(p, str) for p in pattern):
                self.fail(f"{path}.correctResponsesPattern", "must be an array of strings")
            else:
                for index, response in enumerate(pattern):
                    self.response(response, definition, f"{path}.correctResponsesPattern[{index}]")

    def components(self, components, path: str) -> None:
        if not isinstance(components, list):
            self.fail(path, "must be an array of interaction components")
            return
        seen: set[str] = set()
        for index, component in enumerate(components):
            item = f"{path}[{index}]"
            if not self.object_with(component, item, {"id", "description"}, ("id",)):
                continue
            cid = component.get("id")
            if not isinstance(cid, str) or not cid:
                self.fail(f"{item}.id", "must be a non-empty string")
            elif cid in seen:
                self.fail(f"{item}.id", "repeats another component's id")
            else:
                seen.add(cid)
            if "description" in component:
                self.language_map(component["description"], f"{item}.description")

    # -- responses, results ---------------------------------------------------------------------------

    def response(self, response: str, definition: dict, path: str) -> None:
        """A response in the format of the interaction type (also the format of correct response patterns)."""
        itype = definition.get("interactionType")

        def ids(key):
            return {c.get("id") for c in definition.get(key) or [] if isinstance(c, dict)}

        if itype == "true-false":
            if response not in ("true", "false"):
                self.fail(path, "must be true or false")
        elif itype in ("choice", "sequencing") and "choices" in definition:
            if response and any(item not in ids("choices") for item in response.split("[,]")):
                self.fail(path, "names a choice that is not in the definition")
        elif itype == "likert" and "scale" in definition:
            if response not in ids("scale"):
                self.fail(path, "must be one id of the scale")
        elif itype == "matching" and ("source" in definition or "target" in definition):
            sources, targets = ids("source"), ids("target")
            for pair in filter(None, response.split("[,]")):
                parts = pair.split("[.]")
                if len(parts) != 2 or parts[0] not in sources or parts[1] not in targets:
                    self.fail(path, f"pair {pair!r} is not a source id [.] target id")
                    break
        elif itype == "numeric":
            if not response or not NUMBER_RANGE.match(response):
                self.fail(path, "must be a number or a range min[:]max")

    def result(self, result, path: str, obj) -> None:
        if not self.object_with(result, path, RESULT_KEYS):
            return
        for key in ("success", "completion"):
            if key in result and not isinstance(result[key], bool):
                self.fail(f"{path}.{key}", "must be true or false")
        if "response" in result:
            if not isinstance(result["response"], str):
                self.fail(f"{path}.response", "must be a string")
            elif (
                isinstance(obj, dict)
                and isinstance(obj.get("definition"), dict)
                and "interactionType" in obj["definition"]
            ):
                self.response(result["response"], obj["definition"], f"{path}.response")
        if "duration" in result and not is_duration(result["duration"]):
            self.fail(f"{path}.duration", "must be an ISO 8601 duration (PnYnMnDTnHnMnS or PnW)")
        if "extensions" in result:
            self.extensions(result["extensions"], f"{path}.extensions")
        if "score" in result:
            self.score(result["score"], f"{path}.score")

    def score(self, score, path: str) -> None:
        if not self.object_with(score, path, SCORE_KEYS):
            return
        for key in SCORE_KEYS & set(score):
            if not _is_number(score[key]):
                self.fail(f"{path}.{key}", "must be a number")
        values = {key: score[key] for key in SCORE_KEYS & set(score) if _is_number(score[key])}
        if "scaled" in values and not -1 <= values["scaled"] <= 1:
            self.fail(f"{path}.scaled", "must be between -1 and 1")
        if "min" in values and "max" in values and not values["min"] < values["max"]:
            self.fail(path, "min must be less than max")
        if "raw" in values:
            if "min" in values and values["raw"] < values["min"]:
                self.fail(f"{path}.raw", "must not be below min")
            if "max" in values and values["raw"] > values["max"]:
                self.fail(f"{path}.raw", "must not be above max")

    # -- context --------------------------------------------------------------------------------------

    def context(self, context, path: str, obj) -> None:
        if not self.object_with(context, path, CONTEXT_KEYS):
            return
        if "registration" in context and not is_uuid(context["registration"]):
            self.fail(f"{path}.registration", "must be a UUID")
        if "instructor" in context:
            self.actor(context["instructor"], f"{path}.instructor")
        if "team" in context:
            team = context["team"]
            if not isinstance(team, dict) or team.get("objectType") != "Group":
                self.fail(f"{path}.team", "must be a Group")
            else:
                self.group(team, f"{path}.team")
        is_activity = isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity"
        for key in ("revision", "platform"):
            if key in context:
                if not isinstance(context[key], str):
                    self.fail(f"{path}.{key}", "must be a string")
                if not is_activity:
                    self.fail(f"{path}.{key}", "is only allowed when the object is an activity")
        if "language" in context and not is_language_tag(context["language"]):
            self.fail(f"{path}.language", "must be an RFC 5646 language tag")
        if "statement" in context:
            self.statement_ref(context["statement"], f"{path}.statement")
        if "extensions" in context:
            self.extensions(context["extensions"], f"{path}.extensions")
        if "contextActivities" in context:
            activities = context["contextActivities"]
            if self.object_with(activities, f"{path}.contextActivities", CONTEXT_ACTIVITY_KEYS):
                for key, value in activities.items():
                    if key not in CONTEXT_ACTIVITY_KEYS:
                        continue
                    items = value if isinstance(value, list) else [value]
                    for index, activity in enumerate(items):
                        item_path = f"{path}.contextActivities.{key}[{index}]"
                        kind = activity.get("objectType", "Activity") if isinstance(activity, dict) else None
                        if kind not in (None, "Activity"):
                            self.fail(item_path, "must be an activity")
                        else:
                            self.activity(activity, item_path)

    # -- shared types ---------------------------------------------------------------------------------

    def iri(self, value, path: str) -> None:
        if not isinstance(value, str) or not IRI.match(value):
            self.fail(path, "must be an absolute IRI")

    def language_map(self, value, path: str) -> None:
        if not isinstance(value, dict):
            self.fail(path, "must be a language map")
            return
        for key, text in value.items():
            if not is_language_tag(key):
                self.fail(f"{path}.{key}", "is not an RFC 5646 language tag")
            if not isinstance(text, str):
                self.fail(f"{path}.{key}", "must be a string")

    def extensions(self, value, path: str) -> None:
        if not isinstance(value, dict):
            self.fail(path, "must be an object")
            return
        for key in value:
            self.iri(key, f"{path}[{key!r}]")

    def attachments(self, value, path: str) -> None:
        if not isinstance(value, list):
            self.fail(path, "must be an array")
            return
        for index, attachment in enumerate(value):
            item = f"{path}[{index}]"
            if self.object_with(
                attachment, item, ATTACHMENT_KEYS, ("usageType", "display", "contentType", "length", "sha2")
            ):
                self.iri(attachment.get("usageType"), f"{item}.usageType")
                if "display" in attachment:
                    self.language_map(attachment["display"], f"{item}.display")
                if "description" in attachment:
                    self.language_map(attachment["description"], f"{item}.description")
                if "length" in attachment and not (
                    isinstance(attachment["length"], int) and not isinstance(attachment["length"], bool)
                ):
                    self.fail(f"{item}.length", "must be an integer")
