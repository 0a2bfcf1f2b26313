"""The command line's parser: every command, its arguments and help."""
from __future__ import annotations

import argparse

from .._version import __version__
from .analysis import cmd_analyse, cmd_report, cmd_runs_analyse
from .campaign import add_parser as add_fit_parser
from .plans import cmd_demo, cmd_params, cmd_profile, cmd_protocols, cmd_sheet
from .store import add_store_parser
from .runs import (cmd_keys, cmd_runs_export, cmd_runs_import, cmd_runs_list, cmd_runs_record, cmd_runs_show,
                   cmd_runs_start, cmd_runs_verify)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line (and exits 2)."""

    def error(self, message: str):  # noqa: D401 - argparse API
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


OPTION_HELP = ("a reading or analysis option (repeatable): how the file is read (format, sheet, decimal, "
               "extra_wells=ignore), which read (read=2, wavelength=535, kinetic=rate|last|SECONDS, "
               "exclude_wells=C4,D5), how it is analysed (weighting=none, bottom=0, rate_window=0-300)")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="protocol-kit", description="Plan, print and record pharmacology assays.")
    parser.add_argument("--version", action="version", version=f"protocol_kit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("protocols", help="list the protocol ids")
    s.set_defaults(func=cmd_protocols)

    s = sub.add_parser("params", help="list a protocol's parameters with units, defaults and allowed values")
    s.add_argument("protocol", help="protocol id (see 'protocol-kit protocols')")
    s.set_defaults(func=cmd_params)

    s = sub.add_parser("sheet", help="write the bench sheet as HTML or PDF")
    s.add_argument("protocol", help="protocol id")
    s.add_argument("--params", help="TOML file of name = value lines")
    s.add_argument("--set", action="append", metavar="NAME=VALUE", help="set one parameter (repeatable)")
    s.add_argument("-o", "--output", required=True, help="output file, .html or .pdf")
    s.add_argument("--paper", default="A4", help="A4 (default) or Letter")
    s.set_defaults(func=cmd_sheet)

    s = sub.add_parser("runs", help="start and record runs; list, show, verify, export and import them")
    runs = s.add_subparsers(dest="runs_command", metavar="start|check|note|deviation|lot|value|attach|handover|analyse|amend|sign|list|show|verify|export|import", required=True,
                            parser_class=_Parser)
    store_opt = argparse.ArgumentParser(add_help=False)
    store_opt.add_argument("--store", help="store file (default: $PROTOCOL_KIT_STORE, else ./protocol_kit.db)")
    r = runs.add_parser("start", parents=[store_opt], help="start a run of a protocol; prints its id")
    r.add_argument("protocol", help="protocol id")
    r.add_argument("--operator", required=True, help="who runs it")
    r.add_argument("--project", help="the run's project (PostgreSQL stores; default: your only project)")
    r.add_argument("--params", help="TOML file of name = value lines")
    r.add_argument("--set", action="append", metavar="NAME=VALUE", help="set one parameter (repeatable)")
    r.set_defaults(func=cmd_runs_start)
    recorders = {
        "check": ("tick checklist steps as done", [("steps", {"nargs": "+", "metavar": "STEP"})]),
        "note": ("add a note", [("text", {})]),
        "deviation": ("record a deviation from the plan", [("reason", {}), ("--step", {"help": "step id"})]),
        "lot": ("record a reagent lot", [("reagent", {}), ("lot", {}), ("--expiry", {"help": "YYYY-MM-DD"}),
                                         ("--expired-ok", {"action": "store_true",
                                                           "help": "record a lot past its expiry on purpose"})]),
        "handover": ("hand the run over to another person (--operator hands over)",
                     [("to", {"help": "who takes over"})]),
        "value": ("enter a value", [("name", {}), ("value", {"help": "a number or a text such as '1.5 nM'"})]),
        "attach": ("attach a data file (stored unchanged)", [("file", {}), ("--name", {"help": "name in the run"})]),
        "amend": ("correct an earlier value, lot, note or deviation (the earlier value stays visible)",
                  [("seq", {"type": int, "help": "the event to correct (see 'runs show')"}), ("reason", {}),
                   ("--set", {"action": "append", "metavar": "FIELD=VALUE",
                               "help": "e.g. --set lot=B123; a deviation's text: --set reason=..."})]),
    }
    for command, (text, arguments) in recorders.items():
        r = runs.add_parser(command, parents=[store_opt], help=text)
        r.add_argument("run", help="run id")
        for name, kw in arguments:
            r.add_argument(name, **kw)
        r.add_argument("--operator", required=True, help="who records this")
        r.set_defaults(func=cmd_runs_record)
    r = runs.add_parser("analyse", parents=[store_opt],
                        help="analyse the run's attached data file and record the result (also after 'performed')")
    r.add_argument("run", help="run id")
    r.add_argument("--data", help="the attached file's name in the run (default: the latest attached)")
    r.add_argument("--option", action="append", metavar="NAME=VALUE",
                   help="an analysis option, e.g. --option weighting=1/x or --option bottom=0 (repeatable)")
    r.add_argument("--operator", help="who analyses (default: your login name)")
    r.set_defaults(func=cmd_runs_analyse)
    r = runs.add_parser("sign", parents=[store_opt],
                        help="sign the run (the first signature closes the bench record; data, analyses "
                             "and reports may follow 'performed' until a review)")
    r.add_argument("run", help="run id")
    r.add_argument("--name", required=True, help="the signer (with a key: 'protocol-kit keys init --name NAME')")
    r.add_argument("--meaning", required=True, help="performed, reviewed, approved, witnessed or verified")
    r.set_defaults(func=cmd_runs_record)
    r = runs.add_parser("list", parents=[store_opt], help="one line per run")
    r.set_defaults(func=cmd_runs_list)
    r = runs.add_parser("show", parents=[store_opt], help="a run's steps, lots, values, notes, files, signatures")
    r.add_argument("run", help="run id (see 'protocol-kit runs list')")
    r.add_argument("--json", action="store_true", help="the run's state as JSON")
    r.set_defaults(func=cmd_runs_show)
    r = runs.add_parser("verify", parents=[store_opt],
                        help="check the hash chain of one run (or all); exit 1 if anything was altered")
    r.add_argument("run", nargs="?", help="run id (default: every run in the store)")
    r.add_argument("--receipt", action="append", metavar="FILE",
                   help="a signature's receipt to check the run against (repeatable); the receipts "
                        "beside the store (STORE.receipts/) are always checked")
    r.set_defaults(func=cmd_runs_verify)
    r = runs.add_parser("export", parents=[store_opt], help="write a run as a .zip bundle or an .eln file")
    r.add_argument("run", help="run id")
    r.add_argument("-o", "--output", required=True, help="output file, .zip or .eln")
    r.set_defaults(func=cmd_runs_export)
    r = runs.add_parser("import", parents=[store_opt], help="read a run from a .zip or .eln export")
    r.add_argument("file", help="a .zip or .eln written by 'runs export'")
    r.set_defaults(func=cmd_runs_import)

    s = sub.add_parser("keys", help="signing keys: make yours, register it in a store, list a store's keys")
    keys_sub = s.add_subparsers(dest="keys_command", metavar="init|register|list", required=True,
                                parser_class=_Parser)
    pass_help = "the passphrase is read from $PROTOCOL_KIT_PASSPHRASE, else asked for in the terminal"
    k = keys_sub.add_parser("init", help=f"make NAME's key pair (private key encrypted, in "
                                         f"$PROTOCOL_KIT_CONFIG_DIR/keys or ~/.config/protocol_kit/keys); {pass_help}")
    k.add_argument("--name", required=True, help="the signer's name as they sign, e.g. 'A. Smith'")
    k.add_argument("--store", help="also register the public key in this store (created if missing)")
    k.set_defaults(func=cmd_keys)
    k = keys_sub.add_parser("register", help=f"register NAME's public key in a store (proves the passphrase); "
                                             f"{pass_help}")
    k.add_argument("--name", required=True, help="the signer's name")
    k.add_argument("--store", help="store file (default: $PROTOCOL_KIT_STORE, else ./protocol_kit.db)")
    k.set_defaults(func=cmd_keys)
    k = keys_sub.add_parser("list", help="the keys registered in a store (fingerprints)")
    k.add_argument("--store", help="store file (default: $PROTOCOL_KIT_STORE, else ./protocol_kit.db)")
    k.set_defaults(func=cmd_keys)

    s = sub.add_parser("profile", help="a compound's Ki by target across the runs of the store, with ratios")
    s.add_argument("compound", help="compound name as recorded in the runs (case and salt forms ignored)")
    s.add_argument("--store", help="store file (default: $PROTOCOL_KIT_STORE, else ./protocol_kit.db)")
    s.add_argument("--svg", metavar="FILE", help="also write the profile plot (log Ki by target) as SVG")
    s.set_defaults(func=cmd_profile)

    report_opts = argparse.ArgumentParser(add_help=False)
    report_opts.add_argument("-o", "--output", required=True, help="report file, .html or .pdf")
    report_opts.add_argument("--operator", help="who analyses and renders (default: your login name)")
    report_opts.add_argument("--store", help="store file (default: $PROTOCOL_KIT_STORE, else ./protocol_kit.db)")
    report_opts.add_argument("--paper", default="A4", help="A4 (default) or Letter")
    report_opts.add_argument("--pdfa", action="store_true", help="PDF/A-3b with the run record (JSON) attached")
    s = sub.add_parser("analyse", parents=[report_opts],
                       help="one shot: start a run, attach the data file, analyse it and write the report")
    s.add_argument("protocol", help="protocol id")
    s.add_argument("--params", help="TOML file of name = value lines")
    s.add_argument("--set", action="append", metavar="NAME=VALUE", help="set one parameter (repeatable)")
    s.add_argument("--data", required=True, help="the instrument file (counter list, plate export, HPLC results)")
    s.add_argument("--option", action="append", metavar="NAME=VALUE", help=OPTION_HELP)
    s.set_defaults(func=cmd_analyse)
    s = sub.add_parser("report", parents=[report_opts], help="write the report of a stored run's latest analysis")
    s.add_argument("run", help="run id (see 'protocol-kit runs list')")
    s.add_argument("--option", action="append", metavar="NAME=VALUE",
                   help="analyse the run's latest data file again with these options first; " + OPTION_HELP)
    s.set_defaults(func=cmd_report)

    add_store_parser(sub, _Parser)
    add_fit_parser(sub)

    s = sub.add_parser("demo", help="write the bench sheets of every protocol into a folder")
    s.add_argument("--out", default="protocol-kit-demo", help="folder to write into (default: protocol-kit-demo)")
    s.set_defaults(func=cmd_demo)
    return parser
