"""`flask --app lms content`: the curriculum as files.

The group is the content area's; its commands are given by the area that the files load into (the courses
area adds `load`, `render` and `export` in its init_app).
"""

from __future__ import annotations

from flask.cli import AppGroup

cli = AppGroup("content", help="Load and export the curriculum (courses/<slug>/course.md and lessons).")
