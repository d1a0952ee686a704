"""Every model, imported once so that the metadata (and Alembic) know all tables."""

from lms.api import models as _api  # noqa: F401
from lms.auth import security_log as _security_log  # noqa: F401
from lms.auth import throttle as _throttle  # noqa: F401
from lms.auth.models import User  # noqa: F401
from lms.core import models as _core  # noqa: F401
from lms.courses import models as _courses  # noqa: F401
from lms.credentials import models as _credentials  # noqa: F401
from lms.cultivation import models as _cultivation  # noqa: F401
from lms.evidence import models as _evidence  # noqa: F401
from lms.experts import models as _experts  # noqa: F401
from lms.jobs import models as _jobs  # noqa: F401
from lms.notifications import models as _notifications  # noqa: F401
from lms.org.models import CreditStatusRecord, CustomsUnit, Enterprise  # noqa: F401
from lms.privacy import models as _privacy  # noqa: F401
from lms.quizzes import models as _quizzes  # noqa: F401
from lms.readiness import models as _readiness  # noqa: F401
from lms.reports import models as _reports  # noqa: F401
from lms.reports import stored as _reports_stored  # noqa: F401 - keeps the stored results at write time
from lms.sessions import models as _sessions  # noqa: F401
from lms.xapi import models as _xapi  # noqa: F401
