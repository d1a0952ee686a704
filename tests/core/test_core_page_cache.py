"""Kept trainee pages (lms.core.page_cache): served again only while nothing they show has changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.core import page_cache
from lms.core.models import PageVersion
from lms.courses.models import Enrollment
from lms.notifications.services import notify
from tests.factories import published_course
from tests.quizzes.conftest import QuizKit

TF = {"answer": True}
HEADER = page_cache.HEADER
PAGES = [
    "/",
    "/courses/",
    "/courses/kept",
    "/courses/kept/lessons/one",
    "/courses/my",
    "/quizzes/",
    "/evidence/certificates/mine",
]


@pytest.fixture
def kit(db, factory) -> QuizKit:
    return QuizKit(db, factory)


@pytest.fixture
def course(db, kit):
    course = published_course(
        db,
        slug="kept",
        title="Kept course",
        training_type="compliance",
        lessons=[("one", "First lesson"), ("two", "Second lesson")],
    )
    kit.question(course, "true_false", TF)
    kit.quiz(course, title="Kept quiz", pass_mark=50)
    db.session.commit()
    return course


@pytest.fixture
def trainee(db, kit, course):
    trainee = kit.trainee(login_name="kept.trainee")
    trainee.display_name = "Kept Trainee"
    kit.enrol(trainee, course)
    db.session.commit()
    return trainee


def _settled(client, url):
    """Load the page until the session stops changing (the first page after signing in writes the CSRF
    token into the session), then once more: that load is kept."""
    client.get(url)
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def _versions(db) -> dict[int, int]:
    db.session.expire_all()
    return dict(db.session.execute(sa.select(PageVersion.owner_id, PageVersion.version)).all())


@pytest.mark.parametrize("url", PAGES)
def test_a_page_is_kept_and_served_again_with_one_statement(client, trainee, count_queries, url):
    client.login("kept.trainee")
    stored = _settled(client, url)
    assert stored.headers.get(HEADER) == "stored"
    with count_queries(kept_pages=True) as counter:
        again = client.get(url)
    assert again.headers.get(HEADER) == "kept"
    assert again.data == stored.data
    seen = [s for s in counter.statements if not s.upper().startswith("BEGIN")]  # SQLite's BEGIN IMMEDIATE
    assert len(seen) == 1, seen  # the account and its two counters, in one
    assert again.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in again.headers


@pytest.mark.parametrize("url", PAGES)
def test_another_trainee_never_gets_a_kept_page(app, client, db, kit, trainee, course, url):
    other = kit.trainee(login_name="other.trainee")
    other.display_name = "Other Person"
    kit.enrol(other, course)
    db.session.commit()
    client.login("kept.trainee")
    mine = _settled(client, url)
    assert b"Kept Trainee" in mine.data
    second = app.test_client()
    second.login("other.trainee")
    theirs = _settled(second, url)
    assert theirs.headers.get(HEADER) == "stored"  # rendered for them, not taken from the first
    assert b"Other Person" in theirs.data and b"Kept Trainee" not in theirs.data


@pytest.mark.parametrize("url", PAGES)
def test_a_new_notification_shows_at_once(client, db, trainee, url):
    client.login("kept.trainee")
    assert b"text-bg-light" not in _settled(client, url).data
    notify(trainee, "A kept-page notice", "/")
    db.session.commit()
    response = client.get(url)
    assert response.headers.get(HEADER) == "stored"
    assert b'text-bg-light">1<span class="visually-hidden"> unread' in response.data


def test_completing_a_lesson_shows_on_the_course_page_at_once(client, db, trainee, course):
    client.login("kept.trainee")
    before = _settled(client, "/courses/kept")
    assert before.headers.get(HEADER) == "stored"
    response = client.submit("/courses/kept/lessons/one/complete")
    assert response.status_code == 302
    client.get("/courses/kept")  # shows the flashed confirmation: not kept
    after = client.get("/courses/kept")
    assert after.headers.get(HEADER) == "stored"
    assert after.data != before.data
    enrollment = db.session.execute(
        sa.select(Enrollment).where(Enrollment.user_id == trainee.id)
    ).scalar_one()
    assert enrollment.status in ("active", "completed")


def test_a_flashed_message_is_shown_once_and_never_kept(client, db, trainee, course):
    client.login("kept.trainee")
    _settled(client, "/courses/kept")
    client.submit("/courses/kept/lessons/one/complete")
    flashed = client.get("/courses/kept")
    assert flashed.headers.get(HEADER) is None  # neither served from nor kept
    assert b'class="flash ' in flashed.data
    plain = client.get("/courses/kept")
    assert plain.headers.get(HEADER) == "stored"
    assert b'class="flash ' not in plain.data
    assert client.get("/courses/kept").headers.get(HEADER) == "kept"


def test_a_submitted_attempt_shows_at_once_and_raises_only_the_trainees_counter(
    client, db, kit, trainee, course
):
    from lms.quizzes.models import Quiz

    client.login("kept.trainee")
    before = _settled(client, "/quizzes/")
    assert before.headers.get(HEADER) == "stored"
    everyone = _versions(db).get(page_cache.EVERYONE)
    quiz = db.session.execute(sa.select(Quiz).where(Quiz.course_id == course.id)).scalar_one()
    kit.take(trainee, quiz, {1: "true"})
    db.session.commit()
    versions = _versions(db)
    assert versions.get(page_cache.EVERYONE) == everyone  # no one else's kept pages are out of date
    assert versions[trainee.id] >= 1
    after = client.get("/quizzes/")
    assert after.headers.get(HEADER) == "stored"
    assert after.data != before.data
    assert b"100" in after.data


def test_another_trainees_attempt_leaves_this_trainees_page_kept(client, db, kit, trainee, course):
    from lms.quizzes.models import Quiz

    other = kit.trainee(login_name="busy.other")
    kit.enrol(other, course)
    db.session.commit()
    client.login("kept.trainee")
    _settled(client, "/courses/kept")
    quiz = db.session.execute(sa.select(Quiz).where(Quiz.course_id == course.id)).scalar_one()
    kit.take(other, quiz, {1: "true"})
    db.session.commit()
    assert client.get("/courses/kept").headers.get(HEADER) == "kept"


def test_a_course_change_shows_to_every_trainee_at_once(client, db, trainee, course):
    client.login("kept.trainee")
    _settled(client, "/courses/")
    _settled(client, "/courses/kept")
    course.published_version.title = "Renamed course"
    db.session.commit()
    for url in ("/courses/", "/courses/kept"):
        response = client.get(url)
        assert response.headers.get(HEADER) == "stored", url
        assert b"Renamed course" in response.data, url


def test_a_seat_taken_through_a_statement_raises_everyones_counter(db, kit, trainee):
    from lms.sessions.models import TrainingSession

    everyone = _versions(db).get(page_cache.EVERYONE, 0)
    db.session.execute(sa.update(TrainingSession).values(seats_taken=TrainingSession.seats_taken))
    db.session.commit()
    assert _versions(db)[page_cache.EVERYONE] == everyone + 1


def test_a_rolled_back_change_raises_nothing_and_a_savepoint_keeps_the_rest(db, kit, trainee):
    before = _versions(db)
    trainee.display_name = "Never saved"
    db.session.flush()
    db.session.rollback()
    assert _versions(db) == before
    trainee = db.session.get(type(trainee), trainee.id)
    trainee.display_name = "Saved"
    db.session.flush()
    savepoint = db.session.begin_nested()
    trainee.timezone = "Asia/Shanghai"
    db.session.flush()
    savepoint.rollback()
    db.session.commit()
    assert _versions(db)[trainee.id] == before.get(trainee.id, 0) + 1


def test_an_officers_change_raises_everyones_counter(db, kit):
    officer = kit.officer(login_name="renamed.officer")
    db.session.commit()
    everyone = _versions(db).get(page_cache.EVERYONE, 0)
    officer.display_name = "A new name"
    db.session.commit()
    assert _versions(db)[page_cache.EVERYONE] == everyone + 1


def test_a_deactivated_account_gets_no_kept_page(client, db, trainee):
    client.login("kept.trainee")
    _settled(client, "/courses/my")
    db.session.execute(sa.update(type(trainee)).where(type(trainee).id == trainee.id).values(active=False))
    db.session.commit()
    response = client.get("/courses/my")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_session_from_another_browser_gets_no_kept_page(client, trainee):
    client.login("kept.trainee")
    _settled(client, "/courses/my")
    response = client.get("/courses/my", headers={"User-Agent": "another browser"})
    assert response.headers.get(HEADER) is None
    assert response.status_code == 302  # strong session protection logs that session out


def test_the_language_decides_which_page_is_served(client, db, trainee):
    client.login("kept.trainee")
    english = _settled(client, "/courses/my")
    client.set_cookie("lang", "zh_CN")
    chinese = _settled(client, "/courses/my")
    assert chinese.data != english.data
    assert "我的学习".encode() in chinese.data
    assert "我的学习".encode() not in english.data
    client.set_cookie("lang", "en")
    again = _settled(client, "/courses/my")
    assert "我的学习".encode() not in again.data and b"My learning" in again.data


def test_a_page_is_kept_for_page_cache_seconds_at_most(client, clock, trainee):
    clock.set(clock.now().replace(microsecond=0))
    client.login("kept.trainee")
    _settled(client, "/courses/my")
    clock.advance(seconds=29)
    assert client.get("/courses/my").headers.get(HEADER) == "kept"
    clock.advance(seconds=1)
    assert client.get("/courses/my").headers.get(HEADER) == "stored"


def test_a_new_privacy_notice_is_asked_for_even_from_a_kept_page(app, client, trainee, tmp_path, monkeypatch):
    from lms.privacy import notice

    client.login("kept.trainee")
    _settled(client, "/courses/my")
    current = notice.current_version()
    monkeypatch.setattr(notice, "current_version", lambda: (current or 0) + 1)
    response = client.get("/courses/my")
    assert response.status_code == 302
    assert "/privacy/notice" in response.headers["Location"]


def test_officers_pages_are_never_kept(client, db, kit, course):
    kit.officer(login_name="kept.officer")
    db.session.commit()
    client.login("kept.officer")
    for _ in range(3):
        response = client.get("/courses/kept")
        assert response.status_code == 200
        assert response.headers.get(HEADER) is None


def test_nothing_is_kept_when_page_cache_seconds_is_0(app, client, trainee, monkeypatch):
    monkeypatch.delitem(app.extensions, "page_cache")
    client.login("kept.trainee")
    for _ in range(3):
        response = client.get("/courses/my")
        assert response.status_code == 200
        assert response.headers.get(HEADER) is None


def test_the_store_forgets_the_least_recently_kept_first():
    store = page_cache._Store(seconds=30, limit=2)
    from lms.core.clock import system_now

    now = system_now()
    for n in range(3):
        store.put((n,), ("f", now, b"page", "text/html"))
    assert store.get((0,), "f", now) is None
    assert store.get((2,), "f", now)[2] == b"page"
    assert store.get((2,), "other", now) is None  # something it shows has changed
    assert store.get((2,), "f", now + timedelta(seconds=30)) is None


def test_reports_rebuild_puts_every_kept_page_out_of_date(cli, db, client, trainee):
    client.login("kept.trainee")
    _settled(client, "/quizzes/")
    everyone = _versions(db).get(page_cache.EVERYONE, 0)
    result = cli.invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    assert _versions(db)[page_cache.EVERYONE] == everyone + 1
    assert client.get("/quizzes/").headers.get(HEADER) == "stored"
