"""Authoring pages: new courses and versions, their settings, modules, lessons and attachments, and the
review and life cycle of a version (routes of the courses blueprint)."""

from __future__ import annotations

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth.permissions import role_required
from lms.content.markdown import render_markdown
from lms.core.actions import act, back_to, on_form
from lms.core.confirm import confirmation_page, is_confirmed
from lms.core.web import paginate
from lms.courses import permissions, queries, services
from lms.courses.forms import (
    ActionForm,
    AttachmentForm,
    CourseForm,
    LessonForm,
    ModuleForm,
    ReviewForm,
)
from lms.courses.models import (
    Course,
    CourseVersion,
    Lesson,
    LessonAttachment,
    Module,
)
from lms.courses.views import (  # the blueprint and the loading helpers
    _course_by_id,
    _editable_version,
    _published_lessons,
    _version,
    bp,
)
from lms.errors import DomainError
from lms.extensions import db

# -- authoring ---------------------------------------------------------------------------------------------


@bp.route("/authoring")
@role_required(*permissions.AUTHOR_ROLES)
def authoring():
    pagination = paginate(queries.authored_courses(current_user))
    return render_template("courses/authoring.html", pagination=pagination)


def _prerequisite_choices(form: CourseForm, course: Course | None) -> list[Course]:
    choices = services.prerequisite_choices(exclude=course)
    form.prerequisites.choices = [(c.id, c.title) for c in choices]
    return choices


def _chosen(choices: list[Course], ids) -> list[Course]:
    wanted = set(ids or [])
    return [c for c in choices if c.id in wanted]


@bp.route("/authoring/new", methods=["GET", "POST"])
@role_required(*permissions.AUTHOR_ROLES)
def course_new():
    form = CourseForm()
    choices = _prerequisite_choices(form, None)
    preview = None

    def page(_nothing, form):
        return render_template("courses/course_form.html", form=form, version=None, preview=preview)

    if request.method == "GET":
        form.require_lessons.data = True
        form.modes.data = ["online"]
    elif form.preview.data:
        preview = render_markdown(form.overview.data)
    else:

        def refused(_nothing, form, error: DomainError):
            _prerequisite_choices(form, None)
            return on_form(page, status=200)(None, form, error)

        return act(
            lambda _nothing, f: services.create_course(
                current_user,
                slug=f.slug.data or "",
                values=f.values(),
                prerequisites=_chosen(choices, f.prerequisites.data),
            ),
            form=form,
            invalid=page,
            refused=refused,
            success=_("Course created as a draft. Add modules and lessons, then submit it for review."),
            redirect_to=lambda course: url_for("courses.version_detail", version_id=course.versions[0].id),
        )
    return page(None, form)


@bp.route("/versions/<int(max=2147483647):version_id>/edit", methods=["GET", "POST"])
@login_required
def version_edit(version_id: int):
    version = _version(version_id)
    _editable_version(version)
    form = CourseForm()
    choices = _prerequisite_choices(form, version.course)
    preview = None

    def page(version, form):
        return render_template("courses/course_form.html", form=form, version=version, preview=preview)

    if request.method == "GET":
        form.fill(version)
    elif form.preview.data:
        preview = render_markdown(form.overview.data)
    else:

        def refused(version, form, error: DomainError):
            _prerequisite_choices(form, version.course)
            return on_form(page, status=200)(version, form, error)

        return act(
            lambda version, f: services.update_version(
                current_user, version, f.values(), _chosen(choices, f.prerequisites.data)
            ),
            load=lambda: _version(version_id),
            form=form,
            invalid=page,
            refused=refused,
            success=_("Saved."),
            redirect_to=url_for("courses.version_detail", version_id=version_id),
        )
    return page(version, form)


@bp.route("/versions/<int(max=2147483647):version_id>")
@login_required
def version_detail(version_id: int):
    version = _version(version_id)
    version = _published_lessons(version.id, attachments=True)
    course = version.course
    review_form = ReviewForm() if permissions.can_review(current_user, version) else None
    return render_template(
        "courses/version.html",
        version=version,
        course=course,
        can_edit=permissions.can_edit_version(current_user, version),
        can_manage=permissions.can_manage_course(current_user, course),
        is_author=permissions.is_author_of(current_user, version),
        review_form=review_form,
        module_form=ModuleForm(formdata=None),
        action_form=ActionForm(),
        open_version=services.open_version(course),
    )


