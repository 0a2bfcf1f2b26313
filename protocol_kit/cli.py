"""The ``protocol-kit`` command line.

Bad input prints one line naming the problem and exits with status 2; no traceback.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ._version import __version__
from .errors import Hint, ParameterError, ProtocolKitError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line (and exits 2)."""

    def error(self, message: str):  # noqa: D401 - argparse API
        raise _UsageError(f"{self.prog}: {message}")


class _UsageError(Exception):
    pass


def _parse_set(items: Sequence[str]) -> dict[str, str]:
    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError("--set", item, "name=value, e.g. --set top_conc='1 uM'",
                                 reason="is not of the form name=value")
        values[name.strip()] = value.strip()
    return values


def _build(args: argparse.Namespace):
    from .core.protocol import protocol_class, read_params_file

    cls = protocol_class(args.protocol)
    values = read_params_file(args.params) if args.params else {}
    values.update(_parse_set(args.set or []))
    return cls(**values)


def cmd_protocols(args: argparse.Namespace) -> int:
    from .core.protocol import protocol_class, protocol_ids

    for pid in protocol_ids():
        cls = protocol_class(pid)
        print(f"{pid:22s} {cls.title} (v{cls.version}): {cls.summary}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from .core.protocol import protocol_class

    cls = protocol_class(args.protocol)
    group = None
    for p in cls.parameters:
        if p.group != group:
            group = p.group
            print(f"\n[{group}]")
        default = p.display(p.validate(p.default))
        print(f"  {p.name} = {default}")
        print(f"      {p.label}: {p.help}" if p.help.rstrip(".") != p.label else f"      {p.label}")
        print(f"      allowed: {p.allowed_text()}")
    return 0


def cmd_sheet(args: argparse.Namespace) -> int:
    p = _build(args)
    out = p.sheet(args.output, paper=args.paper)
    for w in p.warnings:
        print(f"warning: {getattr(w, 'message', w)}", file=sys.stderr)
    print(f"wrote {out}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    run_demo(Path(args.out))
    return 0


def _store(args: argparse.Namespace):
    from .records.store import Store

    return Store(args.store, create=False)


def _run(args: argparse.Namespace):
    from .records.run import open_run

    return open_run(args.run, args.store, operator=getattr(args, "operator", None))


def cmd_runs_start(args: argparse.Namespace) -> int:
    run = _build(args).start_run(args.operator, args.store)
    print(run.id)
    return 0


def _cli_value(text: str, name: str = "value") -> object:
    """A number when the text is one (1234, 0.5, -2e-3, 1,5), else the text (e.g. '1.5 nM');
    a number the rule of typed_numbers refuses ('1,000', '1e999') is an error, not text."""
    from .typed_numbers import NumberTextError, looks_like_number, parse_number

    t = text.strip()
    if not looks_like_number(t):
        return text
    try:
        x = parse_number(t)
    except NumberTextError as exc:
        raise ParameterError(name, text, "a number such as 1234, 0.56 or 1e-5, or text",
                             reason=f"is not read as a number: {exc}") from None
    return int(t) if t.lstrip("+-").isdigit() else x


def cmd_runs_record(args: argparse.Namespace) -> int:
    """check / note / deviation / lot / value / attach / amend / sign: one event each (check: one per step)."""
    run = _run(args)
    what = args.runs_command
    if what == "check":
        events = [run.check(step) for step in args.steps]
    elif what == "note":
        events = [run.note(args.text)]
    elif what == "deviation":
        events = [run.deviation(args.reason, step_id=args.step)]
    elif what == "lot":
        events = [run.record_lot(args.reagent, args.lot, _cli_expiry(args.expiry, args.expired_ok),
                                 acknowledge_expired=args.expired_ok)]
    elif what == "handover":
        events = [run.hand_over(args.to)]
    elif what == "value":
        events = [run.enter_value(args.name, _cli_value(args.value))]
    elif what == "attach":
        events = [run.attach_data(args.file, name=args.name)]
    elif what == "amend":
        changes = {k: _cli_value(v) if k == "value" else v for k, v in _parse_set(args.set or []).items()}
        events = [run.amend(args.seq, args.reason, changes=changes)]
    else:
        events = [run.sign(args.name, args.meaning, passphrase=_passphrase(args.name))]
    for e in events:
        print(f"{run.id}: event {e.seq} {e.type} by {e.operator}")
    return 0


def _cli_expiry(expiry: str | None, expired_ok: bool) -> str | None:
    """--expiry as the record will take it; a past date is refused here in the command's words."""
    from .records.run import parse_expiry, utc_today

    iso = parse_expiry(expiry)
    if iso is not None and iso < utc_today() and not expired_ok:
        raise ParameterError("--expiry", iso, f"a date from today ({utc_today()}) on, or --expired-ok to "
                             "record an expired lot on purpose (the event says so)", reason="is past: the lot has expired")
    return iso


def cmd_runs_list(args: argparse.Namespace) -> int:
    from .records.text import list_line

    store = _store(args)
    summaries = store.runs()
    for s in summaries:
        print(list_line(s))
    if not summaries:
        print(f"no runs in {store.path}")
    return 0


def cmd_runs_show(args: argparse.Namespace) -> int:
    import json

    from .records.text import describe

    report = _store(args).verify(args.run)
    if not report.ok:  # the findings first (on stderr), then what can still be read, exit 1
        _print_findings(report, file=sys.stderr)
    try:
        run = _run(args)
        print(json.dumps(run.to_dict(), indent=2, ensure_ascii=False) if args.json else describe(run))
    except ProtocolKitError as exc:
        if report.ok:
            raise
        print(f"error: {exc}", file=sys.stderr)
    return 0 if report.ok else 1


def _print_findings(report, file=None) -> None:
    """The summary line, then each problem once (the summary names none of them)."""
    print(f"BROKEN: {len(report.problems)} problem(s) in {len(report.runs)} run(s), "
          f"{report.events_checked} event(s) checked", file=file)
    for problem in report.problems:
        print(f"  {problem}", file=file)


def _passphrase(name: str, *, confirm: bool = False) -> str | None:
    """None when $PROTOCOL_KIT_PASSPHRASE is set (the record layer reads it); else asked for
    without echo in a terminal; else an error saying how to give it."""
    import getpass
    import os

    from .records.keys import PASSPHRASE_ENV

    if os.environ.get(PASSPHRASE_ENV):
        return None
    if not sys.stdin.isatty():
        raise ProtocolKitError(f"the passphrase of {name!r} is needed: set ${PASSPHRASE_ENV} (not a terminal, "
                               "so it cannot be asked for)")
    secret = getpass.getpass(f"passphrase of {name}: ")
    if confirm and getpass.getpass("the same passphrase again: ") != secret:
        raise ProtocolKitError("keys: the two passphrases differ; nothing was written")
    return secret


def cmd_keys(args: argparse.Namespace) -> int:
    """keys init / register / list: a person's signing key, and the keys a store holds."""
    from .records import keys
    from .records.store import Store

    what = args.keys_command
    if what == "list":
        with Store(args.store, create=False) as store:
            rows = keys.registry_rows(store)
            for name, found in sorted(keys.registered_keys(rows).items()):
                mine = keys.key_path(name)
                print(f"{name}: key {', '.join(keys.fingerprint(k) for k in found)}"
                      f"{f' (private key here: {mine})' if mine.is_file() else ''}")
            if not rows:
                print(f"no keys registered in {store.path}")
        return 0
    secret = _passphrase(args.name, confirm=what == "init")
    if what == "init":
        path = keys.init_key(args.name, secret)
        print(f"made the signing key of {args.name.strip()!r}: {path}")
        if args.store is None:
            print(f"it is registered in a store on its first signature there, or now with "
                  f"'protocol-kit keys register --name {args.name.strip()!r} --store FILE'")
            return 0
    key = keys.load_key(args.name, secret)  # registering proves the key is the person's
    with Store(args.store) as store:
        written = keys.register_key(store, key.name, key.public_key)
        print(f"{key.name!r}: key {keys.fingerprint(key.public_key)} "
              f"{'registered in' if written else 'already registered in'} {store.path}")
    return 0


def cmd_runs_verify(args: argparse.Namespace) -> int:
    report = _store(args).verify(args.run, receipts=args.receipt or ())
    if report.ok:
        print(report)
    else:
        _print_findings(report)
    return 0 if report.ok else 1


def cmd_runs_export(args: argparse.Namespace) -> int:
    print(f"wrote {_run(args).export(args.output)}")
    return 0


def cmd_runs_import(args: argparse.Namespace) -> int:
    from .records.export import import_run

    run = import_run(args.file, args.store)
    print(f"imported {run.id} into {run.store.path} ({run.state.n_events} events); {run.verify()}")
    return 0


def cmd_profile(args: argparse.Namespace) -> int:
    """A compound's Ki by target across the store's runs, ratios and reference drugs."""
    from .profile import profile

    prof = profile(args.compound, store=args.store)
    print(prof)
    if args.svg:
        prof.plot(args.svg)
        print(f"wrote {args.svg}")
    return 0


def _login(args: argparse.Namespace) -> str:
    """--operator, else the login name of whoever runs the command."""
    import getpass

    if args.operator:
        return args.operator
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        raise ParameterError("--operator", None, "the name of the person analysing, e.g. --operator 'A. Smith'",
                             reason="is needed (no login name found)") from None


def _options(items: Sequence[str]) -> dict[str, object]:
    """--option NAME=VALUE pairs for the analysis: numbers as numbers, 'none' as None."""
    return {k: None if v.lower() == "none" else _cli_value(v) for k, v in _parse_set(items).items()}


def _stored(run, path: Path) -> str:
    if not run.state.data_open:
        return "not stored: the run's review closed its reports"
    f = run.reports[-1]
    return f"stored in the run as {f.name}, SHA-256 {f.sha256[:16]}..."


def _after(exc: ProtocolKitError, tail: str) -> ProtocolKitError:
    """``exc`` with ``tail`` added to its message, its option hints kept."""
    if exc.template is None:
        return ProtocolKitError(f"{exc}{tail}")
    return ProtocolKitError.hinted(exc.template + tail.replace("{", "{{").replace("}", "}}"), exc.hints)


def message(exc: ProtocolKitError, options: Sequence[str] = ()) -> str:
    """An error as the command line says it: an option to pass as ``--option name=value``, and
    a bad value of an option given with --option named as ``--option name``."""
    if isinstance(exc, ParameterError) and exc.field in options:
        return exc.named(f"--option {exc.field}")
    return exc.say(Hint.cli)


def cmd_analyse(args: argparse.Namespace) -> int:
    """One shot: start a run, attach the data file, analyse it, write the report (all recorded)."""
    from .io import read_for_analysis
    from .io.analysis_input import split_options
    from .reports.render import check_output

    p = _build(args)
    out = check_output(args.output, pdfa=args.pdfa)
    data = Path(args.data)
    if not data.is_file():
        raise ParameterError("--data", args.data, "an existing instrument file", reason="does not exist or is not a file")
    options = _options(args.option or [])
    reading, analysis = split_options(p, options)
    # read the file and analyse it once before anything is recorded: bad data or options stop here
    p.analyse(read_for_analysis(p, data, name=data.name, **reading), **analysis)
    run = p.start_run(_login(args), args.store)
    try:
        run.attach_data(data)
        result = run.analyse(**options)
        run.report(out, paper=args.paper, pdfa=args.pdfa)
    except ProtocolKitError as exc:
        raise _after(exc, f" (run {run.id} keeps what was recorded before this)") from None
    print(f"run {run.id} in {run.store.path}")
    print(result.summary())
    print(f"wrote {out} ({_stored(run, out)})")
    return 0


def cmd_runs_analyse(args: argparse.Namespace) -> int:
    """Analyse a stored run's attached data file (the latest, or --data NAME) and record the result;
    the --option names are those of 'protocol-kit analyse'."""
    from .records.run import open_run

    run = open_run(args.run, args.store, operator=_login(args))
    result = run.analyse(args.data, **_options(args.option or []))
    event = run.latest_analysis()
    print(f"run {run.id}: analysis recorded (event {event.seq}, data {event.result['data']['name']})")
    print(result.summary())
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """The report of a stored run's latest analysis (analysing its data first if needed)."""
    from .records.run import open_run
    from .reports.render import check_output

    out = check_output(args.output, pdfa=args.pdfa)
    run = open_run(args.run, args.store, operator=_login(args))
    if args.option:  # analyse again with these options (recorded) before the report
        run.analyse(**_options(args.option))
    run.report(out, paper=args.paper, pdfa=args.pdfa)
    print(f"run {run.id}: {run.latest_analysis().result['summary']}")
    print(f"wrote {out} ({_stored(run, out)})")
    return 0


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

    s = sub.add_parser("demo", help="write the bench sheets of every protocol into a folder")
    s.add_argument("--out", default="protocol-kit-demo", help="folder to write into (default: protocol-kit-demo)")
    s.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = None
    try:
        args = parser.parse_args(argv)
        return args.func(args)
    except ProtocolKitError as exc:
        given = [item.partition("=")[0].strip() for item in (getattr(args, "option", None) or [])]
        print(f"error: {message(exc, given)}", file=sys.stderr)
        return EXIT_USAGE
    except _UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into e.g. head
        return 0
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
