"""Statements per submission and per list page do not grow with the number of questions or rows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from lms.quizzes import attempts as svc
from lms.quizzes.models import Attempt

TF = {"answer": True, "feedback_true": "", "feedback_false": ""}
SC = {
    "choices": [
        {"id": "a", "text": "A", "fraction": "1", "feedback": ""},
        {"id": "b", "text": "B", "fraction": "0", "feedback": ""},
    ]
}


REQUIRED = {False: (), True: ["q"], "other": ["final"]}


def _quiz_with(kit, n_questions, *, require=False):
    """A quiz "q" of ``n_questions``; ``require``: the course requires it (True), requires another quiz
    ("other") or no quiz (False)."""
    course = kit.course(require_quizzes=REQUIRED[require])
    for i in range(n_questions):
        kit.question(course, "true_false" if i % 2 else "single_choice", TF if i % 2 else SC)
    return kit.quiz(course, key="q", pass_mark=50)


def _submit_counting(kit, db, count_queries, n_questions, require):
    """Submit a trainee's attempt at a new quiz of ``n_questions``, all answered right; the statements sent."""
    quiz = _quiz_with(kit, n_questions, require=require)
    trainee = kit.trainee()
    kit.enrol(trainee, quiz.course)
    attempt, _ = svc.start_attempt(trainee, quiz)
    rows = svc.load_questions(attempt)
    svc.save_responses(
        trainee, attempt, rows, MultiDict({f"q{r.slot}": "a" if r.slot % 2 else "true" for r in rows})
    )
    db.session.commit()
    attempt = db.session.get(type(attempt), attempt.id)
    trainee = db.session.get(type(trainee), trainee.id)
    with count_queries() as counter:
        assert svc.submit_attempt(trainee, attempt)
        db.session.commit()
    assert attempt.percent == 100
    return counter


def _started(client, kit, db, n_questions, login_name):
    """A new trainee enrolled in a new quiz's course, signed in, starts an attempt: (quiz, the attempt's URL)."""
    quiz = _quiz_with(kit, n_questions)
    trainee = kit.trainee(login_name=login_name)
    kit.enrol(trainee, quiz.course)
    db.session.commit()
    client.login(login_name)
    started = client.submit(f"/quizzes/{quiz.id}/start", {})
    assert started.status_code == 302
    return quiz, started.headers["Location"]


def _submission_statements(kit, db, count_queries, n_questions, require):
    return _submit_counting(kit, db, count_queries, n_questions, require).count


@pytest.mark.parametrize("require", [False, True, "other"])
def test_statements_per_submission_are_few_and_constant(kit, db, count_queries, require):
    small = _submission_statements(kit, db, count_queries, 5, require)
    large = _submission_statements(kit, db, count_queries, 40, require)
    assert small == large
    if not require:  # completing the course adds the work of the areas that act on completion
        # 3 keep the stored result (lms.reports.stored); the questions come with their other-language
        # answers in one (a trainee is graded on the language they read)
        lock = 1 if db.engine.dialect.name == "postgresql" else 0
        # the enrolment comes with its course and published version (completion reads them) in one;
        # 1 raises the trainee's page counter (lms.core.page_cache: their kept pages are out of date)
        assert small <= 12 + lock  # PostgreSQL adds the ledger's advisory lock


def test_a_quiz_the_course_does_not_require_costs_no_completion_check(kit, db, count_queries):
    """Grading a practice quiz cannot complete the course: the required quizzes' results are not read."""
    plain = _submit_counting(kit, db, count_queries, 5, False)
    other = _submit_counting(kit, db, count_queries, 5, "other")
    assert other.count == plain.count, "\n".join(other.statements)
    required = _submit_counting(kit, db, count_queries, 5, True)
    assert required.count > plain.count  # a required quiz's attempt checks the course's quizzes


def test_a_required_quiz_passed_completes_the_course_and_a_practice_quiz_does_not(kit, db):
    course = kit.course(require_quizzes=["final"])
    for _ in range(3):
        kit.question(course, "true_false", TF)
    practice = kit.quiz(course, key="practice", pass_mark=50)
    final = kit.quiz(course, key="final", pass_mark=50)
    trainee = kit.trainee()
    enrollment = kit.enrol(trainee, course)
    kit.take(trainee, practice, {1: "true", 2: "true", 3: "true"})
    db.session.commit()
    assert enrollment.status == "active"
    kit.take(trainee, final, {1: "true", 2: "true", 3: "true"})
    db.session.commit()
    assert enrollment.status == "completed"