@bp.route("/versions/<int(max=2147483647):version_id>/lessons/<int(max=2147483647):lesson_id>")
@login_required
def version_lesson(version_id: int, lesson_id: int):
    version = _version(version_id)
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.version_id != version.id:
        abort(404)
    return render_template(
        "courses/version_lesson.html",
        version=version,
        course=version.course,
        lesson=lesson,
        can_edit=permissions.can_edit_version(current_user, version),
    )


def _version_action(version_id: int, action, success: str):
    return act(
        lambda version, f: action(version),
        load=lambda: _version(version_id),
        form=ActionForm(),
        success=success,
        redirect_to=url_for("courses.version_detail", version_id=version_id),
    )


@bp.route("/versions/<int(max=2147483647):version_id>/modules", methods=["POST"])
@login_required
def module_add(version_id: int):
    version = _version(version_id)
    _editable_version(version)
    target = url_for("courses.version_detail", version_id=version_id)
    return act(
        lambda version, f: services.add_module(current_user, version, f.title.data),
        load=lambda: version,
        form=ModuleForm(),
        invalid=_module_title_required(target),
        success=_("Module added."),
        redirect_to=target,
    )


def _module_title_required(target: str):
    def invalid(obj, form):
        flash(_("A module title of at most 200 characters is required."), "error")
        return redirect(target)

    return invalid


def _module(module_id: int) -> Module:
    module = db.session.get(Module, module_id)
    if module is None or not permissions.can_view_version(current_user, module.version):
        abort(404)
    _editable_version(module.version)
    return module


@bp.route("/modules/<int(max=2147483647):module_id>/edit", methods=["POST"])
@login_required
def module_edit(module_id: int):
    module = _module(module_id)
    target = url_for("courses.version_detail", version_id=module.version_id)
    return act(
        lambda module, f: services.rename_module(current_user, module, f.title.data),
        load=lambda: module,
        form=ModuleForm(),
        invalid=_module_title_required(target),
        success=_("Module renamed."),
        redirect_to=target,
    )


@bp.route("/modules/<int(max=2147483647):module_id>/move", methods=["POST"])
@login_required
def module_move(module_id: int):
    return _moved(_module(module_id), services.move_module)


def _moved(item, move):
    """Move a module or a lesson one place up or down its version's outline, back to the version's page."""
    version_id = item.version_id
    form = ActionForm()
    if not form.validate_on_submit() or form.direction.data not in ("up", "down"):
        abort(400)
    move(current_user, item, form.direction.data)
    db.session.commit()
    return redirect(url_for("courses.version_detail", version_id=version_id))


@bp.route("/modules/<int(max=2147483647):module_id>/delete", methods=["GET", "POST"])
@login_required
def module_delete(module_id: int):
    module = _module(module_id)
    target = url_for("courses.version_detail", version_id=module.version_id)
    return act(
        lambda module, f: services.delete_module(current_user, module),
        load=lambda: module,
        form=ActionForm(),
        confirm=lambda module, form: confirmation_page(
            form,
            title=_("Delete a module"),
            question=_("Delete the module “%(title)s”?", title=module.title),
            submit_label=_("Delete"),
            back_url=target,
        ),
        success=_("Module deleted."),
        redirect_to=target,
    )


def _lesson_form(version: CourseVersion, form: LessonForm) -> None:
    form.module_id.choices = [(0, _("— No module —"))] + [(m.id, m.title) for m in version.modules]


@bp.route("/versions/<int(max=2147483647):version_id>/lessons/new", methods=["GET", "POST"])
@login_required
def lesson_new(version_id: int):
    version = _version(version_id)
    _editable_version(version)
    form = LessonForm()
    _lesson_form(version, form)
    preview = None

    def page(version, form):
        return render_template(
            "courses/lesson_form.html",
            form=form,
            version=version,
            lesson=None,
            preview=preview,
            attachment_form=None,
            action_form=ActionForm(),
        )

    if request.method == "GET" and request.args.get("module", "").isdigit():
        form.module_id.data = int(request.args["module"])
    if request.method == "POST" and form.preview.data:
        preview = render_markdown(form.body.data)
    else:

        def refused(version, form, error: DomainError):
            _lesson_form(version, form)
            return on_form(page, status=200)(version, form, error)

        return act(
            lambda version, f: services.create_lesson(current_user, version, f.values()),
            load=lambda: _version(version_id),
            form=form,
            invalid=page,
            refused=refused,
            success=_("Lesson added."),
            redirect_to=lambda lesson: url_for("courses.lesson_edit", lesson_id=lesson.id),
        )
    return page(version, form)


def _lesson(lesson_id: int) -> Lesson:
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or not permissions.can_view_version(current_user, lesson.version):
        abort(404)
    _editable_version(lesson.version)
    return lesson


