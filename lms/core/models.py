"""What the whole application keeps beside the areas' own tables."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db


class PageVersion(db.Model):
    """A counter per trainee (``owner_id`` = the user's id) and one for everyone (``owner_id`` = 0).

    Raised in the same transaction as every change to what trainee pages show (lms.core.page_cache): a
    trainee's own records raise theirs, anything shared raises everyone's. A kept page is served again only
    while both counters still read what they read when it was rendered. No foreign key: the counter of an
    erased account is simply never read again.
    """

    __tablename__ = "page_version"

    owner_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=1)