def test_through_the_submit_page_a_required_quiz_completes_the_course_and_a_practice_quiz_does_not(
    client, db, kit
):
    from lms.courses.models import Enrollment

    course = kit.course(require_quizzes=["final"])
    for _ in range(2):
        kit.question(course, "true_false", TF)
    practice = kit.quiz(course, key="practice", pass_mark=50)
    final = kit.quiz(course, key="final", pass_mark=50)
    trainee = kit.trainee(login_name="finisher")
    enrollment_id = kit.enrol(trainee, course).id
    db.session.commit()
    client.login("finisher")
    for quiz, status in ((practice, "active"), (final, "completed")):
        attempt_url = client.submit(f"/quizzes/{quiz.id}/start", {}).headers["Location"]
        saved = client.submit(attempt_url, {"q1": "true", "q2": "true", "go": "summary"})
        assert saved.status_code == 302
        assert client.submit(f"{attempt_url}/submit", {}).status_code == 302
        db.session.expire_all()
        assert db.session.get(Enrollment, enrollment_id).status == status


def test_the_attempt_page_and_saving_it_take_few_statements_whatever_the_questions(
    client, db, kit, count_queries
):
    """The page's questions come with their count and their language variants in one statement."""

    def counts(n_questions, login_name):
        quiz, page_url = _started(client, kit, db, n_questions, login_name)
        with count_queries() as shown:
            page = client.get(page_url)
        assert page.status_code == 200
        assert 'name="q1"' in page.get_data(as_text=True)
        answers = {f"q{slot}": "a" if slot % 2 else "true" for slot in range(1, quiz.questions_per_page + 1)}
        answers = {k: v for k, v in answers.items() if int(k[1:]) <= n_questions}
        with count_queries() as saved:
            response = client.submit(page_url, {**answers, "go": "summary"})
        assert response.status_code == 302 and "summary" in response.headers["Location"]
        client.post("/logout", data={"csrf_token": client.csrf_token()})
        return shown.count, saved.count

    few = counts(3, "page.few")
    many = counts(25, "page.many")
    assert few == many
    begin = 1 if db.engine.dialect.name == "sqlite" else 0  # SQLite's BEGIN IMMEDIATE is a statement
    # the user, the attempt with its quiz, the page's questions (with their count and variants)
    assert few[0] <= 3 + begin, few
    # and the claim of the open attempt, the answers, the trainee's page counter
    assert few[1] <= 6 + begin, few


def test_the_submit_page_locks_the_attempt_as_it_reads_it_and_closes_it_with_its_totals(
    client, db, kit, count_queries
):
    """The attempt comes with its quiz and the quizzes the course requires, its row locked, in one statement; the
    UPDATE that writes its totals also closes it (no UPDATE beforehand to claim it)."""

    def submitted(n_questions, login_name):
        _quiz, attempt_url = _started(client, kit, db, n_questions, login_name)
        with count_queries() as sent:
            response = client.submit(f"{attempt_url}/submit", {})
        assert response.status_code == 302 and response.headers["Location"].endswith("/result")
        client.post("/logout", data={"csrf_token": client.csrf_token()})
        return sent

    few, many = submitted(3, "submit.few"), submitted(25, "submit.many")
    assert few.count == many.count
    updates = [s for s in few.statements if s.lstrip().upper().startswith("UPDATE ATTEMPT ")]
    assert len(updates) == 1 and "status" in updates[0] and "score" in updates[0], updates
    if db.engine.dialect.name == "postgresql":
        assert any("FOR UPDATE OF attempt" in s for s in few.statements)
    begin = 1 if db.engine.dialect.name == "sqlite" else 0  # SQLite's BEGIN IMMEDIATE is a statement
    lock = 1 if db.engine.dialect.name == "postgresql" else 0  # the ledger's advisory lock
    # the user; the attempt, quiz and required quizzes; the questions; their marks; the totals; 3 for the stored
    # result; the trainee's page counter; the ledger's head and its new entry
    assert few.count <= 11 + begin + lock, "\n".join(few.statements)


