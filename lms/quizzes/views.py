"""Quizzes pages: taking quizzes, results, the bank, GIFT import, quiz settings, marking, analysis."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy.orm import joinedload
from werkzeug.routing import BuildError

from lms.auth.models import User
from lms.auth.permissions import role_required
from lms.auth.scopes import user_clause
from lms.core.actions import act, back_to
from lms.core.page_cache import kept
from lms.core.replica import reads_from_replica
from lms.core.statements import built_once
from lms.core.web import apply_domain_error, page_arg
from lms.core.web import refuse as _fail
from lms.courses.models import Course
from lms.errors import DomainError, InvalidInput
from lms.extensions import db
from lms.privacy.services import log_access_now
from lms.quizzes import analysis as item_analysis
from lms.quizzes import attempts as attempt_service
from lms.quizzes import (
    clock,
    panels,  # the marking queue
    queries,
)
from lms.quizzes import services as quiz_service
from lms.quizzes.forms import (
    ActionForm,
    MarkForm,
    QuizForm,
    local_to_utc,
    utc_to_local,
)
from lms.quizzes.gain import GainRow, gain, gain_summary, learning_gain_select, learning_gains
from lms.quizzes.models import (
    Attempt,
    AttemptQuestion,
    Question,
    QuestionVersion,
    Quiz,
)
from lms.quizzes.permissions import (
    attempt_clause,
    can_mark_attempt,
    can_view_attempt,
    is_course_expert,
)
from lms.quizzes.qtypes import QUESTION_TYPES, ResponseError
from lms.quizzes.results import as_percent, quiz_results

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes")


STAFF = ("expert", "officer", "admin")


# -- loading and authorising ---------------------------------------------------------------------------------


def _course_or_404(slug: str) -> Course:
    course = db.session.execute(sa.select(Course).where(Course.slug == slug)).scalar_one_or_none()
    if course is None:
        abort(404)
    return course


def _managed_course(slug: str) -> Course:
    course = _course_or_404(slug)
    if not is_course_expert(current_user, course):
        abort(403)
    return course


# Statements every step of an attempt sends, built once per process (building one costs more than running it).
_QUIZ_WITH_COURSE = built_once(
    lambda: sa.select(Quiz).where(Quiz.id == sa.bindparam("id")).options(joinedload(Quiz.course))
)
_ATTEMPT_WITH_QUIZ = built_once(
    lambda: sa.select(Attempt).where(Attempt.id == sa.bindparam("id")).options(joinedload(Attempt.quiz))
)


def _quiz_or_404(quiz_id: int) -> Quiz:
    """The quiz with its course (every caller checks the course): one statement."""
    quiz = db.session.execute(_QUIZ_WITH_COURSE(), {"id": quiz_id}).scalar_one_or_none()
    if quiz is None:
        abort(404)
    return quiz


def _visible_quiz(quiz_id: int) -> Quiz:
    """A quiz of a published course (or any quiz of a course the viewer manages)."""
    quiz = _quiz_or_404(quiz_id)
    if is_course_expert(current_user, quiz.course):
        return quiz
    if quiz.archived or quiz.course.archived or quiz.course.published_version_id is None:
        abort(404)
    return quiz


def _managed_quiz(quiz_id: int) -> Quiz:
    quiz = _quiz_or_404(quiz_id)
    if not is_course_expert(current_user, quiz.course):
        abort(403)
    return quiz


def _managed_question(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None:
        abort(404)
    if not is_course_expert(current_user, question.course):
        abort(403)
    return question


def _viewable_attempt(attempt_id: int) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or not can_view_attempt(current_user, attempt):
        abort(404)  # other people's attempts do not exist for this viewer
    return attempt


def _own_attempt(attempt_id: int) -> Attempt:
    """The reader's attempt with its quiz (404 for anyone else's)."""
    attempt = db.session.execute(_ATTEMPT_WITH_QUIZ(), {"id": attempt_id}).scalar_one_or_none()
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def _own_attempt_to_submit(attempt_id: int) -> tuple[Attempt, bool]:
    """The reader's attempt, its row locked, and whether the course requires its quiz (404 for anyone
    else's)."""
    found = attempt_service.attempt_to_submit(attempt_id)
    if found is None or found[0].user_id != current_user.id:
        abort(404)
    return found


