"""Demo cultivation: cases in every state in Shenzhen, Guangzhou, Shanghai and Nanjing, entered as of the days
they happened in 2026 through the same services officers and trainees use.

- Shenzhen Customs' key training list for 2026-H2 is confirmed (one adjustment with its reason);
- Shekou Harbour Logistics is suspended from 20 July 2026 for an audit that started on 6 July, past the audit
  limit counted from the audit's start (flag);
- Qianhai Smart Supply Chain, in training, became discredited on 20 August 2026 (flag: proposed termination);
- Futian Cross-Border Trading goes from its application to certified (its credit history shows it);
- Guangzhou (2026-H1), Shanghai (2026-H2) and Nanjing (2026-H2, training not started) have their own lists.

Idempotent: nothing is done once Shenzhen Customs' 2026-H2 list exists. Runs after the courses, quizzes and
sessions demos; without a published course the plans stay empty and no case gets past training.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa

from lms.auth.models import User
from lms.courses.models import Course
from lms.cultivation import clock, keylists, plans, services
from lms.cultivation.models import CultivationCase, KeyTrainingList
from lms.errors import DomainError
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise
from lms.privacy.notice import accept_current
from lms.sessions.models import TrainingSession

D = date
# login, display name, enterprise (name start), position: nominees for enterprises without a demo account
EXTRA_TRAINEES = [
    (
        "trainee.qianhai",
        "Xie Ming",
        "Qianhai Smart Supply Chain",
        "legal_representative",
    ),
    ("trainee.lingnan", "Pan Li", "Lingnan Textiles", "senior_management"),
    ("trainee.cantonfair", "Luo Jia", "Canton Fair Trading", "legal_representative"),
    ("trainee.zhangjiang", "Yao Wen", "Zhangjiang Biotech", "legal_representative"),
    ("trainee.huangpu", "Cao Yi", "Huangpu River Import", "senior_management"),
]
MARK = ("5300", "2026-H2")  # the Shenzhen list: present once the story has been loaded


@contextmanager
def _on(day: date):
    """Enter what follows as of ``day``: the cultivation area's clock says so while it runs."""
    original = clock.today
    clock.today = lambda: day
    try:
        yield
    finally:
        clock.today = original


class Story:
    def __init__(self):
        self.users = {u.login_name: u for u in db.session.execute(sa.select(User)).scalars()}
        self.units = {u.code: u for u in db.session.execute(sa.select(CustomsUnit)).scalars()}
        self.notes: list[str] = []
        self.completed = 0

    def user(self, login: str) -> User:
        return self.users[login]

    @staticmethod
    def enterprise(prefix: str) -> Enterprise:
        return db.session.execute(
            sa.select(Enterprise).where(Enterprise.name_en.startswith(prefix))
        ).scalar_one()

    @staticmethod
    def course(slug: str) -> Course | None:
        course = db.session.execute(sa.select(Course).where(Course.slug == slug)).scalar_one_or_none()
        if course is None or course.published_version_id is None or course.archived:
            return None
        return course

    def extra_trainees(self) -> int:
        template = self.users.get("trainee")
        created = 0
        new = []
        for login, name, enterprise, position in EXTRA_TRAINEES:
            if login in self.users or template is None:
                continue
            user = User(
                login_name=login,
                email=f"{login}@demo.aeo-lms.cn",
                display_name=name,
                role="trainee",
                enterprise=self.enterprise(enterprise),
                position=position,
                password_hash=template.password_hash,
            )  # every demo account shares the demo password
            db.session.add(user)
            self.users[login] = user
            created += 1
            new.append(user)
        db.session.flush()
        for user in new:  # demo people have read the privacy notice already
            accept_current(user)
        return created

    def apply(self, day, login, training_type, category, nominees):
        with _on(day):
            return services.apply_for_cultivation(
                self.user(login),
                training_type=training_type,
                category=category,
                nominee_ids=[self.user(n).id for n in nominees],
            )

    def nominate(self, day, officer, enterprise, training_type, category, nominees):
        with _on(day):
            return services.nominate_enterprise(
                self.user(officer),
                self.enterprise(enterprise),
                training_type=training_type,
                category=category,
                nominee_ids=[self.user(n).id for n in nominees],
            )

    def screen(self, day, officer, case, notes=""):
        with _on(day):
            services.screen_case(self.user(officer), case, decided_on=day, notes=notes)

    def key_list(self, day, officer, unit_code, period, *, start=True, adjust=None) -> KeyTrainingList:
        with _on(day):
            actor = self.user(officer)
            key_list = keylists.build_key_list(actor, self.units[unit_code], period)
            if adjust:
                case, direction, reason = adjust
                entry = next(e for e in key_list.entries if e.case_id == case.id)
                keylists.move_entry(actor, key_list, entry.id, direction, reason)
            keylists.confirm_key_list(actor, key_list, start=start)
        return key_list

    def plan(self, day, officer, case, slugs, *, due=None, session_title=None, enroll=True):
        with _on(day):
            actor = self.user(officer)
            for slug in slugs:
                course = self.course(slug)
                if course is None:
                    self.notes.append(f"course {slug} missing")
                    continue
                plans.add_plan_item(actor, case, course=course, due_on=due)
            if session_title:
                session = db.session.execute(
                    sa.select(TrainingSession).where(TrainingSession.title == session_title)
                ).scalar_one_or_none()
                if session is not None and session.status not in ("cancelled", "completed"):
                    plans.add_plan_item(actor, case, session=session, due_on=due)
            if enroll and case.plan_items and case.state == "in_training":
                try:
                    with db.session.begin_nested():
                        plans.enroll_nominees(actor, case)
                except DomainError as error:
                    self.notes.append(f"{case.reference}: {error}")

    def train(self, day, case):
        """Every nominee completes every course of the plan: lessons read, required quizzes passed."""
        with _on(day):
            for item in case.plan_items:
                if item.course is None:
                    continue
                for nominee in case.nominees:
                    try:
                        with db.session.begin_nested():
                            _complete_course(nominee.user, item.course)
                    except (DomainError, ImportError) as error:
                        self.notes.append(
                            f"{case.reference}: {nominee.user.login_name} {item.course.slug}: {error}"
                        )
        if case.state == "completed":
            self.completed += 1

    def act(self, day, call, *args, **kwargs):
        with _on(day):
            return call(*args, **kwargs)


