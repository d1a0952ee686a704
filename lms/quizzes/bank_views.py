"""The question bank pages of a course and its GIFT import and export (routes of the quizzes blueprint)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.core.replica import reads_from_replica
from lms.core.web import apply_domain_error, paginate
from lms.courses.models import Course
from lms.errors import DomainError
from lms.extensions import db
from lms.quizzes import bank as bank_service
from lms.quizzes import (
    editor,
    queries,
)
from lms.quizzes.forms import (
    ActionForm,
    GiftConfirmForm,
    GiftImportForm,
    QuestionForm,
)
from lms.quizzes.models import (
    MODULE_TAGS,
    AttemptQuestion,
    Question,
    QuestionVersion,
)
from lms.quizzes.qtypes import QUESTION_TYPES
from lms.quizzes.views import (  # the blueprint and the loading helpers
    _managed_course,
    _managed_question,
    bp,
)

# -- question bank -------------------------------------------------------------------------------------------


@bp.route("/course/<slug>/bank")
@login_required
def bank(slug: str):
    course = _managed_course(slug)
    args = request.args
    stmt = queries.bank_questions(
        course,
        category=args.get("category"),
        qtype=args["type"] if args.get("type") in QUESTION_TYPES else "",
        tag=args.get("tag") or "",
        q=args["q"].strip() if args.get("q") else "",
        archived=args.get("archived") == "1",
    )
    questions = paginate(stmt)
    categories = db.session.execute(queries.bank_categories(course)).all()
    tags = db.session.execute(queries.bank_tags(course)).all()
    return render_template(
        "quizzes/bank.html",
        course=course,
        questions=questions,
        categories=categories,
        tags=tags,
        module_tags=MODULE_TAGS,
    )


def _question_form_page(course: Course, qtype: str, form: QuestionForm, question=None, status: int = 200):
    editor.ensure_blank_rows(form)
    categories = (
        db.session.execute(
            sa.select(Question.category)
            .where(Question.course_id == course.id)
            .distinct()
            .order_by(Question.category)
        )
        .scalars()
        .all()
    )
    return render_template(
        "quizzes/question_form.html",
        course=course,
        qtype=qtype,
        form=form,
        question=question,
        categories=categories,
        module_tags=MODULE_TAGS,
    ), status


@bp.route("/course/<slug>/bank/new", methods=["GET", "POST"])
@login_required
def question_new(slug: str):
    course = _managed_course(slug)
    qtype = request.args.get("type", "")
    if qtype not in QUESTION_TYPES:
        return render_template("quizzes/question_type_choice.html", course=course)
    form = QuestionForm()
    if request.method == "GET":
        form.category.data = request.args.get("category", "")
    if form.validate_on_submit():
        content = editor.content_from_form(qtype, form)
        try:
            question = bank_service.create_question(
                current_user,
                course,
                content=content,
                name=form.name.data or "",
                category=form.category.data or "",
                tags=editor.split_tags(form.tags.data),
                default_mark=form.default_mark.data,
            )
            db.session.commit()
        except bank_service.QuestionInvalid as error:
            db.session.rollback()
            form.form_errors.extend(error.problems)
            return _question_form_page(course, qtype, form, status=400)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
            return _question_form_page(course, qtype, form, status=400)
        flash(_("Question “%(name)s” saved.", name=question.name), "success")
        return redirect(url_for("quizzes.question_detail", question_id=question.id))
    return _question_form_page(course, qtype, form, status=400 if form.errors else 200)


@bp.route("/questions/<int:question_id>")
@login_required
def question_detail(question_id: int):
    question = _managed_question(question_id)
    versions = db.session.execute(
        sa.select(QuestionVersion, sa.func.count(AttemptQuestion.id).label("uses"))
        .outerjoin(AttemptQuestion, AttemptQuestion.question_version_id == QuestionVersion.id)
        .where(QuestionVersion.question_id == question.id)
        .group_by(QuestionVersion.id)
        .order_by(QuestionVersion.number.desc())
    ).all()
    version = question.current_version
    cls = QUESTION_TYPES[version.qtype]
    return render_template(
        "quizzes/question_detail.html",
        question=question,
        version=version,
        versions=versions,
        right_answer=cls.correct_answer_text(version.data),
        course=question.course,
        form=ActionForm(),
    )


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def question_edit(question_id: int):
    question = _managed_question(question_id)
    version = question.current_version
    form = QuestionForm()
    if request.method == "GET":
        editor.fill_form(form, question, version)
    if form.validate_on_submit():
        content = editor.content_from_form(version.qtype, form)
        try:
            outcome = bank_service.update_question(
                current_user,
                question,
                content=content,
                name=form.name.data or "",
                category=form.category.data or "",
                tags=editor.split_tags(form.tags.data),
                default_mark=form.default_mark.data,
            )
            db.session.commit()
        except bank_service.QuestionInvalid as error:
            db.session.rollback()
            form.form_errors.extend(error.problems)
            return _question_form_page(question.course, version.qtype, form, question, status=400)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
            return _question_form_page(question.course, version.qtype, form, question, status=400)
        messages = {
            "new_version": _(
                "Saved as version %(n)d; attempts that showed the earlier version keep it.",
                n=question.current_version.number,
            ),
            "edited": _("Question saved."),
            "unchanged": _("Question saved (the content did not change)."),
        }
        flash(messages[outcome], "success")
        return redirect(url_for("quizzes.question_detail", question_id=question.id))
    return _question_form_page(
        question.course, version.qtype, form, question, status=400 if form.errors else 200
    )


@bp.route("/questions/<int:question_id>/archive", methods=["POST"])
@login_required
def question_archive(question_id: int):
    question = _managed_question(question_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    archive = not question.archived
    bank_service.set_archived(question, archive)
    db.session.commit()
    flash(
        _("Question archived: it leaves the bank and new attempts.") if archive else _("Question restored."),
        "success",
    )
    return redirect(url_for("quizzes.question_detail", question_id=question.id))


# -- GIFT import and export ----------------------------------------------------------------------------------


def _read_upload(form: GiftImportForm) -> str | None:
    upload = form.file.data
    if upload and getattr(upload, "filename", ""):
        raw = upload.read(bank_service.GIFT_MAX_BYTES + 1)
        if len(raw) > bank_service.GIFT_MAX_BYTES:
            form.file.errors = [
                _("The file is too large (at most %(n)d MB).", n=bank_service.GIFT_MAX_BYTES // (1024 * 1024))
            ]
            return None
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.file.errors = [_("The file is not UTF-8 text. Save it as UTF-8 and upload it again.")]
            return None
    if form.text.data and form.text.data.strip():
        return form.text.data
    form.file.errors = [_("Choose a GIFT file or paste GIFT text.")]
    return None


@bp.route("/course/<slug>/import", methods=["GET", "POST"])
@login_required
def gift_import(slug: str):
    course = _managed_course(slug)
    form = GiftImportForm()
    if form.validate_on_submit():
        text = _read_upload(form)
        if text is not None:
            report = bank_service.plan_import(course, text)
            db.session.rollback()
            confirm = GiftConfirmForm(gift_text=text) if report.ok else None
            return render_template(
                "quizzes/gift_preview.html",
                course=course,
                report=report,
                confirm=confirm,
                lines=text.splitlines(),
                form=form,
            ), 200 if report.ok else 422
    return render_template("quizzes/gift_import.html", course=course, form=form), 400 if form.errors else 200


@bp.route("/course/<slug>/import/confirm", methods=["POST"])
@login_required
def gift_import_confirm(slug: str):
    course = _managed_course(slug)
    confirm = GiftConfirmForm()
    if not confirm.validate_on_submit():
        abort(400)
    text = confirm.gift_text.data.replace("\r\n", "\n")
    report = bank_service.plan_import(course, text)
    if not report.ok:  # the text changed between preview and confirmation
        db.session.rollback()
        return render_template(
            "quizzes/gift_preview.html",
            course=course,
            report=report,
            confirm=None,
            lines=text.splitlines(),
            form=GiftImportForm(),
        ), 422
    bank_service.apply_import(current_user, course, report)
    db.session.commit()
    flash(
        _(
            "Imported: %(new)d new, %(changed)d changed, %(same)d unchanged.",
            new=report.count("create"),
            changed=report.count("update"),
            same=report.count("unchanged"),
        ),
        "success",
    )
    return redirect(url_for("quizzes.bank", slug=course.slug))


@bp.route("/course/<slug>/export.gift")
@login_required
@reads_from_replica
def gift_export(slug: str):
    course = _managed_course(slug)
    return Response(
        bank_service.export_gift(course),
        # content_type, not mimetype: Werkzeug adds "; charset=utf-8" to a text mimetype itself.
        content_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{course.slug}.gift"'},
    )
