"""Packaging: the metadata lives in setup.cfg; this file maps the top-level site folders into the wheel.

``templates/``, ``static/``, ``courses/``, ``quizzes/`` and ``standards/`` stay at the top of the repository
(the product's layout) and are installed inside the package as ``lms/templates``, ``lms/static``,
``lms/shipped/courses``, ``lms/shipped/quizzes`` and ``lms/shipped/standards``. The translation catalogs are
compiled while the wheel is built, so an installed application finds its templates, static files, migrations
and Chinese texts without the checkout.
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


# Folders inside lms/ that hold data rather than code (the Alembic scripts are modules of their own package).
DATA_FOLDERS = ("lms/migrations", "lms/privacy/notices", "lms/translations")


def _skipped(path: Path) -> bool:
    return path.name.startswith(".") or path.name == "__pycache__" or path.suffix == ".pyc"


def _data_packages(package: str, folder: Path) -> dict[str, list[str]]:
    """``{package: [its data files]}`` for ``folder`` and what it holds.

    A subfolder whose name could be imported (``templates/reports``) is a package of its own, as setuptools
    expects of every importable folder it ships; any other subfolder (``courses/aeo-standard``) is data of its
    parent, files and all.
    """
    found: dict[str, list[str]] = {package: []}
    for path in sorted(folder.iterdir()):
        if _skipped(path):
            continue
        if path.is_dir() and path.name.isidentifier():
            found.update(_data_packages(f"{package}.{path.name}", path))
        elif path.is_dir():
            found[package] += sorted(
                str(file.relative_to(folder))
                for file in path.rglob("*")
                if file.is_file() and not any(_skipped(Path(part)) for part in file.relative_to(folder).parts)
            )
        elif path.suffix != ".py":  # modules are found by build_py
            found[package].append(path.name)
    return found


DATA = {}
for _name, _folder in SITE_FOLDERS.items():
    DATA.update(_data_packages(_name, ROOT / _folder))
for _folder in DATA_FOLDERS:
    DATA.update(_data_packages(_folder.replace("/", "."), ROOT / _folder))


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
    packages=sorted(set(find_packages(include=["lms", "lms.*"])) | set(DATA)),
    # Subfolders follow their parent: lms.templates.reports is templates/reports.
    package_dir={name: folder for name, folder in SITE_FOLDERS.items()},
    # Given here, package_data replaces setup.cfg's [options.package_data].
    package_data={name: files for name, files in DATA.items() if files},
    cmdclass={"build_py": BuildWithCatalogs},
)
