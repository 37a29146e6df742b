"""`python -m parsers --today YYYY-MM-DD TEXT`: print the parse as JSON (`ParseResult.to_json`)."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from parsers.dates import DEADLINE_DAYS
from parsers.grammar import parse_sms


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m parsers", description="Parse one landlord SMS.")
    ap.add_argument("--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
    ap.add_argument("--deadline-days", type=int, default=DEADLINE_DAYS)
    ap.add_argument("--region", default="CN")
    ap.add_argument("text")
    args = ap.parse_args(argv)
    today = args.today or dt.date.today()
    result = parse_sms(args.text, today=today, deadline_days=args.deadline_days, region=args.region)
    sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
