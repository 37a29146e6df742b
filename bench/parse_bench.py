"""Messages parsed per second on one core over a realistic mix of landlord SMS.

Run: python bench/parse_bench.py [--seconds 3]

The baseline is the bare minimum any parser must do to the same texts
(`unicodedata.normalize("NFKC")` + `str.split`), measured in the same run so
the ratio is comparable across machines.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import unicodedata

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from parsers import parse_sms  # noqa: E402

TODAY = dt.date(2014, 1, 10)
MIX = [
    # valid Chinese, the bulk of the traffic
    "登记 张三 350102199001011238 301",
    "登记张三350102199001011238 301室 1月8日",
    "入住 欧阳·娜娜 港澳H1234567801 房302 2014年1月8日 13800138000",
    "登记 王五 110101199003074477 3-2-301 @12",
    "ＤＪ　李四，３５０１０２１９９００１０１１２３８，５０２",
    # multi-record with inheritance
    "登记 张三 350102199001011238 301 1月5日; 李四 110101199003074477; 王小明 无证",
    "REG ZHANG SAN 350102199001011238 RM 12\nLI SI 110101199003074477\nWANG WU PP E12345678",
    # valid English
    "REG John Smith PP E1234567 ROOM 12 2014-01-09",
    "IN Li Na TW12345678 A301 yesterday +85291234567",
    # other commands
    "退租 350102199001011238",
    "OUT *1238 @12",
    "DEL 12345671",
    "确认 12345671",
    "LIST @12",
    "HELP",
    # errors
    "登记 张三 350102199001011239 301",
    "登记 张三 35010219900101123 2月30日",
    "REG 350102199001011238 301",
    "hello there",
    "登记 张三 李四 350102199001011238 110101199003074477",
]


def bench(fn, seconds: float) -> float:
    n = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for text in MIX:
            fn(text)
        n += len(MIX)
        now = time.perf_counter()
        if now >= deadline:
            return n / (now - start)


def baseline(text: str) -> object:
    return unicodedata.normalize("NFKC", text).split()


def parse(text: str) -> object:
    return parse_sms(text, today=TODAY)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    for text in MIX:  # warm caches (stdnum's region table, phonenumbers metadata)
        parse(text)
    base = bench(baseline, args.seconds / 3)
    rate = bench(parse, args.seconds)
    print(f"parse_sms: {rate:,.0f} msg/s over {len(MIX)} message shapes (one core)")
    print(f"baseline (NFKC + split): {base:,.0f} msg/s")
    print(f"ratio parse/baseline: {rate / base:.3f} (parse costs {base / rate:.1f}x the baseline)")
    print("target >= 10,000 msg/s:", "met" if rate >= 10_000 else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