@bp.app_template_global("quiz_course_url")
def course_url(course: Course) -> str:
    try:
        return url_for("courses.course_page", slug=course.slug)
    except BuildError:
        return url_for("quizzes.course_quizzes", slug=course.slug)


@bp.app_template_global("question_types")
def question_types() -> dict:
    return QUESTION_TYPES


@bp.app_template_filter("quiz_pct")
def _format_percent(value, places: int = 1) -> str:
    """66.6667 -> "66.7%" (in the page's locale)."""
    if value is None:
        return "—"
    return (
        format_decimal(
            Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP),
            format="#,##0." + "#" * places if places else "#,##0",
        )
        + "%"
    )


@bp.app_template_filter("quiz_mark")
def _format_mark(value) -> str:
    if value is None:
        return "—"
    return format_decimal(Decimal(str(value)).quantize(Decimal("0.01")), format="#,##0.##")


@bp.app_template_filter("quiz_gain")
def _format_gain(value, places: int = 1) -> str:
    if value is None:
        return "—"
    text = format_decimal(
        Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP),
        format="#,##0." + "#" * places,
    )
    return ("+" + text) if Decimal(str(value)) > 0 else text


# -- index ---------------------------------------------------------------------------------------------------


class RowPagination(SelectPagination):
    """Pagination of a select of several entities or columns (rows, not scalars)."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def paginate_rows(stmt) -> RowPagination:
    return RowPagination(
        select=stmt,
        session=db.session(),
        page=page_arg(),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )


@bp.route("/")
@kept
@login_required
def index():
    user = current_user
    if user.role in ("expert", "admin"):
        stmt = queries.managed_courses(user)
        pending = db.session.execute(
            sa.select(sa.func.count()).select_from(
                panels.marking_queue_select(user).order_by(None).subquery()
            )
        ).scalar_one()
        return render_template("quizzes/index_manager.html", courses=paginate_rows(stmt), pending=pending)
    return render_template("quizzes/index_attempts.html", attempts=paginate_rows(queries.attempt_index(user)))


# -- course management page ----------------------------------------------------------------------------------


@bp.route("/course/<slug>")
@login_required
def course_quizzes(slug: str):
    course = _managed_course(slug)
    quizzes = db.session.execute(queries.course_quiz_list(course)).scalars().all()
    counts = {(row.quiz_id, row.status): row.n for row in db.session.execute(queries.attempt_counts(course))}
    bank_size = db.session.execute(queries.bank_size(course)).scalar_one()
    version = course.published_version or course.latest_version
    return render_template(
        "quizzes/course_quizzes.html",
        course=course,
        quizzes=quizzes,
        counts=counts,
        bank_size=bank_size,
        required=set((version.require_quizzes if version else None) or []),
        form=ActionForm(),
    )


# -- quiz settings -------------------------------------------------------------------------------------------


def _quiz_form_choices(form: QuizForm, course: Course) -> None:
    categories = (
        db.session.execute(
            sa.select(Question.category)
            .where(Question.course_id == course.id, Question.archived.is_(False))
            .distinct()
            .order_by(Question.category)
        )
        .scalars()
        .all()
    )
    form.draw_category.choices = [("", _("The whole bank"))] + [(c, c) for c in categories if c]
    form.fixed_questions.choices = [
        (q.id, f"{q.category + ' / ' if q.category else ''}{q.name} ({q.qtype_label})")
        for q in db.session.execute(
            sa.select(Question)
            .where(Question.course_id == course.id, Question.archived.is_(False))
            .order_by(Question.category, Question.name)
        ).scalars()
    ]


def _settings_from_form(form: QuizForm) -> quiz_service.QuizSettings:
    return quiz_service.QuizSettings(
        key=(form.key.data or "").strip(),
        title=(form.title.data or "").strip(),
        purpose=form.purpose.data,
        description=form.description.data or "",
        use_draw=form.use_draw.data,
        draw_category=form.draw_category.data or "",
        draw_count=form.draw_count.data,
        shuffle_questions=form.shuffle_questions.data,
        shuffle_choices=form.shuffle_choices.data,
        questions_per_page=form.questions_per_page.data,
        time_limit_minutes=form.time_limit_minutes.data,
        max_attempts=form.max_attempts.data,
        grading_method=form.grading_method.data,
        pass_mark=form.pass_mark.data,
        opens_at=local_to_utc(form.opens_at.data),
        closes_at=local_to_utc(form.closes_at.data),
        review_policy=form.review_policy.data,
    )


@bp.route("/course/<slug>/new", methods=["GET", "POST"])
@login_required
def quiz_new(slug: str):
    course = _managed_course(slug)
    form = QuizForm()
    _quiz_form_choices(form, course)

    def create(course, form) -> Quiz:
        quiz = quiz_service.create_quiz(current_user, course, _settings_from_form(form))
        quiz_service.set_fixed_questions(quiz, form.fixed_questions.data or [])
        return quiz

    def page(course, form):
        return render_template(
            "quizzes/quiz_form.html", course=course, form=form, quiz=None
        ), 400 if form.errors or form.form_errors else 200

    return act(
        create,
        load=lambda: course,
        form=form,
        invalid=page,
        refused=_on_form(page),
        success=lambda quiz: _("Quiz “%(title)s” created.", title=quiz.title),
        redirect_to=lambda quiz: url_for("quizzes.quiz_page", quiz_id=quiz.id),
    )


def _on_form(page):
    """A refusal shown on the form, the page answering 400 as it does for any error on it."""

    def refused(obj, form, error: DomainError):
        apply_domain_error(form, error)
        return page(obj, form)

    return refused


@bp.route("/<int:quiz_id>/settings", methods=["GET", "POST"])
@login_required
def quiz_settings(quiz_id: int):
    quiz = _managed_quiz(quiz_id)
    form = QuizForm(obj=quiz) if request.method == "GET" else QuizForm()
    _quiz_form_choices(form, quiz.course)
    if request.method == "GET":
        form.opens_at.data, form.closes_at.data = utc_to_local(quiz.opens_at), utc_to_local(quiz.closes_at)
        form.fixed_questions.data = [slot.question_id for slot in quiz.slots]

    def save(quiz, form) -> None:
        quiz_service.update_quiz(current_user, quiz, _settings_from_form(form))
        quiz_service.set_fixed_questions(quiz, form.fixed_questions.data or [])

    def page(quiz, form):
        return render_template(
            "quizzes/quiz_form.html", course=quiz.course, form=form, quiz=quiz
        ), 400 if form.errors or form.form_errors else 200

    return act(
        save,
        load=lambda: quiz,
        form=form,
        invalid=page,
        refused=_on_form(page),
        success=_("Quiz settings saved."),
        redirect_to=url_for("quizzes.quiz_page", quiz_id=quiz.id),
    )


@bp.route("/<int:quiz_id>/archive", methods=["POST"])
@login_required
def quiz_archive(quiz_id: int):
    quiz = _managed_quiz(quiz_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    quiz_service.set_archived(quiz, not quiz.archived)
    db.session.commit()
    flash(_("Quiz archived: trainees no longer see it.") if quiz.archived else _("Quiz restored."), "success")
    return redirect(url_for("quizzes.course_quizzes", slug=quiz.course.slug))


# -- taking a quiz -------------------------------------------------------------------------------------------


@bp.route("/<int:quiz_id>")
@login_required
def quiz_page(quiz_id: int):
    quiz = _visible_quiz(quiz_id)
    user = current_user
    mine, result, can_start, reason, gain = [], None, False, None, None
    if user.role == "trainee":
        current = attempt_service.open_attempt(quiz.id, user.id)
        if current is not None and attempt_service.close_if_overdue(current):
            db.session.commit()
            flash(
                _("The time limit of your attempt had passed; it was submitted with the answers you saved."),
                "warning",
            )
        mine = (
            db.session.execute(
                sa.select(Attempt)
                .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)
                .order_by(Attempt.number)
            )
            .scalars()
            .all()
        )
        result = quiz_results(quiz_ids=[quiz.id], user_ids=[user.id]).get((quiz.id, user.id))
        if not any(a.status == "in_progress" for a in mine):
            try:
                attempt_service.check_can_take(user, quiz, clock.now())
                if quiz.max_attempts and len(mine) >= quiz.max_attempts:
                    reason = _("You have used all your attempts at this quiz.")
                else:
                    can_start = True
            except DomainError as error:
                reason = str(error)
        if quiz.purpose in ("pre_test", "post_test"):
            gains = learning_gains(course_ids=[quiz.course_id], user_ids=[user.id])
            gain = gains[0] if gains else None
    version = quiz.course.published_version
    return render_template(
        "quizzes/quiz.html",
        quiz=quiz,
        course=quiz.course,
        attempts=mine,
        result=result,
        can_start=can_start,
        reason=reason,
        gain=gain,
        form=ActionForm(),
        manage=is_course_expert(user, quiz.course),
        required=quiz.key in ((version.require_quizzes if version else None) or []),
        staff=user.role in STAFF,
    )


@bp.route("/<int:quiz_id>/start", methods=["POST"])
@role_required("trainee")
def quiz_start(quiz_id: int):
    quiz = _visible_quiz(quiz_id)
    return act(
        lambda quiz, f: attempt_service.start_attempt(current_user, quiz),
        load=lambda: quiz,
        form=ActionForm(),
        refused=back_to(url_for("quizzes.quiz_page", quiz_id=quiz.id)),
        success=lambda started: (
            None if started[1] else (_("You already have an attempt in progress; here it is."), "info")
        ),
        redirect_to=lambda started: url_for("quizzes.attempt_page", attempt_id=started[0].id),
    )


def _close_if_late(attempt: Attempt):
    """If the attempt is past its deadline and grace, close it and send the trainee to the result."""
    if attempt.status == "in_progress" and attempt_service.close_if_overdue(attempt):
        db.session.commit()
        flash(
            _("The time limit has passed: your attempt was submitted with the answers you saved."), "warning"
        )
        return redirect(url_for("quizzes.attempt_result", attempt_id=attempt.id))
    return None


def _render_attempt_page(
    attempt: Attempt, page: int, pages: int, rows, *, errors=None, shown=None, status: int = 200
):
    now = clock.now()
    shown = shown or {}
    return render_template(
        "quizzes/attempt.html",
        attempt=attempt,
        quiz=attempt.quiz,
        page=page,
        pages=pages,
        rows=rows,
        errors=errors or {},
        responses={aq.slot: shown.get(aq.slot, aq.response) for aq in rows},
        seconds_left=attempt_service.seconds_left(attempt, now),
        form=ActionForm(),
    ), status


def _shown_after_error(rows, form) -> dict:
    """What to show again after refused answers: the accepted ones as parsed, typed text as typed."""
    shown = {}
    for aq in rows:
        cls = QUESTION_TYPES[aq.version.qtype]
        try:
            shown[aq.slot] = cls.parse_response(aq.shown.data, form, f"q{aq.slot}")
        except ResponseError:
            shown[aq.slot] = cls.shown_after_error(form, f"q{aq.slot}", aq.response)
    return shown


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt_page(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.status != "in_progress":
        if request.method == "POST":
            flash(_("This attempt has already been submitted; the answers were not saved."), "warning")
        return redirect(url_for("quizzes.attempt_result", attempt_id=attempt.id))
    if request.method == "GET":
        late = _close_if_late(attempt)
        if late is not None:
            return late
        rows, page, pages = attempt_service.load_page(attempt, page_arg())
        return _render_attempt_page(attempt, page, pages, rows)

    rows, page, pages = attempt_service.load_page(attempt, page_arg())
    try:
        attempt_service.save_responses(current_user, attempt, rows, request.form)
    except attempt_service.AnswersInvalid as error:
        db.session.rollback()
        rows = attempt_service.load_questions(attempt, attempt_service.page_slots(attempt, page))
        flash(str(error), "error")
        return _render_attempt_page(
            attempt,
            page,
            pages,
            rows,
            errors=error.errors,
            shown=_shown_after_error(rows, request.form),
            status=400,
        )
    except attempt_service.DeadlinePassed as error:
        db.session.rollback()
        attempt_service.close_if_overdue(attempt)
        db.session.commit()
        flash(str(error), "warning")
        return redirect(url_for("quizzes.attempt_result", attempt_id=attempt.id))
    except attempt_service.AttemptClosed as error:
        _fail(error, "warning")
        return redirect(url_for("quizzes.attempt_result", attempt_id=attempt.id))
    except InvalidInput as error:
        db.session.rollback()
        flash(str(error), "error")
        rows = attempt_service.load_questions(attempt, attempt_service.page_slots(attempt, page))
        return _render_attempt_page(attempt, page, pages, rows, status=400)
    go = request.form.get("go", "next")
    if go == "timeup":
        attempt_service.submit_attempt(current_user, attempt)
        db.session.commit()
        flash(_("Time is up: your attempt was submitted."), "warning")
        return redirect(url_for("quizzes.attempt_result", attempt_id=attempt_id))
    db.session.commit()
    if go == "summary":
        return redirect(url_for("quizzes.attempt_summary", attempt_id=attempt_id))
    target = page - 1 if go == "prev" else page + 1 if go == "next" else page
    if go.startswith("page-") and go[5:].isdigit():
        target = int(go[5:])
    if target > pages:
        return redirect(url_for("quizzes.attempt_summary", attempt_id=attempt_id))
    return redirect(url_for("quizzes.attempt_page", attempt_id=attempt_id, page=max(1, target)))


@bp.route("/attempts/<int:attempt_id>/autosave", methods=["POST"])
@login_required
def attempt_autosave(attempt_id: int):
    """Saves the page in the background (JavaScript); the same rules as the Save buttons."""
    attempt = _own_attempt(attempt_id)
    result_url = url_for("quizzes.attempt_result", attempt_id=attempt_id)
    if attempt.status != "in_progress":
        return jsonify(error=_("This attempt has already been submitted."), redirect=result_url), 409
    rows, _page, _pages = attempt_service.load_page(attempt, page_arg())
    try:
        changed = attempt_service.save_responses(current_user, attempt, rows, request.form)
    except attempt_service.AnswersInvalid as error:
        db.session.rollback()
        return jsonify(error=str(error), errors={str(k): v for k, v in error.errors.items()}), 400
    except attempt_service.DeadlinePassed as error:
        db.session.rollback()
        attempt_service.close_if_overdue(attempt)
        db.session.commit()
        return jsonify(error=str(error), redirect=result_url), 409
    except DomainError as error:
        db.session.rollback()
        return jsonify(
            error=str(error), redirect=result_url if error.status_code == 409 else None
        ), error.status_code
    db.session.commit()
    return jsonify(saved=changed, seconds_left=attempt_service.seconds_left(attempt, clock.now()))


@bp.route("/attempts/<int:attempt_id>/summary")
@login_required
def attempt_summary(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.status != "in_progress":
        return redirect(url_for("quizzes.attempt_result", attempt_id=attempt.id))
    late = _close_if_late(attempt)
    if late is not None:
        return late
    rows = db.session.execute(
        sa.select(
            AttemptQuestion.slot,
            AttemptQuestion.response.is_not(None).label("answered"),
            QuestionVersion.qtype,
        )
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
        .where(AttemptQuestion.attempt_id == attempt.id)
        .order_by(AttemptQuestion.slot)
    ).all()
    per = attempt.quiz.questions_per_page
    return render_template(
        "quizzes/attempt_summary.html",
        attempt=attempt,
        quiz=attempt.quiz,
        rows=rows,
        per=per,
        seconds_left=attempt_service.seconds_left(attempt, clock.now()),
        form=ActionForm(),
    )


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
def attempt_submit(attempt_id: int):
    attempt, required = _own_attempt_to_submit(attempt_id)
    return act(
        lambda attempt, f: attempt_service.submit_attempt(
            current_user, attempt, locked=True, completes=required
        ),
        load=lambda: attempt,
        form=ActionForm(),
        refused=back_to(url_for("quizzes.quiz_page", quiz_id=attempt.quiz_id)),
        success=lambda closed: (
            _("Your attempt has been submitted.")
            if closed
            else (_("This attempt had already been submitted."), "info")
        ),
        redirect_to=url_for("quizzes.attempt_result", attempt_id=attempt.id),
    )


def review_options(viewer, attempt: Attempt, now) -> dict:
    """What the viewer may see of a closed attempt: staff everything, the trainee per the review policy."""
    if viewer.id != attempt.user_id:
        return {"score": True, "answers": True}
    policy = attempt.quiz.review_policy
    if policy == "with_answers":
        return {"score": True, "answers": True}
    if policy == "after_close":
        closes = attempt.quiz.closes_at
        return {"score": True, "answers": closes is not None and now >= closes}
    return {"score": True, "answers": False}


@bp.route("/attempts/<int:attempt_id>/result")
@login_required
def attempt_result(attempt_id: int):
    attempt = _viewable_attempt(attempt_id)
    own = attempt.user_id == current_user.id
    if not own:
        log_access_now(current_user, attempt.user, "attempt")
    if attempt.status == "in_progress":
        if own:
            late = _close_if_late(attempt)
            if late is not None:
                return late
            return redirect(url_for("quizzes.attempt_page", attempt_id=attempt.id))
        if attempt_service.close_if_overdue(attempt):
            db.session.commit()
    options = review_options(current_user, attempt, clock.now())
    rows = attempt_service.load_questions(attempt) if options["answers"] else []
    details = []
    for aq in rows:
        cls = QUESTION_TYPES[aq.version.qtype]
        details.append(
            {
                "aq": aq,
                "right_answer": cls.correct_answer_text(aq.shown.data),
                "feedback": cls.feedback_for(aq.shown.data, aq.response),
                "auto": cls.auto_graded,
            }
        )
    gain = None
    if attempt.quiz.purpose in ("pre_test", "post_test"):
        gains = learning_gains(course_ids=[attempt.quiz.course_id], user_ids=[attempt.user_id])
        gain = gains[0] if gains else None
    return render_template(
        "quizzes/result.html",
        attempt=attempt,
        quiz=attempt.quiz,
        options=options,
        details=details,
        own=own,
        gain=gain,
        can_mark=can_mark_attempt(current_user, attempt),
    )


# -- attempts of a quiz, marking, analysis, gain -------------------------------------------------------------


@bp.route("/<int:quiz_id>/attempts")
@role_required(*STAFF)
def quiz_attempts(quiz_id: int):
    quiz = _quiz_or_404(quiz_id)
    if current_user.role == "expert" and not is_course_expert(current_user, quiz.course):
        abort(403)
    stmt = (
        sa.select(Attempt, User)
        .join(User, User.id == Attempt.user_id)
        .join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.quiz_id == quiz.id, attempt_clause(current_user, Quiz.course_id))
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    )
    if request.args.get("status") in ("in_progress", "needs_marking", "graded"):
        stmt = stmt.where(Attempt.status == request.args["status"])
    return render_template(
        "quizzes/quiz_attempts.html",
        quiz=quiz,
        course=quiz.course,
        attempts=paginate_rows(stmt),
        manage=is_course_expert(current_user, quiz.course),
    )


@bp.route("/marking")
@role_required("expert", "admin")
def marking():
    return render_template(
        "quizzes/marking.html", items=paginate_rows(panels.marking_queue_select(current_user))
    )


@bp.route("/attempts/<int:attempt_id>/mark/<int:slot>", methods=["GET", "POST"])
@role_required("expert", "admin")
def mark(attempt_id: int, slot: int):
    attempt = _viewable_attempt(attempt_id)
    if not can_mark_attempt(current_user, attempt):
        abort(403)
    if request.method == "GET":
        log_access_now(current_user, attempt.user, "attempt")
    aq = db.session.execute(
        sa.select(AttemptQuestion)
        .where(AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.slot == slot)
        .options(joinedload(AttemptQuestion.version))
    ).scalar_one_or_none()
    if aq is None or QUESTION_TYPES[aq.version.qtype].auto_graded or Decimal(aq.max_mark) == 0:
        abort(404)
    form = MarkForm()
    if request.method == "GET" and aq.mark is not None:
        form.mark.data = format(Decimal(aq.mark).normalize(), "f")
        form.comment.data = aq.feedback

    def page(attempt, form):
        return render_template(
            "quizzes/mark.html", attempt=attempt, quiz=attempt.quiz, aq=aq, form=form
        ), 400 if form.errors or (request.method == "POST" and form.form_errors) else 200

    def next_to_mark(_nothing) -> str:
        following = db.session.execute(panels.marking_queue_select(current_user).limit(1)).first()
        if following is not None:
            nxt = following[0]
            return url_for("quizzes.mark", attempt_id=nxt.attempt_id, slot=nxt.slot)
        return url_for("quizzes.marking")

    if attempt.status == "in_progress":
        form.form_errors.append(_("This attempt has not been submitted yet."))
        return page(attempt, form)
    return act(
        lambda attempt, f: attempt_service.mark_question(current_user, aq, f.mark.data, f.comment.data or ""),
        load=lambda: attempt,
        form=form,
        invalid=page,
        refused=_on_form(page),
        success=_("Mark saved."),
        redirect_to=next_to_mark,
    )


@bp.route("/<int:quiz_id>/analysis")
@login_required
def quiz_analysis(quiz_id: int):
    quiz = _managed_quiz(quiz_id)
    return render_template(
        "quizzes/analysis.html",
        quiz=quiz,
        course=quiz.course,
        analysis=item_analysis.analyse_quiz(quiz),
        flags=item_analysis.FLAGS,
        too_easy=item_analysis.TOO_EASY,
        too_hard=item_analysis.TOO_HARD,
    )


@bp.route("/<int:quiz_id>/analysis.csv")
@login_required
@reads_from_replica
def quiz_analysis_csv(quiz_id: int):
    quiz = _managed_quiz(quiz_id)
    body = item_analysis.analysis_csv(item_analysis.analyse_quiz(quiz))
    return Response(
        "\ufeff" + body,
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="item-analysis-{quiz.course.slug}-{quiz.key}.csv"'
        },
    )


@bp.route("/course/<slug>/gain")
@role_required(*STAFF)
def course_gain(slug: str):
    course = _course_or_404(slug)
    manage = is_course_expert(current_user, course)
    if current_user.role == "expert" and not manage:
        abort(403)
    user_ids = None if manage else sa.select(User.id).where(user_clause(current_user))
    page = paginate_rows(learning_gain_select(course_ids=[course.id], user_ids=user_ids))
    rows = []
    for row in page.items:
        pre, post = as_percent(row.pre), as_percent(row.post)
        points, normalised = gain(pre, post)
        rows.append(
            GainRow(
                course_id=row.course_id,
                user_id=row.user_id,
                pre=pre,
                post=post,
                gain=points,
                normalised_gain=normalised,
            )
        )
    people = (
        {
            u.id: u
            for u in db.session.execute(
                sa.select(User)
                .where(User.id.in_([r.user_id for r in rows]))
                .options(joinedload(User.enterprise))
            ).scalars()
        }
        if rows
        else {}
    )
    summary = gain_summary(course_ids=[course.id], user_ids=user_ids)
    return render_template(
        "quizzes/gain.html", course=course, page=page, rows=rows, people=people, summary=summary
    )