def _complete_course(trainee: User, course: Course) -> None:
    from lms.courses.models import Enrollment
    from lms.courses.services import enroll, mark_lesson_complete

    enrollment = db.session.execute(
        sa.select(Enrollment).where(Enrollment.user_id == trainee.id, Enrollment.course_id == course.id)
    ).scalar_one_or_none()
    if enrollment is None or enrollment.status == "withdrawn":
        enrollment = enroll(None, course, trainee)
    if enrollment.status == "completed":
        return
    version = course.published_version
    _pass_required_quizzes(trainee, course, version)
    for lesson in version.lessons:
        mark_lesson_complete(trainee, enrollment, lesson)


def _pass_required_quizzes(trainee: User, course: Course, version) -> None:
    keys = [k for k in (version.require_quizzes or []) if isinstance(k, str)]
    if not keys:
        return
    from werkzeug.datastructures import MultiDict

    from lms.quizzes import attempts
    from lms.quizzes.demo import _right_form
    from lms.quizzes.models import Quiz
    from lms.quizzes.results import quiz_results

    quizzes = (
        db.session.execute(
            sa.select(Quiz).where(Quiz.course_id == course.id, Quiz.key.in_(keys), Quiz.archived.is_(False))
        )
        .scalars()
        .all()
    )
    for quiz in quizzes:
        result = quiz_results(quiz_ids=[quiz.id], user_ids=[trainee.id]).get((quiz.id, trainee.id))
        if result is not None and result.passed:
            continue
        attempt, _created = attempts.start_attempt(trainee, quiz)
        rows = attempts.load_questions(attempt)
        for first in range(0, len(rows), quiz.questions_per_page):
            page = rows[first : first + quiz.questions_per_page]
            form = MultiDict()
            for question in page:
                for key, value in _right_form(question.version, question.slot).items(multi=True):
                    form.add(key, value)
            attempts.save_responses(trainee, attempt, page, form)
        attempts.submit_attempt(trainee, attempt)


def load() -> str:
    """The cultivation story of 2026, chapter by chapter (each chapter's acts in date order)."""
    if "5300" not in {u.code for u in db.session.execute(sa.select(CustomsUnit)).scalars()}:
        return "skipped: the demo customs units are missing"
    unit_id = db.session.execute(sa.select(CustomsUnit.id).where(CustomsUnit.code == MARK[0])).scalar_one()
    if (
        db.session.execute(
            sa.select(KeyTrainingList.id).where(
                KeyTrainingList.unit_id == unit_id, KeyTrainingList.period == MARK[1]
            )
        ).first()
        is not None
    ):
        return "already loaded"
    s = Story()
    accounts = s.extra_trainees()
    cases = _guangzhou_first_half(s)
    cases |= _shenzhen_and_shanghai_summer(s)
    _shekou_audit(s, cases)
    _autumn_decisions(s, cases)
    _november(s, cases)
    db.session.flush()
    return _summary(s, accounts)


