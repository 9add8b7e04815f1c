"""Ask the first questions of a QA file and print answers with citations (used by ``make demo``)."""

from __future__ import annotations

import argparse

from .api import Shirube, load_qa
from .cli import format_answer


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", default=".shirube-demo")
    ap.add_argument("--qa", default="samples/qa.jsonl")
    ap.add_argument("--n", type=int, default=3)
    args = ap.parse_args()
    sh = Shirube.open(home=args.home)
    for item in load_qa(args.qa)[: args.n]:
        ans = sh.ask(item.question)
        print("=" * 72)
        print(f"質問: {item.question}")
        print(format_answer(ans))
    print("=" * 72)


if __name__ == "__main__":
    main()
