"""Packaging beyond what pyproject.toml can say: the wheel carries the root's templates/ and migrations/ inside
the package, as campaign_crm/templates and campaign_crm/migrations, beside campaign_crm/static and
campaign_crm/data. In a checkout they stay at the root, where the app finds them when the package holds no copy
(campaign_crm/config.py, `bundled`)."""
from setuptools import find_namespace_packages, setup

SKIP = ["__pycache__", "*.__pycache__"]
# The non-Python files each folder brings along, per the package it becomes.
DATA = {
    "campaign_crm.data": ["*.gz", "*.md"],
    "campaign_crm.static": ["**/*.css", "**/*.js", "**/*.svg", "**/*.png", "**/*.ico"],
    "campaign_crm.templates": ["**/*.html", "**/*.txt"],
    "campaign_crm.migrations": ["README", "alembic.ini", "script.py.mako"],
}


def folders(where: str, package: str) -> list[str]:
    """`package` for the folder `where` and one per folder under it (setuptools wants every folder with files
    to ship named as a package; the files themselves come from DATA)."""
    return [package, *(f"{package}.{name}" for name in find_namespace_packages(where=where, exclude=SKIP))]


setup(
    packages=[
        *find_namespace_packages(include=["campaign_crm", "campaign_crm.*"], exclude=SKIP),
        *folders("templates", "campaign_crm.templates"),
        *folders("migrations", "campaign_crm.migrations"),
    ],
    package_dir={"campaign_crm.templates": "templates", "campaign_crm.migrations": "migrations"},
    package_data=DATA,
    exclude_package_data={"": ["__pycache__/*"]},
)
