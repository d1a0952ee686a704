"""Statements exported from a realistic learning record: valid xAPI, pseudonymous, deterministic, complete."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections import Counter
from datetime import timedelta

import pytest

from lms.database import utcnow
from lms.quizzes import attempts as attempt_services
from lms.xapi.statements import STREAMS, Vocabulary, dumps, iter_statements, iter_stream
from tests.xapi.conformance import problems

VERB = "http://adlnet.gov/expapi/verbs/"


def export(**bounds) -> list[dict]:
    return [item.statement for item in iter_statements(**bounds)]


def verb(statement) -> str:
    return statement["verb"]["id"].removeprefix(VERB)


def by_verb(statements, name, actor=None):
    return [s for s in statements if verb(s) == name and (actor is None or s["actor"] == actor)]


def actor_of(user) -> dict:
    return Vocabulary.from_app().actor(user.id)


def test_every_statement_is_valid_xapi(learning):
    statements = export()
    now = utcnow()
    for statement in statements:
        assert problems(statement, now=now) == [], dumps(statement)
    assert Counter(verb(s) for s in statements) == {
        "registered": 4,  # three enrolments in the course, one in the other course
        "attended": 2,  # Alice present, Bob late; Carol was absent
        "answered": 19,  # Bob 6 + 6 (no essay), Alice 7; the description is not a question to answer
        "completed": 5,  # three attempts, two course completions
        "passed": 2,
        "failed": 1,
    }
    assert len({s["id"] for s in statements}) == len(statements)
    assert all(s["version"] == "1.0.0" for s in statements)
    assert all(s["timestamp"].endswith("Z") for s in statements)


def test_each_question_type_is_an_interaction(learning, helpers):
    statements = export()
    alice = actor_of(learning.trainees["alice"])
    answered = {s["object"]["definition"]["name"]["zh-CN"]: s for s in by_verb(statements, "answered", alice)}
    expected = {
        "single choice question": ("choice", "b"),
        "multiple response question": ("choice", "ic[,]fs"),
        "true false question": ("true-false", "true"),
        "short answer question": ("fill-in", "aeocn"),
        "numerical question": ("numeric", "1.02"),
        "matching question": ("matching", "s1[.]t1[,]s2[.]t2"),
        "essay question": ("long-fill-in", helpers.RIGHT[7]),
    }
    assert set(answered) == set(expected)
    for name, (interaction, response) in expected.items():
        statement = answered[name]
        definition = statement["object"]["definition"]
        assert definition["type"] == "http://adlnet.gov/expapi/activities/cmi.interaction"
        assert definition["interactionType"] == interaction, name
        assert statement["result"]["response"] == response, name
    definitions = {name: statement["object"]["definition"] for name, statement in answered.items()}
    assert definitions["single choice question"]["correctResponsesPattern"] == ["b"]
    assert [c["id"] for c in definitions["single choice question"]["choices"]] == ["a", "b", "c"]
    assert definitions["matching question"]["correctResponsesPattern"] == ["s1[.]t1[,]s2[.]t2"]
    assert definitions["numerical question"]["correctResponsesPattern"] == ["0.95[:]1.05"]
    essay = answered["essay question"]["result"]
    assert essay["score"] == {"scaled": 0.75, "raw": 1.5, "min": 0, "max": 2}
    assert essay["success"] is False and essay["completion"] is True
    assert answered["true false question"]["result"]["score"] == {"scaled": 1, "raw": 1, "min": 0, "max": 1}
    assert answered["true false question"]["result"]["success"] is True
    question = answered["single choice question"]["object"]["id"]
    assert question.startswith("http://lms.test/xapi/activities/question/") and question.endswith("/v1")


def test_attempt_results_carry_score_success_and_duration(learning):
    statements = export()
    bob = actor_of(learning.trainees["bob"])
    base = learning.base
    failed = by_verb(statements, "failed", bob)
    assert len(failed) == 1
    result = failed[0]["result"]
    assert result["success"] is False and result["completion"] is True
    assert result["score"] == {"scaled": 0, "raw": 0, "min": 0, "max": 8}
    assert result["duration"] == "PT12M30S"
    passed = by_verb(statements, "passed", bob)[0]
    assert passed["result"]["success"] is True
    assert passed["result"]["score"] == {"scaled": 0.75, "raw": 6, "min": 0, "max": 8}
    assert passed["result"]["duration"] == "PT1M5S"
    quiz_id = f"http://lms.test/xapi/activities/quiz/{learning.quiz.id}"
    assert passed["object"]["id"] == quiz_id
    assert passed["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/assessment"
    alice = actor_of(learning.trainees["alice"])
    completed = [s for s in by_verb(statements, "completed", alice) if s["object"]["id"] == quiz_id][0]
    # Completed when submitted, passed when the expert's mark made the grade final.
    assert completed["timestamp"] == (base + timedelta(hours=1, minutes=12, seconds=30)).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"
    )
    alice_passed = by_verb(statements, "passed", alice)[0]
    assert alice_passed["timestamp"] == (base + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert alice_passed["result"]["score"] == {"scaled": 0.9375, "raw": 7.5, "min": 0, "max": 8}


def test_context_carries_registration_parent_and_grouping(learning):
    statements = export()
    alice = learning.trainees["alice"]
    enrollment = learning.enrollments["alice"]
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "http://lms.test/xapi")
    registration = str(uuid.uuid5(namespace, f"registration/enrollment/{enrollment.id}"))
    course_id = "http://lms.test/xapi/activities/course/aeo-certification-basics"
    quiz_id = f"http://lms.test/xapi/activities/quiz/{learning.quiz.id}"
    mine = [
        s
        for s in statements
        if s["actor"] == actor_of(alice)
        and s["object"]["id"] != ("http://lms.test/xapi/activities/course/credit-rules")
    ]
    assert mine and all(s["context"]["registration"] == registration for s in mine)
    for statement in by_verb(mine, "answered"):
        activities = statement["context"]["contextActivities"]
        assert [a["id"] for a in activities["parent"]] == [quiz_id]
        assert [a["id"] for a in activities["grouping"]] == [course_id]
        assert statement["context"]["language"] == "zh-CN"
        assert statement["context"]["platform"] == "AEO Training Center LMS"
    attended = by_verb(mine, "attended")[0]
    assert attended["object"]["id"] == f"http://lms.test/xapi/activities/session/{learning.session.id}"
    assert attended["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/meeting"
    assert [a["id"] for a in attended["context"]["contextActivities"]["parent"]] == [course_id]
    course_done = [s for s in by_verb(mine, "completed") if s["object"]["id"] == course_id][0]
    assert course_done["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/course"
    assert course_done["context"]["revision"] == "1"
    other = [s for s in statements if s["object"]["id"].endswith("/course/credit-rules")][0]
    assert other["context"]["registration"] != registration
    assert other["object"]["definition"]["name"] == {"en": "Credit rules"}


def test_actors_are_pseudonymous_and_stable(learning, app):
    text = "\n".join(dumps(s) for s in export())
    key = app.config["SECRET_KEY"].encode()
    for trainee in learning.trainees.values():
        assert trainee.login_name not in text and trainee.email not in text
        assert trainee.display_name not in text
        expected = hmac.new(key, str(trainee.id).encode(), hashlib.sha256).hexdigest()
        assert actor_of(trainee) == {
            "objectType": "Agent",
            "account": {"homePage": "http://lms.test", "name": expected[:32]},
        }
    names = {actor_of(t)["account"]["name"] for t in learning.trainees.values()}
    assert len(names) == 3
    other_site = Vocabulary(site_url="http://lms.test", actor_key=b"another key", namespace=uuid.uuid4())
    assert other_site.pseudonym(learning.trainees["alice"].id) not in names


def test_exporting_again_gives_the_same_statements(learning):
    first = [dumps(s) for s in export()]
    second = [dumps(s) for s in export()]
    assert first == second


def test_a_remarked_essay_gives_new_statements_only_for_what_changed(learning, db, helpers):
    before = {(verb(s), s["object"]["id"], s["actor"]["account"]["name"]): s["id"] for s in export()}
    attempt = learning.attempts["alice"]
    attempt_services.mark_question(
        learning.expert,
        helpers.essay_row(attempt),
        "2",
        "Complete after all",
        now=learning.base + timedelta(days=2),
    )
    db.session.commit()
    after = {(verb(s), s["object"]["id"], s["actor"]["account"]["name"]): s["id"] for s in export()}
    assert before.keys() == after.keys()
    changed = {key for key in before if before[key] != after[key]}
    alice = actor_of(learning.trainees["alice"])["account"]["name"]
    quiz_id = f"http://lms.test/xapi/activities/quiz/{learning.quiz.id}"
    essay_keys = {
        key
        for key in before
        if key[0] == "answered"
        and key[2] == alice
        and "question" in key[1]
        and key[1].endswith(f"/question/{helpers.essay_row(attempt).question_id}/v1")
    }
    assert changed == essay_keys | {("completed", quiz_id, alice), ("passed", quiz_id, alice)}


def test_since_and_until_select_by_the_time_the_fact_was_recorded(learning):
    base = learning.base
    window = export(since=base + timedelta(hours=1), until=base + timedelta(hours=3))
    bob = actor_of(learning.trainees["bob"])
    assert Counter(verb(s) for s in window) == {"answered": 6, "completed": 1, "passed": 1}
    assert all(s["actor"] == bob for s in window)
    assert export(since=utcnow() + timedelta(days=1)) == []


@pytest.mark.parametrize("stream", STREAMS)
def test_a_stream_resumes_after_any_position(learning, stream):
    vocabulary = Vocabulary.from_app()
    items = list(iter_stream(vocabulary, stream))
    assert items and [i.position for i in items] == sorted(i.position for i in items)
    for cut in range(len(items)):
        rest = list(iter_stream(vocabulary, stream, after=items[cut].position, limit=2))
        # A page of two rows from the cut: the statements after it, none before or at it.
        expected = items[cut + 1 : cut + 1 + len(rest)]
        assert [i.statement["id"] for i in rest] == [i.statement["id"] for i in expected]
    assert list(iter_stream(vocabulary, stream, after=items[-1].position)) == []


def test_reading_streams_in_batches_without_a_query_per_row(learning, db, count_queries, helpers):
    with count_queries() as few:
        small = export(batch_size=1000)
    bob = learning.trainees["bob"]
    for hours in range(5):
        helpers.take(
            bob, learning.quiz, {**helpers.RIGHT, 7: ""}, started=learning.base + timedelta(hours=10 + hours)
        )
    db.session.commit()
    with count_queries() as more:
        large = export(batch_size=1000)
    assert len(large) > len(small)
    assert more.count == few.count


def test_statements_serialise_as_utf8_json(learning):
    line = dumps(export()[0])
    assert "\n" not in line
    assert "AEO 认证基础" in line  # text kept as is, not escaped
    assert json.loads(line)["object"]["definition"]["name"] == {"zh-CN": "AEO 认证基础"}