def _guangzhou_first_half(s: Story) -> dict:
    # Guangzhou: two AEO certification cases on the 2026-H1 list, trained by the summer.
    nansha = s.apply(
        D(2026, 2, 10), "trainee.guangzhou", "aeo_certification", "aeo_rereview", ["trainee.guangzhou"]
    )
    lingnan = s.apply(
        D(2026, 2, 15), "trainee.lingnan", "aeo_certification", "potential_applicant", ["trainee.lingnan"]
    )
    s.screen(
        D(2026, 2, 20), "officer.guangzhou", nansha, "Advanced certified since 2022; re-review due in 2027."
    )
    s.screen(D(2026, 2, 25), "officer.guangzhou", lingnan)
    s.key_list(D(2026, 3, 10), "officer.guangzhou", "5100", "2026-H1")
    for case in (nansha, lingnan):
        s.plan(D(2026, 3, 10), "officer.guangzhou", case, ["aeo-standard"])
    s.train(D(2026, 6, 30), nansha)
    s.train(D(2026, 7, 15), lingnan)
    return {"nansha": nansha, "lingnan": lingnan}


def _shenzhen_and_shanghai_summer(s: Story) -> dict:
    # Shenzhen and Shanghai: applications and nominations in June, screened, ranked and confirmed in July.
    pengcheng = s.apply(
        D(2026, 6, 1),
        "trainee",
        "aeo_certification",
        "aeo_rereview",
        ["trainee", "trainee.manager", "trainee.customs"],
    )
    futian = s.apply(D(2026, 6, 5), "trainee.futian", "aeo_certification", "applicant", ["trainee.futian"])
    shekou = s.nominate(
        D(2026, 6, 8),
        "officer.shenzhen",
        "Shekou Harbour",
        "aeo_certification",
        "aeo_rereview",
        ["trainee.shekou"],
    )
    qianhai = s.nominate(
        D(2026, 6, 10),
        "officer.shenzhen",
        "Qianhai Smart",
        "compliance",
        "interested_party",
        ["trainee.qianhai"],
    )
    huangpu = s.nominate(
        D(2026, 6, 1),
        "officer.shanghai",
        "Huangpu River",
        "compliance",
        "interested_party",
        ["trainee.huangpu"],
    )
    zhangjiang = s.apply(
        D(2026, 6, 5), "trainee.zhangjiang", "aeo_certification", "applicant", ["trainee.zhangjiang"]
    )
    s.screen(D(2026, 6, 10), "officer.shanghai", huangpu)
    s.screen(D(2026, 6, 12), "officer.futian", pengcheng)
    s.screen(D(2026, 6, 15), "officer.futian", futian)
    s.screen(D(2026, 6, 15), "officer.shanghai", zhangjiang)
    s.screen(D(2026, 6, 18), "officer.shenzhen", shekou)
    s.screen(D(2026, 6, 20), "officer.shenzhen", qianhai)
    s.key_list(
        D(2026, 7, 1),
        "officer.shenzhen",
        "5300",
        "2026-H2",
        adjust=(shekou, "up", "Advanced certified since 2021: its re-review comes first this year."),
    )
    s.plan(
        D(2026, 7, 2),
        "officer.futian",
        pengcheng,
        ["aeo-standard"],
        due=D(2026, 12, 15),
        session_title="One-on-one follow-up: Pengcheng Precision Electronics",
    )
    s.plan(D(2026, 7, 2), "officer.futian", futian, ["aeo-standard"])
    s.plan(D(2026, 7, 2), "officer.shenzhen", shekou, ["aeo-standard"])
    # Not enrolled yet when its credit changed (and so left out of the quiz demo's cohort).
    s.plan(
        D(2026, 7, 2), "officer.shenzhen", qianhai, ["credit-management"], due=D(2026, 12, 31), enroll=False
    )
    s.key_list(D(2026, 7, 5), "officer.shanghai", "2200", "2026-H2")
    s.plan(D(2026, 7, 6), "officer.shanghai", zhangjiang, ["aeo-standard"])
    s.plan(D(2026, 7, 6), "officer.shanghai", huangpu, ["credit-management"], enroll=False)
    return {
        "pengcheng": pengcheng,
        "futian": futian,
        "shekou": shekou,
        "qianhai": qianhai,
        "huangpu": huangpu,
        "zhangjiang": zhangjiang,
    }


