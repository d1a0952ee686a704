"""Curriculum loading for quizzes: the course's GIFT bank and its language variants into the course's bank,
and the quizzes declared in course.md. Registered as a loader hook of :mod:`lms.courses.curriculum`;
idempotent (an unchanged bank and unchanged quiz entries report no change). Also an export hook: ``content
export`` writes the bank (every language) into the exported course folder, where ``content load`` finds it.

Where the bank of course ``<slug>`` is found (the first that has ``<slug>.gift``):

1. the course folder itself (``<slug>/<slug>.gift``; what ``content export`` writes);
2. the configured ``QUIZZES_DIR`` when the folder loaded is the configured ``COURSES_DIR``;
3. a ``quizzes/`` folder beside the folder that holds the course folders (``courses/`` and ``quizzes/`` side
   by side, as in the repository).

``<slug>.<locale>.gift`` beside it holds the same questions in another language: every ``::name::`` of one
file is in the other, with the same type and the same answer structure (choices with the same grades), so an
answer means the same whichever language the trainee read. The primary bank's ``// [tag:…]`` lines give each
question its tags (the AEO standard modules it tests); a variant may repeat them, identically.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from lms.content.gift import GiftQuestion, parse_gift
from lms.errors import InvalidInput
from lms.extensions import db
from lms.quizzes.bank import (
    QuestionContent,
    _gift_content,
    _new_version,
    answer_shape,
    clean_tags,
    content_problems,
    import_gift,
    version_in_use,
)
from lms.quizzes.models import Question, QuestionVersionText
from lms.quizzes.services import sync_quiz_specs


def bank_path(course_slug: str) -> Path:
    return Path(current_app.config["QUIZZES_DIR"]) / f"{course_slug}.gift"


def bank_folder(course_slug: str, course_dir: Path | None) -> Path:
    """The folder holding the bank of ``course_slug`` loaded from ``course_dir`` (see the module doc)."""
    if course_dir is not None:
        course_dir = Path(course_dir)
        if (course_dir / f"{course_slug}.gift").is_file():
            return course_dir
        configured = Path(current_app.config["COURSES_DIR"]).resolve()
        if course_dir.resolve().parent != configured:
            return course_dir.resolve().parent.parent / "quizzes"
    return Path(current_app.config["QUIZZES_DIR"])


def bank_files(course_slug: str, course_dir: Path | None) -> tuple[Path, dict[str, Path]]:
    """(the primary bank, {locale: variant bank}) of the course; the files need not exist."""
    from lms.courses.models import CONTENT_LANGUAGES

    folder = bank_folder(course_slug, course_dir)
    variants = {
        locale: folder / f"{course_slug}.{locale}.gift"
        for locale in CONTENT_LANGUAGES
        if (folder / f"{course_slug}.{locale}.gift").is_file()
    }
    return folder / f"{course_slug}.gift", variants


def _shape(question: GiftQuestion) -> object:
    """What must be equal in two language variants of one question (see :func:`answer_shape`)."""
    content = _gift_content(question)
    return answer_shape(content.qtype, content.data)


def _read_bank(path: Path) -> list[GiftQuestion]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        _refuse(path, None, f"cannot read the question bank: {error}")
    questions, problems = parse_gift(text)
    for question in questions:
        for message in content_problems(_gift_content(question)):
            problems.append(_problem(question, message))
    if problems:
        problems = sorted(problems, key=lambda p: p.line)
        _refuse(path, problems[0].line, "; ".join(f"line {p.line}: {p.message}" for p in problems))
    seen: dict[tuple[str, str], int] = {}
    for question in questions:
        key = (question.category.strip(), question.name.strip())
        if not key[1]:
            _refuse(
                path,
                question.line,
                "every question of a curriculum bank needs a ::name:: (variants match by it)",
            )
        if key in seen:
            _refuse(path, question.line, f"question {key[1]!r} is also on line {seen[key]}")
        seen[key] = question.line
    return questions


def _problem(question: GiftQuestion, message: str):
    from lms.content.gift import GiftProblem

    return GiftProblem(question.line, message)


def check_variants(
    primary_path: Path, primary: list[GiftQuestion], variants: dict[str, tuple[Path, list[GiftQuestion]]]
) -> None:
    """Every question of each file is in the other, with the same type, answer structure and tags."""
    by_key = {(q.category.strip(), q.name.strip()): q for q in primary}
    for locale, (path, questions) in variants.items():
        theirs = {(q.category.strip(), q.name.strip()): q for q in questions}
        for key, question in by_key.items():
            if key not in theirs:
                _refuse(
                    primary_path,
                    question.line,
                    f"question {key[1]!r} (category {key[0]!r}) has no {locale} variant in {path.name}",
                )
        for key, question in theirs.items():
            mine = by_key.get(key)
            if mine is None:
                _refuse(
                    path,
                    question.line,
                    f"question {key[1]!r} (category {key[0]!r}) is not in {primary_path.name}: "
                    "a variant translates the questions of the bank",
                )
            if question.qtype != mine.qtype or _shape(question) != _shape(mine):
                _refuse(
                    path,
                    question.line,
                    f"question {key[1]!r} is not the same question as on line {mine.line} of "
                    f"{primary_path.name}: "
                    "the type, the choices and their grades must be the same in every language",
                )
            if question.tags and sorted(clean_tags(question.tags)) != sorted(clean_tags(mine.tags)):
                _refuse(
                    path,
                    question.line,
                    f"question {key[1]!r} has other tags than on line {mine.line} of {primary_path.name}",
                )


def sync_question_texts(course, locale: str, questions: list[GiftQuestion]) -> int:
    """Store each question's ``locale`` text on its current version; returns how many changed. A text that
    changes on a version attempts have shown gets a new version (same answers), so attempts keep theirs."""
    bank = {
        (q.category, q.name): q
        for q in db.session.execute(db.select(Question).where(Question.course_id == course.id)).scalars()
    }
    changed = 0
    for gift in questions:
        question = bank[(gift.category.strip(), gift.name.strip())]
        content = _gift_content(gift)
        new_hash = content.hash()
        version = question.current_version
        existing = version.text_for(locale)
        if existing is not None and existing.content_hash == new_hash:
            continue
        if existing is not None and version_in_use(version.id):
            previous = version
            version = _new_version(question, QuestionContent.of_version(previous), None, previous.number + 1)
            for text in previous.texts:
                if text.locale != locale:
                    version.texts.append(_copy_text(text))
            db.session.flush()
            question.current_version = version
            existing = None
        if existing is None:
            existing = QuestionVersionText(locale=locale)
            version.texts.append(existing)
        existing.qtype, existing.stem, existing.stem_format = content.qtype, content.stem, content.stem_format
        existing.data, existing.general_feedback = content.data, content.general_feedback
        existing.content_hash = new_hash
        changed += 1
    db.session.flush()
    return changed


def _copy_text(text: QuestionVersionText) -> QuestionVersionText:
    return QuestionVersionText(
        locale=text.locale,
        qtype=text.qtype,
        stem=text.stem,
        stem_format=text.stem_format,
        data=text.data,
        general_feedback=text.general_feedback,
        content_hash=text.content_hash,
    )


def load_course_quizzes(course, version, course_dir=None, report=None) -> bool:
    """Load the course's GIFT bank and its language variants (if there is a bank) and its quizzes; return
    True if anything changed. A bank with problems, or a variant that lacks a question the other has, stops
    the load with the file and line."""
    changed = False
    path, variant_paths = bank_files(course.slug, course_dir)
    if path.is_file():
        primary = _read_bank(path)
        languages = set(version.locales)
        for locale, variant_path in variant_paths.items():
            if locale == version.language:
                _refuse(variant_path, None, f"the course is written in {locale}: its bank is {path.name}")
            if locale not in languages:
                _refuse(
                    variant_path,
                    None,
                    f"the course has no {locale} variant (folder {course.slug}/{locale}/), "
                    "so its bank cannot have one",
                )
        for locale in languages - {version.language} - set(variant_paths):
            _refuse(
                path.with_name(f"{course.slug}.{locale}.gift"),
                None,
                f"missing: the course has a {locale} variant, so its bank needs one with the same questions",
            )
        variants = {locale: (p, _read_bank(p)) for locale, p in sorted(variant_paths.items())}
        check_variants(path, primary, variants)
        result = import_gift(None, course, path.read_text(encoding="utf-8"), tags_from_file=True)
        if not result.ok:
            _refuse(
                path,
                result.problems[0].line,
                "; ".join(f"line {p.line}: {p.message}" for p in result.problems),
            )
        changed = result.changed
        texts = {locale: sync_question_texts(course, locale, qs) for locale, (_p, qs) in variants.items()}
        changed = changed or any(texts.values())
        if changed and report is not None and hasattr(report, "note"):
            report.note(
                course.slug,
                f"question bank {path.name}: {result.count('create')} new, "
                f"{result.count('update')} changed, {result.count('unchanged')} unchanged, "
                f"{result.retagged} retagged"
                + "".join(f"; {locale}: {n} text(s) changed" for locale, n in texts.items()),
            )
    elif variant_paths:
        first = next(iter(variant_paths.values()))
        _refuse(first, None, f"a variant bank without the course's own bank {path.name}")
    try:
        specs_changed = sync_quiz_specs(course, version.quiz_specs)
    except InvalidInput as error:
        _refuse(Path(course_dir or ".") / "course.md", None, str(error))
    if specs_changed:
        changed = True
        if report is not None and hasattr(report, "note"):
            report.note(course.slug, "quizzes updated from course.md.")
    return changed


def export_course_bank(course, version, target: Path, report=None) -> None:
    """Write the course's bank beside the exported course: ``<slug>.gift`` in the course's language and
    ``<slug>.<locale>.gift`` for each language variant, so that ``content load`` of the export keeps them."""
    from lms.quizzes.bank import export_gift

    exists = db.session.execute(
        db.select(Question.id).where(Question.course_id == course.id, Question.archived.is_(False)).limit(1)
    ).first()
    if exists is None:
        return
    target = Path(target)
    files = [(target / f"{course.slug}.gift", export_gift(course))]
    for locale in version.locales[1:]:
        files.append((target / f"{course.slug}.{locale}.gift", export_gift(course, locale)))
    for file, text in files:
        file.write_text(text, encoding="utf-8")
        if report is not None:
            report.files.append(file)
    if report is not None:
        report.note(course.slug, "question bank written: " + ", ".join(f.name for f, _t in files) + ".")


def _refuse(path: Path, line: int | None, message: str):
    try:
        from lms.content.curriculum import CurriculumError
    except ImportError:  # pragma: no cover - only without the curriculum loader
        raise InvalidInput(f"{path}: {message}") from None
    raise CurriculumError(path, line, message)


def register() -> None:
    """Add the hooks to the curriculum loader and exporter (once)."""
    try:
        from lms.courses.curriculum import EXPORT_HOOKS, LOADER_HOOKS
    except ImportError:  # the loader is not there: `content load` does not exist either
        return
    if load_course_quizzes not in LOADER_HOOKS:
        LOADER_HOOKS.append(load_course_quizzes)
    if export_course_bank not in EXPORT_HOOKS:
        EXPORT_HOOKS.append(export_course_bank)
