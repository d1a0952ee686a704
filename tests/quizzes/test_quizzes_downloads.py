"""Downloads of a course's bank and of item analysis: one charset in the header, never an empty file."""

from __future__ import annotations

from lms.content.gift import parse_gift

GIFT = "::Seal::Which standard do container seals meet? {=ISO 17712 ~ISO 9001}\n"


def _expert_with_course(kit):
    expert = kit.expert()
    course = kit.course(owner=expert)
    return expert, course


def test_gift_export_says_its_charset_once(client, db, kit):
    expert, course = _expert_with_course(kit)
    kit.gift(course, GIFT)
    db.session.commit()
    client.login(expert.login_name)
    response = client.get(f"/quizzes/course/{course.slug}/export.gift")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "ISO 17712" in response.get_data(as_text=True)


def test_item_analysis_csv_says_its_charset_once(client, db, kit):
    expert, course = _expert_with_course(kit)
    kit.gift(course, GIFT)
    quiz = kit.quiz(course)
    db.session.commit()
    client.login(expert.login_name)
    response = client.get(f"/quizzes/{quiz.id}/analysis.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_an_empty_bank_exports_a_file_that_says_so(client, db, kit):
    expert, course = _expert_with_course(kit)
    db.session.commit()
    client.login(expert.login_name)
    response = client.get(f"/quizzes/course/{course.slug}/export.gift")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and len(body) > 0
    assert body.startswith("//") and "no questions" in body
    # The file is still GIFT: it holds no question and no problem.
    assert parse_gift(body) == ([], [])