@bp.route("/lessons/<int(max=2147483647):lesson_id>/edit", methods=["GET", "POST"])
@login_required
def lesson_edit(lesson_id: int):
    lesson = _lesson(lesson_id)
    version = lesson.version
    form = LessonForm(obj=lesson if request.method == "GET" else None)
    _lesson_form(version, form)
    if request.method == "GET":
        form.module_id.data = lesson.module_id or 0
    preview = None

    def page(lesson, form):
        return render_template(
            "courses/lesson_form.html",
            form=form,
            version=lesson.version,
            lesson=lesson,
            preview=preview,
            attachment_form=AttachmentForm(formdata=None),
            max_size=services.human_size(services.attachment_max_bytes()),
            action_form=ActionForm(),
        )

    if request.method == "POST" and form.preview.data:
        preview = render_markdown(form.body.data)
    else:

        def refused(lesson, form, error: DomainError):
            _lesson_form(lesson.version, form)
            return on_form(page, status=200)(lesson, form, error)

        return act(
            lambda lesson, f: services.update_lesson(current_user, lesson, f.values()),
            load=lambda: _lesson(lesson_id),
            form=form,
            invalid=page,
            refused=refused,
            success=_("Lesson saved."),
            redirect_to=url_for("courses.lesson_edit", lesson_id=lesson_id),
        )
    return page(lesson, form)


@bp.route("/lessons/<int(max=2147483647):lesson_id>/move", methods=["POST"])
@login_required
def lesson_move(lesson_id: int):
    return _moved(_lesson(lesson_id), services.move_lesson)


@bp.route("/lessons/<int(max=2147483647):lesson_id>/delete", methods=["GET", "POST"])
@login_required
def lesson_delete(lesson_id: int):
    lesson = _lesson(lesson_id)
    version_id = lesson.version_id
    if not is_confirmed():
        return confirmation_page(
            ActionForm(),
            title=_("Delete a lesson"),
            question=_("Delete the lesson “%(title)s” and its attachments?", title=lesson.title),
            consequence=_("This cannot be undone."),
            submit_label=_("Delete"),
            back_url=url_for("courses.version_detail", version_id=version_id),
        )
    if not ActionForm().validate_on_submit():
        abort(400)
    files = services.delete_lesson(current_user, lesson)
    db.session.commit()
    services.remove_stored_files(files)
    flash(_("Lesson deleted."), "success")
    return redirect(url_for("courses.version_detail", version_id=version_id))


@bp.route("/lessons/<int(max=2147483647):lesson_id>/attachments", methods=["POST"])
@login_required
def attachment_add(lesson_id: int):
    target = url_for("courses.lesson_edit", lesson_id=lesson_id)

    def invalid(lesson, form):
        flash(_("Choose a file to attach."), "error")
        return redirect(target)

    return act(
        lambda lesson, f: services.add_attachment(
            current_user, lesson, filename=f.file.data.filename or "", stream=f.file.data.stream
        ),
        load=lambda: _lesson(lesson_id),
        form=AttachmentForm(),
        invalid=invalid,
        success=_("File attached."),
        redirect_to=target,
    )


@bp.route("/attachments/<int(max=2147483647):attachment_id>/delete", methods=["GET", "POST"])
@login_required
def attachment_delete(attachment_id: int):
    item = db.session.get(LessonAttachment, attachment_id)
    if item is None or not permissions.can_view_version(current_user, item.lesson.version):
        abort(404)
    _editable_version(item.lesson.version)
    lesson_id = item.lesson_id
    if not is_confirmed():
        return confirmation_page(
            ActionForm(),
            title=_("Remove an attachment"),
            question=_("Remove the attachment “%(name)s”?", name=item.filename),
            consequence=_("This cannot be undone."),
            submit_label=_("Remove"),
            back_url=url_for("courses.lesson_edit", lesson_id=lesson_id),
        )
    if not ActionForm().validate_on_submit():
        abort(400)
    stored = services.delete_attachment(current_user, item)
    db.session.commit()
    services.remove_stored_files([stored])
    flash(_("Attachment removed."), "success")
    return redirect(url_for("courses.lesson_edit", lesson_id=lesson_id))


@bp.route("/preview", methods=["POST"])
@role_required(*permissions.AUTHOR_ROLES)
def preview_markdown():
    """Live preview for the editor's script: the same render_markdown as the pages."""
    text = request.form.get("text", "")
    if len(text) > 200_000:
        abort(413)
    return jsonify(html=str(render_markdown(text)))