def test_starting_and_saving_leave_the_stored_result_alone(kit, db, count_queries):
    """An attempt in progress is not part of any result: starting one and saving its answers read and write
    no stored result, and the questions of a new attempt go in one INSERT whatever their types."""
    from lms.reports.models import QuizResult

    def statements(n_questions):
        quiz = _quiz_with(kit, n_questions)
        trainee = kit.trainee()
        kit.enrol(trainee, quiz.course)
        db.session.commit()
        with count_queries() as started:
            attempt, created = svc.start_attempt(trainee, quiz)
            db.session.commit()
        assert created
        rows = svc.load_questions(attempt)
        with count_queries() as saved:
            svc.save_responses(
                trainee, attempt, rows, MultiDict({f"q{r.slot}": "a" if r.slot % 2 else "true" for r in rows})
            )
            db.session.commit()
        assert db.session.query(QuizResult).filter_by(user_id=trainee.id).count() == 0
        for counter in (started, saved):
            assert not [s for s in counter.statements if "quiz_result" in s or "report_rollup" in s]
        # true/false questions have no choices to shuffle: their rows still go with the others
        assert len([s for s in started.statements if s.startswith("INSERT INTO attempt_question")]) == 1
        # the page counter is raised once, at the commit (not again when the attempt's savepoint is released)
        assert len([s for s in started.statements if "INSERT INTO page_version" in s]) == 1
        return started.count, saved.count

    assert statements(3) == statements(12)


def test_starting_sends_no_savepoint_and_the_new_attempt_needs_no_reload(kit, db, count_queries):
    """The attempt goes in by one INSERT that a parallel start's row would refuse (no savepoint around it);
    the attempt handed back is complete: reading it sends nothing."""
    quiz = _quiz_with(kit, 4)
    trainee = kit.trainee()
    kit.enrol(trainee, quiz.course)
    db.session.commit()
    with count_queries() as started:
        attempt, created = svc.start_attempt(trainee, quiz)
        sent = started.count
        shown = (attempt.status, attempt.number, attempt.score, attempt.submitted_at, attempt.deadline)
        assert started.count == sent, started.statements[sent:]  # reading it sent nothing
    assert created
    assert shown == ("in_progress", 1, None, None, None)
    assert not [s for s in started.statements if "SAVEPOINT" in s]
    assert len([s for s in started.statements if s.startswith("INSERT INTO attempt ")]) == 1
    db.session.commit()
    stored = db.session.execute(
        sa.select(Attempt.status, Attempt.number, Attempt.started_at).where(Attempt.id == attempt.id)
    ).one()
    assert stored == ("in_progress", 1, attempt.started_at)


def test_a_start_that_meets_a_parallel_one_inserts_nothing_and_looks_again(kit, db):
    """The INSERT a unique rule refuses (the number taken, or another attempt in progress) leaves no row and
    no error: start_attempt then finds the attempt the other request started."""
    quiz = _quiz_with(kit, 3)
    trainee = kit.trainee()
    kit.enrol(trainee, quiz.course)
    db.session.commit()
    first, created = svc.start_attempt(trainee, quiz)
    db.session.commit()
    assert created
    clash = {
        "quiz_id": quiz.id,
        "user_id": trainee.id,
        "number": 2,  # a free number, but an attempt is already in progress
        "status": "in_progress",
        "started_at": first.started_at,
        "deadline": None,
    }
    assert svc._insert_attempt(clash) is None
    db.session.commit()
    again, created = svc.start_attempt(trainee, quiz)
    assert (again.id, created) == (first.id, False)

    assert svc.submit_attempt(trainee, first)
    db.session.commit()
    assert svc._insert_attempt({**clash, "number": 1}) is None  # nothing in progress, but number 1 is taken
    db.session.commit()
    second, created = svc.start_attempt(trainee, quiz)
    db.session.commit()
    assert created and second.number == 2
    numbers = db.session.execute(sa.select(Attempt.number).where(Attempt.user_id == trainee.id)).scalars()
    assert sorted(numbers) == [1, 2]


def _count_get(client, count_queries, url):
    client.get(url)  # warm up (session, first-request work)
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count


