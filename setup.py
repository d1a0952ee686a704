"""Packaging: the metadata lives in setup.cfg; this file maps the top-level site folders into the wheel.

``templates/``, ``static/``, ``courses/``, ``quizzes/`` and ``standards/`` stay at the top of the repository (the product's
layout) and are installed inside the package as ``lms/templates``, ``lms/static``, ``lms/shipped/courses`` and
``lms/shipped/quizzes``. The translation catalogs are compiled while the wheel is built, so an installed
application finds its templates, static files, migrations and Chinese texts without the checkout.
"""

from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# installed package -> folder in the checkout
SITE_FOLDERS = {
    "lms.templates": "templates",
    "lms.static": "static",
    "lms.shipped.courses": "courses",
    "lms.shipped.quizzes": "quizzes",
    "lms.shipped.standards": "standards",
}


def _data_files(folder: str) -> list[str]:
    base = ROOT / folder
    return sorted(
        str(path.relative_to(base))
        for path in base.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith(".")
    )


class BuildWithCatalogs(build_py):
    """Copy the package, then compile every messages.po next to it into messages.mo."""

    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_path in (Path(self.build_lib) / "lms" / "translations").glob("*/LC_MESSAGES/messages.po"):
            with po_path.open("rb") as handle:
                catalog = read_po(handle)
            with po_path.with_suffix(".mo").open("wb") as handle:
                write_mo(handle, catalog)


setup(
    packages=find_packages(include=["lms", "lms.*"]) + list(SITE_FOLDERS),
    package_dir={name: folder for name, folder in SITE_FOLDERS.items()},
    # Given here, package_data replaces setup.cfg's [options.package_data]: list the package's own data too.
    package_data={
        "lms": [
            "migrations/*",
            "migrations/versions/*",
            "privacy/notices/*",
            "translations/*/LC_MESSAGES/*",
            "translations/*.pot",
        ],
        **{name: _data_files(folder) for name, folder in SITE_FOLDERS.items()},
    },
    cmdclass={"build_py": BuildWithCatalogs},
)