def _shekou_audit(s: Story, cases: dict) -> None:
    shekou = cases["shekou"]
    # Shekou Harbour is audited from 6 July and suspended from 20 July; no conclusion came within the limit.
    s.act(
        D(2026, 7, 20),
        services.suspend_case,
        s.user("officer.shenzhen"),
        shekou,
        reason="audit",
        suspended_on=D(2026, 7, 20),
        audit_started_on=D(2026, 7, 6),
        notes="Audit notice 2026-SZ-117.",
    )


def _autumn_decisions(s: Story, cases: dict) -> None:
    zhangjiang, futian, huangpu = cases["zhangjiang"], cases["futian"], cases["huangpu"]
    # Zhangjiang Biotech trains, applies and is not certified;
    # Futian Cross-Border trains, applies and is certified.
    s.train(D(2026, 9, 1), zhangjiang)
    if zhangjiang.state == "completed":
        s.act(
            D(2026, 9, 5),
            services.apply_for_certification,
            s.user("officer.shanghai"),
            zhangjiang,
            applied_on=D(2026, 9, 5),
        )
    s.train(D(2026, 9, 15), futian)
    if futian.state == "completed":
        s.act(
            D(2026, 9, 20),
            services.apply_for_certification,
            s.user("officer.futian"),
            futian,
            applied_on=D(2026, 9, 20),
        )

    # Guangzhou: Canton Fair Trading, seriously discredited since 1 September, is nominated and rejected.
    canton = s.nominate(
        D(2026, 9, 10),
        "officer.guangzhou",
        "Canton Fair",
        "compliance",
        "interested_party",
        ["trainee.cantonfair"],
    )
    s.act(
        D(2026, 9, 15),
        services.reject_case,
        s.user("officer.guangzhou"),
        canton,
        decided_on=D(2026, 9, 15),
        reason="Seriously discredited since 1 September 2026: not eligible for cultivation.",
    )

    # Shanghai: Huangpu River Import is filed under the general procedure; its cultivation ends.
    s.act(
        D(2026, 10, 5),
        services.terminate_case,
        s.user("officer.shanghai"),
        huangpu,
        reason="general_procedure",
        terminated_on=D(2026, 10, 5),
        notes="Case file 2026-SH-0412.",
    )
    if zhangjiang.state == "certification_applied":
        s.act(
            D(2026, 10, 20),
            services.not_certify_case,
            s.user("officer.shanghai"),
            zhangjiang,
            reason="Internal control: the declaration review procedure was written but not applied.",
            decided_on=D(2026, 10, 20),
        )


def _november(s: Story, cases: dict) -> None:
    nansha, futian = cases["nansha"], cases["futian"]
    # Nanjing: Jinling Machinery applies for its re-review training;
    # the 2026-H2 list is confirmed, training starts later.
    jinling = s.apply(
        D(2026, 10, 20), "trainee.nanjing", "aeo_certification", "aeo_rereview", ["trainee.nanjing"]
    )
    if nansha.state == "completed":
        s.act(
            D(2026, 10, 30),
            services.apply_for_certification,
            s.user("officer.guangzhou"),
            nansha,
            applied_on=D(2026, 10, 30),
        )
    s.screen(D(2026, 11, 2), "officer.nanjing", jinling)
    if futian.state == "certification_applied":
        s.act(
            D(2026, 11, 10),
            services.certify_case,
            s.user("officer.shenzhen"),
            futian,
            level="certified",
            decided_on=D(2026, 11, 10),
            notes="Certified under Decree 282 after the validation visit.",
        )
    lujiazui = s.nominate(
        D(2026, 11, 10), "officer.shanghai", "Lujiazui", "compliance", "interested_party", ["trainee.pudong"]
    )
    s.screen(D(2026, 11, 15), "officer.shanghai", lujiazui)
    s.key_list(D(2026, 11, 18), "officer.nanjing", "2300", "2026-H2", start=False)
    s.plan(D(2026, 11, 18), "officer.nanjing", jinling, ["aeo-standard"], enroll=False)
    s.nominate(
        D(2026, 11, 20),
        "officer.shenzhen",
        "Nanshan Medical",
        "compliance",
        "interested_party",
        ["trainee.nanshan"],
    )


def _summary(s: Story, accounts) -> str:
    states = db.session.execute(
        sa.select(CultivationCase.state, sa.func.count()).group_by(CultivationCase.state)
    ).all()
    summary = ", ".join(f"{count} {state}" for state, count in sorted(states))
    extra = f"; not done: {'; '.join(s.notes)}" if s.notes else ""
    return f"{accounts} nominee accounts, cases: {summary}{extra}"