# -- life cycle --------------------------------------------------------------------------------------------


@bp.route("/versions/<int(max=2147483647):version_id>/submit", methods=["POST"])
@login_required
def version_submit(version_id: int):
    return _version_action(
        version_id,
        lambda v: services.submit_for_review(current_user, v),
        _("Submitted for review. Someone other than you will approve it or return it."),
    )


@bp.route("/versions/<int(max=2147483647):version_id>/withdraw", methods=["POST"])
@login_required
def version_withdraw(version_id: int):
    return _version_action(
        version_id,
        lambda v: services.withdraw_from_review(current_user, v),
        _("Taken back from review; it is a draft again."),
    )


@bp.route("/versions/<int(max=2147483647):version_id>/discard", methods=["GET", "POST"])
@login_required
def version_discard(version_id: int):
    if not is_confirmed():
        version = _version(version_id)
        return confirmation_page(
            ActionForm(),
            title=_("Discard a draft"),
            question=_(
                "Discard the draft version %(number)d of “%(title)s”?",
                number=version.number,
                title=version.title,
            ),
            consequence=_("The draft is archived and can no longer be edited or submitted."),
            submit_label=_("Discard the draft"),
            back_url=url_for("courses.version_detail", version_id=version_id),
        )
    return _version_action(
        version_id, lambda v: services.discard_draft(current_user, v), _("Draft discarded (archived).")
    )


@bp.route("/versions/<int(max=2147483647):version_id>/review", methods=["POST"])
@role_required(*permissions.REVIEWER_ROLES)
def version_review(version_id: int):

    def review(version, form) -> str:
        if form.approve.data:
            services.approve(current_user, version, form.note.data or "")
            return _("Approved and published. Trainees now see this version.")
        services.return_to_author(current_user, version, form.note.data or "")
        return _("Returned to the author with your note.")

    return act(
        review,
        load=lambda: _version(version_id),
        form=ReviewForm(),
        refused=back_to(url_for("courses.version_detail", version_id=version_id)),
        success=lambda message: message,
        redirect_to=url_for("courses.reviews"),
    )


def _managed_course(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or not permissions.can_see_course(current_user, course):
        abort(404)
    if not permissions.can_manage_course(current_user, course):
        abort(403)
    return course


@bp.route("/manage/<int(max=2147483647):course_id>/new-version", methods=["POST"])
@login_required
def course_new_version(course_id: int):
    return act(
        lambda course, f: services.start_new_version(current_user, course),
        load=lambda: _managed_course(course_id),
        form=ActionForm(),
        refused=back_to(url_for("courses.course_history", course_id=course_id)),
        success=_(
            "New draft version started. Trainees keep the published version until this one is approved."
        ),
        redirect_to=lambda version: url_for("courses.version_detail", version_id=version.id),
    )


@bp.route("/manage/<int(max=2147483647):course_id>/archive", methods=["POST"])
@login_required
def course_archive(course_id: int):
    return act(
        lambda course, f: services.archive_course(current_user, course),
        load=lambda: _managed_course(course_id),
        form=ActionForm(),
        success=_("Course archived: it has left the catalog; enrolled trainees can still finish it."),
        redirect_to=url_for("courses.course_history", course_id=course_id),
    )


@bp.route("/manage/<int(max=2147483647):course_id>/restore", methods=["POST"])
@login_required
def course_restore(course_id: int):
    return act(
        lambda course, f: services.restore_course(current_user, course),
        load=lambda: _managed_course(course_id),
        form=ActionForm(),
        success=_("Course restored to the catalog."),
        redirect_to=url_for("courses.course_history", course_id=course_id),
    )


@bp.route("/manage/<int(max=2147483647):course_id>/history")
@login_required
def course_history(course_id: int):
    course = _course_by_id(course_id)
    if not permissions.can_view_history(current_user, course):
        abort(403)
    versions = list(db.session.execute(queries.course_versions(course)).scalars())
    return render_template(
        "courses/history.html",
        course=course,
        versions=versions,
        viewable={v.id for v in versions if permissions.can_view_version(current_user, v)},
        can_manage=permissions.can_manage_course(current_user, course),
        open_version=services.open_version(course),
        action_form=ActionForm(),
    )


@bp.route("/reviews")
@role_required(*permissions.REVIEWER_ROLES)
def reviews():
    mine = list(db.session.execute(queries.own_versions_in_review(current_user)).scalars())
    return render_template(
        "courses/reviews.html", pagination=paginate(queries.review_queue(current_user)), mine=mine
    )