@pytest.fixture
def busy(kit, db):
    """A course with an owner expert, trainees with graded pre/post attempts and essays waiting for a mark."""
    expert = kit.expert(login_name="busy.expert")
    course = kit.course(expert, slug="busy")
    for _ in range(4):
        kit.question(course, "true_false", TF, category="core")
    kit.question(course, "essay", {}, category="reflection")
    pre = kit.quiz(course, key="pre", purpose="pre_test", draw_category="core")
    post = kit.quiz(course, key="post", purpose="post_test", draw_category="core")
    essay = kit.quiz(course, key="essay", draw_category="reflection")
    trainee = kit.trainee(login_name="busy.trainee")
    kit.enrol(trainee, course)
    db.session.commit()

    def add(n):
        people = [trainee] if n and not add.done else []
        add.done = True
        people += [kit.trainee() for _ in range(n - len(people))]
        for person in people:
            if person is not trainee:
                kit.enrol(person, course)
            kit.take(person, pre, {1: "true"})
            kit.take(person, post, {1: "true", 2: "true"})
            kit.take(person, essay, {1: "Some thoughts"})
            kit.question(course, "true_false", TF, category="core")
        db.session.commit()

    add.done = False
    return {"add": add, "pre": pre.id, "post": post.id}


URLS = [
    ("busy.expert", "/quizzes/course/busy/bank"),
    ("busy.expert", "/quizzes/{post}/attempts"),
    ("busy.expert", "/quizzes/marking"),
    ("busy.expert", "/quizzes/course/busy/gain"),
    ("busy.expert", "/quizzes/{post}/analysis"),
    ("busy.expert", "/quizzes/course/busy"),
    ("busy.expert", "/quizzes/"),
    ("busy.expert", "/"),
    ("busy.trainee", "/quizzes/"),
    ("busy.trainee", "/quizzes/{post}"),
    ("busy.trainee", "/"),  # the dashboard's quiz panel: attempts in progress, latest results, gains
    ("busy.trainee", "/courses/busy"),  # the course page's quiz panel
]


@pytest.mark.parametrize("login,url", URLS)
def test_list_pages_do_not_query_per_row(client, db, count_queries, busy, login, url):
    url = url.format(**busy)
    busy["add"](2)
    client.login(login)
    few = _count_get(client, count_queries, url)
    busy["add"](9)
    many = _count_get(client, count_queries, url)
    assert few == many, (url, few, many)


@pytest.mark.parametrize("require", [False, True])
def test_only_the_ledger_is_written_after_its_head_is_read(kit, db, count_queries, require):
    """The lock that serialises evidence writers (taken with the head read) covers the ledger rows alone:
    the graded attempt, its questions, the stored result, the rollups and a completion are written before."""
    counter = _submit_counting(kit, db, count_queries, 6, require)
    statements = [" ".join(s.split()).lower() for s in counter.statements]
    head = next(i for i, s in enumerate(statements) if s.startswith("select ledger_entry.seq"))
    before, after = statements[:head], statements[head + 1 :]
    assert any(s.startswith("insert into quiz_result") or "quiz_result" in s for s in before)
    assert any(s.startswith("update attempt ") for s in before)
    assert after and all(s.startswith("insert into ledger_entry") for s in after), "\n".join(statements)
    if db.engine.dialect.name == "postgresql":
        assert "pg_advisory_xact_lock" in statements[head - 1]


@pytest.mark.parametrize("url", ["/quizzes/", "/", "/evidence/certificates/mine"])
def test_a_trainees_pages_do_not_query_per_course(client, db, count_queries, kit, url):
    """Attempts (and certificates) in more courses show their course titles without a statement per course."""
    trainee = kit.trainee(login_name="many.courses")

    def add_course():
        course = kit.course()
        kit.question(course, "true_false", TF)
        quiz = kit.quiz(course, pass_mark=50)
        kit.enrol(trainee, course)
        kit.take(trainee, quiz, {1: "true"})
        db.session.commit()

    add_course()
    client.login("many.courses")
    few = _count_get(client, count_queries, url)
    for _ in range(3):
        add_course()
    many = _count_get(client, count_queries, url)
    assert few == many, (url, few, many)


@pytest.mark.parametrize("asked", ["2", "99", "99999999999", "1" + "0" * 25, "-5", "x"])
def test_a_page_past_the_last_shows_the_last_and_bad_numbers_the_first(client, db, kit, asked):
    quiz = _quiz_with(kit, 7)  # two pages of five
    trainee = kit.trainee(login_name="pages.trainee")
    kit.enrol(trainee, quiz.course)
    db.session.commit()
    client.login("pages.trainee")
    page_url = client.submit(f"/quizzes/{quiz.id}/start", {}).headers["Location"]
    response = client.get(f"{page_url}?page={asked}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    last = asked not in ("-5", "x")
    assert ('name="q6"' in html) is last and ('name="q1"' in html) is not last
    saved = client.submit(f"{page_url}?page={asked}", {"q6" if last else "q1": "true" if last else "a"})
    assert saved.status_code == 302
