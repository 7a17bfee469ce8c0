"""The `trainpkg` command: work with packages from the shell."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlmodel import select

from trainpkg_app.db.engine import session_scope
from trainpkg_app.db.models import TrainingPackage, TrainingPackageVersion
from trainpkg_app.db.users import get_or_create_local_user
from trainpkg_app.db.versions import snapshot_of_version
from trainpkg_app.package.builder import build_package, zip_package


def export(package_name: str, version_number: int, out: Path, make_zip: bool) -> Path:
    with session_scope() as session:
        owner = get_or_create_local_user(session)
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
        folder = build_package(version.name, snapshot_of_version(version), out)
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
    options = parser.parse_args(argv)
    if options.command == "export":
        written = export(options.package, options.version, options.out, options.zip)
        print(f"Wrote {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
