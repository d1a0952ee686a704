"""The validator knows the xAPI 1.0.3 rules: valid statements pass, each broken rule is named."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from tests.xapi.conformance import is_duration, is_language_tag, parse_timestamp, problems

GOOD = {
    "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
    "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.example.cn", "name": "0a1b2c"}},
    "verb": {
        "id": "http://adlnet.gov/expapi/verbs/answered",
        "display": {"en": "answered", "zh-CN": "已作答"},
    },
    "object": {
        "objectType": "Activity",
        "id": "https://lms.example.cn/xapi/activities/question/4/v1",
        "definition": {
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "name": {"zh-CN": "选择题"},
            "interactionType": "choice",
            "choices": [{"id": "a", "description": {"en": "A"}}, {"id": "b", "description": {"en": "B"}}],
            "correctResponsesPattern": ["b"],
        },
    },
    "result": {
        "response": "a[,]b",
        "success": False,
        "completion": True,
        "duration": "PT12M30S",
        "score": {"scaled": 0.5, "raw": 1, "min": 0, "max": 2},
    },
    "context": {
        "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
        "contextActivities": {
            "parent": [{"id": "https://lms.example.cn/xapi/activities/quiz/1"}],
            "grouping": [{"id": "https://lms.example.cn/xapi/activities/course/a"}],
        },
        "platform": "AEO Training Center LMS",
        "language": "zh-CN",
    },
    "timestamp": "2026-03-01T08:15:30.123Z",
    "version": "1.0.0",
}


def changed(path: str, value=None, *, delete=False) -> dict:
    statement = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    target = statement
    for key in parents:
        target = target[key]
    if delete:
        del target[last]
    else:
        target[last] = value
    return statement


def test_a_complete_statement_is_valid():
    assert problems(GOOD) == []


@pytest.mark.parametrize(
    "path, value, expected",
    [
        ("id", "not-a-uuid", "id: must be a UUID"),
        ("surprise", 1, "surprise: is not an allowed property"),
        ("actor.mbox", "mailto:a@example.com", "actor: must have exactly one inverse functional identifier"),
        ("actor.account", {"homePage": "https://x.example", "name": ""}, "actor.account.name"),
        ("actor.account", {"homePage": "not a url", "name": "n"}, "actor.account.homePage: must be an IRL"),
        ("actor.objectType", "Person", "actor.objectType"),
        ("verb.id", "answered", "verb.id: must be an absolute IRI"),
        ("verb.display", {"en US": "answered"}, "verb.display.en US: is not an RFC 5646 language tag"),
        ("verb.display", {"zh_CN": "已作答"}, "verb.display.zh_CN: is not an RFC 5646"),
        ("object.id", "/relative/path", "object.id: must be an absolute IRI"),
        ("object.definition.interactionType", "essay", "object.definition.interactionType"),
        ("object.definition.source", [{"id": "s1"}], "object.definition.source: is not a component list"),
        ("object.definition.choices", [{"id": "a"}, {"id": "a"}], "repeats another component's id"),
        ("result.response", "a[,]z", "result.response: names a choice that is not in the definition"),
        ("result.score", {"scaled": 1.5}, "result.score.scaled: must be between -1 and 1"),
        ("result.score", {"raw": 3, "min": 0, "max": 2}, "result.score.raw: must not be above max"),
        ("result.score", {"raw": -1, "min": 0, "max": 2}, "result.score.raw: must not be below min"),
        ("result.score", {"min": 2, "max": 2}, "result.score: min must be less than max"),
        ("result.score", {"raw": "7"}, "result.score.raw: must be a number"),
        ("result.success", "yes", "result.success: must be true or false"),
        ("result.duration", "12:30", "result.duration: must be an ISO 8601 duration"),
        ("result.duration", "PT", "result.duration"),
        ("result.duration", "P1W2D", "result.duration"),
        ("context.registration", "12345", "context.registration: must be a UUID"),
        ("context.language", "Chinese (China)", "context.language: must be an RFC 5646 language tag"),
        (
            "context.contextActivities",
            {"children": []},
            "context.contextActivities.children: is not an allowed",
        ),
        (
            "context.instructor",
            {"name": "No identifier"},
            "context.instructor: needs an inverse functional identifier",
        ),
        ("timestamp", "01/03/2026 08:15", "timestamp: must be an ISO 8601 date and time"),
        ("timestamp", "2026-02-30T08:15:30Z", "timestamp: must be an ISO 8601 date and time"),
        ("version", "2.0.0", "version: must be a 1.0.x version"),
        ("version", "1.0", "version: must be a 1.0.x version"),
    ],
)
def test_each_broken_rule_is_named(path, value, expected):
    found = problems(changed(path, value))
    assert any(expected in problem for problem in found), found


@pytest.mark.parametrize("path", ["actor", "verb", "object"])
def test_required_properties(path):
    assert f"{path}: is required" in problems(changed(path, delete=True))


def test_verb_needs_a_display():
    assert "verb.display: is required" in problems(changed("verb.display", delete=True))


def test_revision_and_platform_only_with_an_activity_object():
    statement = changed("object", {"objectType": "Agent", "mbox": "mailto:expert@example.com"})
    del statement["result"]
    found = problems(statement)
    assert "context.platform: is only allowed when the object is an activity" in found


def test_an_agent_object_needs_its_object_type():
    statement = changed("object", {"mbox": "mailto:expert@example.com"})
    assert any("object" in p for p in problems(statement))


def test_future_timestamps_are_refused_when_asked():
    now = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert problems(GOOD, now=now) == ["timestamp: is in the future"]
    assert problems(GOOD, now=now + timedelta(hours=1)) == []


@pytest.mark.parametrize(
    "tag",
    [
        "en",
        "zh-CN",
        "zh-Hans-CN",
        "en-US",
        "de-CH-1901",
        "sgn-BE-FR",
        "x-private",
        "es-419",
        "und",
        "i-klingon",
        "en-a-bbb-x-a-ccc",
    ],
)
def test_language_tags(tag):
    assert is_language_tag(tag)


@pytest.mark.parametrize(
    "tag", ["", "zh_CN", "english language", "e", "en-", "123", "en-US-", "en--US", "toolongtag1"]
)
def test_not_language_tags(tag):
    assert not is_language_tag(tag)


@pytest.mark.parametrize(
    "value, ok",
    [
        ("PT12M30S", True),
        ("PT4H35M59.14S", True),
        ("P3Y1M29DT4H35M59.14S", True),
        ("P3Y", True),
        ("P4W", True),
        ("PT0S", True),
        ("PT0.5S", True),
        ("P", False),
        ("PT", False),
        ("P4W1D", False),
        ("PT1.S", False),
        ("12M", False),
        ("P1DT", False),
        ("PT-5S", False),
    ],
)
def test_durations(value, ok):
    assert is_duration(value) is ok


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-01T08:15:30Z",
        "2026-03-01T08:15:30.123456789+08:00",
        "2026-03-01T08:15:30+0800",
        "2026-03-01T08:15:30",
    ],
)
def test_timestamps(value):
    assert parse_timestamp(value) is not None


def test_timestamp_offsets_are_applied():
    assert parse_timestamp("2026-03-01T16:15:30+08:00") == datetime(2026, 3, 1, 8, 15, 30, tzinfo=UTC)


def test_interaction_response_formats():
    statement = copy.deepcopy(GOOD)
    statement["object"]["definition"] = {
        "interactionType": "matching",
        "source": [{"id": "s1"}, {"id": "s2"}],
        "target": [{"id": "t1"}],
    }
    statement["result"]["response"] = "s1[.]t1[,]s2[.]t1"
    assert problems(statement) == []
    statement["result"]["response"] = "s1[.]t9"
    assert any("is not a source id [.] target id" in p for p in problems(statement))
    statement["object"]["definition"] = {"interactionType": "numeric"}
    for response, ok in (("4", True), ("[:]4", True), ("1.5[:]2.5", True), ("four", False)):
        statement["result"]["response"] = response
        assert (problems(statement) == []) is ok, response
    statement["object"]["definition"] = {"interactionType": "true-false", "correctResponsesPattern": ["yes"]}
    statement["result"]["response"] = "true"
    assert any("correctResponsesPattern[0]: must be true or false" in p for p in problems(statement))


def test_component_lists_need_an_interaction_type():
    statement = changed("object.definition.interactionType", delete=True)
    del statement["result"]["response"]
    assert any("only allowed in an interaction activity" in p for p in problems(statement))


def test_groups():
    statement = changed("actor", {"objectType": "Group", "member": [{"mbox": "mailto:a@example.com"}]})
    assert problems(statement) == []
    statement = changed("actor", {"objectType": "Group"})
    assert "actor.member: is required in an anonymous group" in problems(statement)
