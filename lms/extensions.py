"""Extensions, created unbound; :func:`lms.create_app` binds them."""

from __future__ import annotations

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from lms.core.replica import RoutingSession
from lms.database import Base

# Report and export views read from the replica when one is configured (lms/core/replica.py).
db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Bootstrap 5 CSS and JS, served from the package's own static route (/bootstrap/static/...), never a CDN.
bootstrap = Bootstrap5()
limiter = Limiter(key_func=get_remote_address)
