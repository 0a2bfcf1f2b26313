"""``protocol-kit store init|upgrade|add-member|copy``: a store's tables, its people and moving runs."""
from __future__ import annotations

import argparse
import os

from ..errors import ProtocolKitError


def _location(given: str | None):
    from ..records.backend import default_location

    return given if given else default_location()


def cmd_store(args: argparse.Namespace) -> int:
    from ..records.backend import open_backend
    from ..records.schema import LATEST, applied_versions, migrate

    what = args.store_command
    if what == "copy":
        return _copy(args)
    backend = open_backend(_location(args.url), create=what == "init")
    try:
        if what == "add-member":
            return _add_member(backend, args)
        before = applied_versions(backend)
        if not before and backend.dialect == "sqlite" and backend.tables():
            raise ProtocolKitError(f"store {what}: {backend.location} is an SQLite database without protocol_kit's "
                                   "tables; left alone")
        if what == "init" and before:
            raise ProtocolKitError(f"store init: {backend.location} holds a protocol_kit store already (migration "
                                   f"{max(before)}); use 'protocol-kit store upgrade'")
        if what == "upgrade" and not before:
            raise ProtocolKitError(f"store upgrade: {backend.location} has no protocol_kit tables; "
                                   "use 'protocol-kit store init'")
        done = migrate(backend)
    finally:
        backend.close()
    if done:
        print(f"{backend.location}: applied migration(s) {', '.join(map(str, done))}; now at {LATEST}")
    else:
        print(f"{backend.location}: up to date (migration {LATEST})")
    return 0


def _add_member(backend, args: argparse.Namespace) -> int:
    from ..records.members import add_member

    password = os.environ.get("PROTOCOL_KIT_MEMBER_PASSWORD") or None
    new = add_member(backend, args.name, args.project, password)
    if new is None:
        print(f"{args.name!r} (a role already) is now a member of project {args.project!r}")
    elif password is None:
        print(f"made role {args.name!r}, a member of project {args.project!r}; its password (shown once): {new}")
    else:
        print(f"made role {args.name!r} with the given password, a member of project {args.project!r}")
    return 0


def _copy(args: argparse.Namespace) -> int:
    from ..records.copy import copy_runs
    from ..records.store import Store

    with Store(args.src, create=False) as src, Store(args.dst) as dst:
        copied = copy_runs(src, dst, args.run or None, project=args.project)
        for c in copied:
            print(f"{c.run_id}: {c.status} ({c.events} events); in {dst.location}: {c.verified}")
        if not copied:
            print(f"no runs in {src.location}")
    return 0


def add_store_parser(sub, parser_class) -> None:
    s = sub.add_parser("store", help="a store's tables (init, upgrade), its members (PostgreSQL), copying runs")
    store = s.add_subparsers(dest="store_command", metavar="init|upgrade|add-member|copy", required=True,
                             parser_class=parser_class)
    url_help = "an SQLite file or postgresql://ADMIN@HOST/DB (default: $PROTOCOL_KIT_STORE, else ./protocol_kit.db)"
    for name, text in (("init", "make a new store's tables (PostgreSQL: as the admin, who owns the database)"),
                       ("upgrade", "apply the migrations a store lacks")):
        c = store.add_parser(name, help=text)
        c.add_argument("url", nargs="?", help=url_help)
        c.set_defaults(func=cmd_store)
    c = store.add_parser("add-member", help="as the admin: a LOGIN role for one person, a member of a project "
                                            "(password: $PROTOCOL_KIT_MEMBER_PASSWORD, else a new one, shown once)")
    c.add_argument("url", help="postgresql://ADMIN@HOST/DB")
    c.add_argument("name", help="the person's name as they record and sign, e.g. 'A. Smith'")
    c.add_argument("--project", required=True, help="a project whose runs they may see and write")
    c.set_defaults(func=cmd_store)
    c = store.add_parser("copy", help="copy runs from one store to another, each verified after the copy")
    c.add_argument("src", help="the store to copy from")
    c.add_argument("dst", help="the store to copy into (PostgreSQL: as the admin)")
    c.add_argument("--run", action="append", metavar="RUN", help="copy only this run (repeatable)")
    c.add_argument("--project", help="the runs' project in a PostgreSQL destination")
    c.set_defaults(func=cmd_store)
