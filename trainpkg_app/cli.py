"""The `trainpkg` command: work with packages from the shell."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlmodel import select

from trainpkg_app.db.engine import session_scope
from trainpkg_app.db.models import TrainingPackage, TrainingPackageVersion, User
from trainpkg_app.db.versions import snapshot_of_version
from trainpkg_app.package.builder import build_package, zip_package
from trainpkg_app.settings import get_settings


def _owner_id(session, email: str | None):
    """The account named by --user; without it, the admin (the one account that exists first)."""
    query = select(User).where(User.email == email.strip().lower()) if email else None
    users = session.exec(query if query is not None else select(User).where(User.is_admin)).all()
    if len(users) != 1:
        raise SystemExit(
            f"No account {email!r}." if email else "Say whose package it is: --user EMAIL."
        )
    return users[0].id


def export(
    package_name: str, version_number: int, out: Path, make_zip: bool, user: str | None = None
) -> Path:
    with session_scope(system=True) as session:  # a server-side admin tool
        owner = _owner_id(session, user)
        version = session.exec(
            select(TrainingPackageVersion)
            .join(TrainingPackage, TrainingPackage.id == TrainingPackageVersion.package_id)
            .where(
                TrainingPackage.owner_id == owner,
                TrainingPackage.name == package_name,
                TrainingPackageVersion.version_number == version_number,
            )
        ).first()
        if version is None:
            raise SystemExit(f"No version {version_number} of a package named {package_name!r}.")
        uploads = get_settings().uploads_dir(owner, version.package_id)
        folder = build_package(version.name, snapshot_of_version(version), out, uploads=uploads)
    return zip_package(folder) if make_zip else folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="trainpkg", description="Training Packages from the shell."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    exporter = commands.add_parser("export", help="write a published version as a package folder")
    exporter.add_argument("package", help="the package's name")
    exporter.add_argument("--version", type=int, required=True, help="the version number")
    exporter.add_argument("--out", type=Path, required=True, help="the folder to write")
    exporter.add_argument("--zip", action="store_true", help="also write <out>.zip")
    exporter.add_argument("--user", help="the owner's email (default: the admin)")
    options = parser.parse_args(argv)
    if options.command == "export":
        written = export(options.package, options.version, options.out, options.zip, options.user)
        print(f"Wrote {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
