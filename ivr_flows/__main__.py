"""Command line: `python -m ivr_flows mermaid [FLOW] [--markdown]` prints the flow diagrams."""
from __future__ import annotations

import argparse
import sys

from .flows import FLOWS
from .mermaid import diagram


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ivr_flows", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    draw = commands.add_parser("mermaid", help="print flows as Mermaid stateDiagram-v2")
    draw.add_argument("flow", nargs="?", choices=sorted(FLOWS), help="one flow (default: all)")
    draw.add_argument("--markdown", action="store_true", help="wrap each diagram in a ```mermaid fence")
    args = parser.parse_args(argv)
    names = [args.flow] if args.flow else list(FLOWS)
    out = []
    for name in names:
        text = diagram(FLOWS[name])
        out.append(f"```mermaid\n{text}```\n" if args.markdown else text)
    sys.stdout.write("\n".join(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
