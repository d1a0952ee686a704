"""Courses pages: catalog, course and lesson pages, enrolment, My learning, authoring, review, history."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import defer, joinedload, selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from lms.auth.models import User
from lms.auth.permissions import role_required
from lms.core.access import public
from lms.core.actions import act, back_to
from lms.core.confirm import confirmation_page
from lms.core.page_cache import kept
from lms.core.panels import course_page as course_page_panels
from lms.core.web import paginate
from lms.courses import permissions, queries, services
from lms.courses.completion import requirement_statuses
from lms.courses.forms import (
    ActionForm,
    EnrollTraineesForm,
)
from lms.courses.models import (
    CONTENT_LANGUAGES,
    DELIVERY_MODES,
    TOPICS,
    TRAINING_TYPES,
    Course,
    CourseVersion,
    Enrollment,
    Lesson,
    LessonAttachment,
    LessonProgress,
)
from lms.extensions import db
from lms.i18n import join_list

bp = Blueprint("courses", __name__, url_prefix="/courses")


@bp.errorhandler(RequestEntityTooLarge)
def request_too_large(error):
    """A body over MAX_CONTENT_LENGTH: the general error page would read the body again (its language
    form), so answer here. An oversized attachment goes back to its lesson with the limit named."""
    lesson_id = (request.view_args or {}).get("lesson_id")
    if request.endpoint == "courses.attachment_add" and lesson_id:
        flash(
            _(
                "The file is larger than the limit of %(limit)s.",
                limit=services.human_size(services.attachment_max_bytes()),
            ),
            "error",
        )
        return redirect(url_for("courses.lesson_edit", lesson_id=lesson_id))
    return Response(_("The request is too large."), status=413, mimetype="text/plain")


# -- loading helpers (404 for what the viewer may not know exists) ------------------------------------------


def _course_by_slug(slug: str) -> Course:
    course = db.session.execute(sa.select(Course).where(Course.slug == slug)).scalar_one_or_none()
    if course is None or not permissions.can_see_course(current_user, course):
        abort(404)
    return course


def _course_by_id(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or not permissions.can_see_course(current_user, course):
        abort(404)
    return course


def _version(version_id: int) -> CourseVersion:
    version = db.session.get(CourseVersion, version_id)
    if version is None or not permissions.can_view_version(current_user, version):
        abort(404)
    return version


def _editable_version(version: CourseVersion) -> None:
    if not permissions.can_edit_version(current_user, version):
        abort(403, _("Only a draft can be edited, by its authors."))


def _published_lessons(
    version_id: int, *, attachments: bool = False, prerequisites: bool = True, bodies: bool = True
) -> CourseVersion:
    """The version with its modules, lessons and prerequisites loaded in a fixed number of queries (four; one
    more with every lesson's attachments, one fewer without the prerequisites). Without ``bodies``, the
    lessons' texts are not read (a list of lessons shows their titles)."""
    lessons = selectinload(CourseVersion.lessons)
    if not bodies:
        lessons = lessons.options(defer(Lesson.body), defer(Lesson.body_html))
    options = [
        selectinload(CourseVersion.modules),
        lessons.selectinload(Lesson.attachments) if attachments else lessons,
    ]
    if prerequisites:
        options.append(selectinload(CourseVersion.prerequisites).joinedload(Course.published_version))
    return db.session.execute(
        sa.select(CourseVersion).where(CourseVersion.id == version_id).options(*options)
    ).scalar_one()


def _done_slugs(enrollment: Enrollment | None) -> set[str]:
    if enrollment is None:
        return set()
    return set(
        db.session.execute(
            sa.select(LessonProgress.lesson_slug).where(LessonProgress.enrollment_id == enrollment.id)
        ).scalars()
    )


# -- catalog -----------------------------------------------------------------------------------------------


@bp.route("/")
@kept
@public
def catalog():
    q = (request.args.get("q") or "").strip()[:100]
    filters = {
        "type": request.args.get("type") if request.args.get("type") in TRAINING_TYPES else "",
        "mode": request.args.get("mode") if request.args.get("mode") in DELIVERY_MODES else "",
        "topic": request.args.get("topic") if request.args.get("topic") in TOPICS else "",
        "language": request.args.get("language") if request.args.get("language") in CONTENT_LANGUAGES else "",
        "q": q,
    }
    stmt = queries.catalog(
        q=q,
        training_type=filters["type"],
        mode=filters["mode"],
        topic=filters["topic"],
        language=filters["language"],
    ).options(selectinload(CourseVersion.texts))
    pagination = paginate(stmt)
    ids = [v.id for v in pagination.items]
    lesson_counts = dict(db.session.execute(queries.lesson_counts(ids)).all()) if ids else {}
    enrolled = {}
    if ids and getattr(current_user, "role", None) == "trainee":
        enrolled = dict(
            db.session.execute(
                queries.own_enrollment_statuses(current_user, [v.course_id for v in pagination.items])
            ).all()
        )
    return render_template(
        "courses/catalog.html",
        pagination=pagination,
        filters=filters,
        lesson_counts=lesson_counts,
        enrolled=enrolled,
        types=TRAINING_TYPES,
        modes=DELIVERY_MODES,
        topics=TOPICS,
        languages=CONTENT_LANGUAGES,
    )


# -- course page, lessons, enrolment -----------------------------------------------------------------------


def _trainee_choices(course: Course) -> list[tuple[int, str]]:
    """Trainees in the officer's jurisdiction who are not enrolled (or withdrew)."""
    rows = db.session.execute(queries.trainee_candidates(current_user, course)).all()
    from lms.org.models import localized

    return [(row.id, f"{row.display_name} — {localized(row.name_en, row.name_zh)}") for row in rows]


def _course_context(course: Course, *, lesson_page: bool = False) -> dict:
    """What the course page and its lesson pages show (a lesson page shows no prerequisites and no
    completion requirements)."""
    version = _published_lessons(
        course.published_version_id, prerequisites=not lesson_page, bodies=lesson_page
    )
    enrollment = permissions.enrollment_of(current_user, course)
    done = _done_slugs(enrollment)
    progress = None
    statuses = []
    if enrollment is not None and enrollment.status != "withdrawn":
        progress = services.progress_of(version.lessons, done)
        if not lesson_page:
            statuses = requirement_statuses(enrollment, version)
    return {
        "course": course,
        "version": version,
        "enrollment": enrollment,
        "done": done,
        "progress": progress,
        "statuses": statuses,
        "can_open": permissions.can_open_lessons(current_user, course, enrollment),
    }


@bp.route("/<slug>")
@kept
@public
def course_page(slug: str):
    course = _course_by_slug(slug)
    if course.published_version_id is None:
        # Not yet published: its authors and reviewers work on it in the authoring pages.
        visible = [v for v in course.versions if permissions.can_view_version(current_user, v)]
        return redirect(url_for("courses.version_detail", version_id=visible[-1].id))
    context = _course_context(course)
    version = context["version"]
    missing = []
    enrollment = context["enrollment"]
    if getattr(current_user, "role", None) == "trainee" and (
        enrollment is None or enrollment.status == "withdrawn"
    ):
        missing = services.missing_prerequisites(current_user, course)
    enroll_form = None
    if permissions.can_enroll_others(current_user) and not course.archived:
        enroll_form = EnrollTraineesForm()
        enroll_form.trainee_ids.choices = _trainee_choices(course)
    return render_template(
        "courses/course.html",
        missing=missing,
        action_form=ActionForm(),
        enroll_form=enroll_form,
        open_version=services.open_version(course) if permissions.is_staff(current_user) else None,
        panels=course_page_panels.for_user(
            current_user, course=course, version=version, enrollment=enrollment
        ),
        can_manage=permissions.can_manage_course(current_user, course),
        can_history=permissions.can_view_history(current_user, course),
        **context,
    )


def _lesson_or_404(course: Course, lesson_slug: str) -> Lesson:
    lesson = db.session.execute(
        sa.select(Lesson).where(Lesson.version_id == course.published_version_id, Lesson.slug == lesson_slug)
    ).scalar_one_or_none()
    if lesson is None:
        abort(404)
    return lesson


@bp.route("/<slug>/lessons/<lesson_slug>")
@kept
@public
def lesson_page(slug: str, lesson_slug: str):
    course = _course_by_slug(slug)
    if course.published_version_id is None:
        abort(404)
    if not current_user.is_authenticated:
        if _lesson_or_404(course, lesson_slug):
            return current_app.login_manager.unauthorized()
    context = _course_context(course, lesson_page=True)
    lessons = context["version"].lessons
    index = next((i for i, x in enumerate(lessons) if x.slug == lesson_slug), None)
    if index is None:
        abort(404)
    lesson = lessons[index]
    if not context["can_open"]:
        abort(403, _("Enrol in this course to open its lessons."))
    return render_template(
        "courses/lesson.html",
        lesson=lesson,
        previous=lessons[index - 1] if index > 0 else None,
        following=lessons[index + 1] if index + 1 < len(lessons) else None,
        action_form=ActionForm(),
        **context,
    )


@bp.route("/<slug>/lessons/<lesson_slug>/complete", methods=["POST"])
@role_required("trainee")
def complete_lesson(slug: str, lesson_slug: str):
    course = _course_by_slug(slug)
    if course.published_version_id is None:
        abort(404)
    lesson = _lesson_or_404(course, lesson_slug)
    enrollment = permissions.enrollment_of(current_user, course)
    if enrollment is None:
        abort(403, _("Enrol in this course to open its lessons."))
    course_url = url_for("courses.course_page", slug=slug)

    def next_page(completed: bool) -> str:
        if completed:
            return course_url
        progress = services.progress_for([enrollment])[enrollment.id]
        if progress.next_lesson is not None:
            return url_for("courses.lesson_page", slug=slug, lesson_slug=progress.next_lesson.slug)
        return course_url

    return act(
        lambda _o, _f: services.mark_lesson_complete(current_user, enrollment, lesson),
        form=ActionForm(),
        refused=back_to(course_url),
        success=lambda completed: (
            _("Course completed. Well done!") if completed else _("Lesson marked complete.")
        ),
        redirect_to=next_page,
    )


@bp.route("/<slug>/enrol", methods=["POST"])
@role_required("trainee")
def enroll_self(slug: str):
    return act(
        lambda course, f: services.enroll(current_user, course, current_user),
        load=lambda: _course_by_slug(slug),
        form=ActionForm(),
        success=_("You are enrolled. Start with the first lesson."),
        redirect_to=url_for("courses.course_page", slug=slug),
    )


@bp.route("/<slug>/enrol-trainees", methods=["POST"])
@role_required(*permissions.ENROLLER_ROLES)
def enroll_trainees(slug: str):
    course_url = url_for("courses.course_page", slug=slug)

    def invalid(course, form):
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(course_url)

    def enroll(course, form) -> list[str]:
        trainees = list(
            db.session.execute(queries.users_in_scope(current_user, form.trainee_ids.data)).scalars()
        )
        if len(trainees) != len(set(form.trainee_ids.data)):
            abort(404)  # someone outside the jurisdiction (or no one at all) was asked for
        names = []
        for trainee in trainees:
            services.enroll(current_user, course, trainee)
            missing = services.missing_prerequisites(trainee, course)
            if missing:
                flash(
                    _(
                        "%(name)s has not completed the prerequisites yet: %(courses)s.",
                        name=trainee.display_name,
                        courses="; ".join(c.title for c in missing),
                    ),
                    "warning",
                )
            names.append(trainee.display_name)
        return names

    return act(
        enroll,
        load=lambda: _course_by_slug(slug),
        form=EnrollTraineesForm(),
        invalid=invalid,
        success=lambda names: _("Enrolled: %(names)s.", names=join_list(names)),
        redirect_to=course_url,
    )


@bp.route("/<slug>/enrolments")
@role_required(*permissions.ENROLLER_ROLES)
def course_enrollments(slug: str):
    course = _course_by_slug(slug)
    stmt = queries.enrollments_in_scope(current_user, course_id=course.id)
    pagination = paginate(stmt)
    return render_template(
        "courses/enrollments.html",
        course=course,
        pagination=pagination,
        progress=services.progress_for(list(pagination.items)),
        action_form=ActionForm(),
    )


@bp.route("/enrollments/<int(max=2147483647):enrollment_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(enrollment_id: int):
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        abort(404)
    # Someone else's enrolment is not there for a trainee, nor for an officer outside their jurisdiction.
    if enrollment.user_id != current_user.id and not (
        current_user.role in permissions.ENROLLER_ROLES
        and db.session.execute(
            queries.users_in_scope(current_user, [enrollment.user_id]).with_only_columns(User.id)
        ).first()
    ):
        abort(404)
    slug = enrollment.course.slug
    target = request.form.get("next") or ""
    if target == "enrollments":
        back = url_for("courses.course_enrollments", slug=slug)
    elif target == "my":
        back = url_for("courses.my_learning")
    else:
        back = url_for("courses.course_page", slug=slug)

    def ask(enrollment, form):
        own = enrollment.user_id == current_user.id
        return confirmation_page(
            form,
            title=_("Withdraw from a course"),
            question=_("Withdraw from “%(course)s”?", course=enrollment.course.title)
            if own
            else _(
                "Withdraw %(name)s from “%(course)s”?",
                name=enrollment.user.display_name,
                course=enrollment.course.title,
            ),
            consequence=_("Progress so far is kept, but the course no longer counts towards completion."),
            submit_label=_("Withdraw"),
            back_url=url_for("courses.course_page", slug=enrollment.course.slug),
            carry={"next": request.values.get("next", "")},
        )

    return act(
        lambda enrollment, f: services.withdraw(current_user, enrollment),
        load=lambda: enrollment,
        form=ActionForm(),
        confirm=ask,
        success=_("Withdrawn from the course."),
        redirect_to=back,
    )


@bp.route("/my")
@kept
@role_required("trainee")
def my_learning():
    stmt = queries.my_enrollments(current_user).options(
        joinedload(Enrollment.course).joinedload(Course.published_version).selectinload(CourseVersion.texts)
    )
    pagination = paginate(stmt)
    return render_template(
        "courses/my_learning.html",
        pagination=pagination,
        progress=services.progress_for(list(pagination.items)),
        action_form=ActionForm(),
    )


@bp.route("/attachments/<int(max=2147483647):attachment_id>")
@login_required
def attachment(attachment_id: int):
    item = db.session.get(LessonAttachment, attachment_id)
    if item is None:
        abort(404)
    version = item.lesson.version
    if not permissions.can_see_attachment_of(current_user, version):
        abort(404)
    path = services.attachment_folder() / item.stored_name
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=item.mimetype,
        as_attachment=True,
        download_name=item.filename,
        max_age=0,
        conditional=True,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
