"""``protocol-kit fit``: a screening campaign in Parquet files fitted curve by curve on all the
cores of this machine or on a Dask cluster (:mod:`protocol_kit.analysis.campaign`), the results
written as Parquet, with a progress bar and, on request, the campaign's HTML summary."""
from __future__ import annotations

import argparse
import sys

from ..errors import ParameterError, ProtocolKitError

OPTIONS = {"by": "--by", "conc": "--conc", "response": "--response", "path": "PLATES", "out": "-o/--output",
           "n_jobs": "--n-jobs"}


def cmd_fit(args: argparse.Namespace) -> int:
    from ..analysis.campaign.dask_fit import compute_fits, fit_dask
    from ..analysis.campaign.parquet import read_campaign
    from ..analysis.campaign.results import check_new

    by_cols = [b.strip() for b in args.by.split(",") if b.strip()]
    try:
        out = check_new(args.output)
        if args.summary:
            _check_summary(args.summary)
        client = _connect(args.scheduler) if args.scheduler else None
        try:
            ddf, names = read_campaign(args.plates, by_cols + [args.conc, args.response])
            result = fit_dask(ddf, by_cols=by_cols, conc=args.conc, response=args.response, fixed=None,
                              shuffle=args.shuffle, names=names)
            where = f"the cluster at {args.scheduler}" if client else "this machine"
            print(f"fitting the curves of {len(names)} file(s) on {where}", file=sys.stderr)
            n = compute_fits(result, out, n_jobs=args.n_jobs, progress=not args.quiet)
        finally:
            if client is not None:
                client.close()
    except ParameterError as exc:
        raise ParameterError(OPTIONS.get(exc.field, exc.field), exc.value, exc.allowed, reason=exc.reason) from None
    print(f"wrote {n} curve(s) from {len(names)} file(s) to {out}")
    if args.summary:
        from ..reports.campaign import write_campaign_summary

        path = write_campaign_summary(out, args.summary, title=args.title or str(args.plates), source=str(out))
        print(f"wrote {path}")
    return 0


def _check_summary(path: str) -> None:
    from pathlib import Path

    p = Path(path)
    if p.suffix.lower() not in (".html", ".htm"):
        raise ParameterError("--summary", path, "a file name ending in .html", reason="has an unsupported extension")
    if p.exists():
        raise ParameterError("--summary", path, "a file name that does not exist yet", reason="exists already")


def _connect(address: str):
    try:
        from distributed import Client
    except ImportError:
        raise ProtocolKitError("--scheduler needs dask.distributed: pip install 'protocol_kit[campaign]'") from None
    try:
        return Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ParameterError("--scheduler", address, "the address of a running Dask scheduler, e.g. "
                             "tcp://10.0.0.5:8786", reason=f"cannot be reached ({exc})") from None


def add_parser(sub) -> None:
    s = sub.add_parser("fit", help="fit every curve of a screening campaign in Parquet files (all cores, or a "
                                   "Dask cluster) and write the results as Parquet")
    s.add_argument("plates", metavar="PLATES", help="a Parquet file, a folder of .parquet files or a quoted glob "
                                                    "('plates/*.parquet'); each curve's rows in one file")
    s.add_argument("--by", required=True, help="the column(s) naming a curve, e.g. compound or plate,compound")
    s.add_argument("--conc", default="conc", help="the concentration column, molar (default: conc)")
    s.add_argument("--response", default="response", help="the response column (default: response)")
    s.add_argument("-o", "--output", required=True, help="a new folder of results (one .parquet file per input file)")
    s.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                                                          "(default: processes on this machine)")
    s.add_argument("--n-jobs", type=int, default=None, metavar="N",
                   help="processes on this machine without --scheduler (default: all cores)")
    s.add_argument("--shuffle", action="store_true",
                   help="group the rows by curve across files first (when a curve's rows lie in several files)")
    s.add_argument("--summary", metavar="FILE.html", help="also write the campaign's summary (flags, potency)")
    s.add_argument("--title", help="the summary's title (default: PLATES)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_fit)
