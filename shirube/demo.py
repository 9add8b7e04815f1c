"""Ask the first questions of a QA file and print answers with citations (used by ``make demo``)."""

from __future__ import annotations

import argparse

from .api import EVERYTHING, Shirube, load_qa
from .cli import format_answer


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--home", default=".shirube-demo")
    ap.add_argument("--qa", default="samples/qa.jsonl")
    ap.add_argument("--n", type=int, default=3)
    ap.add_argument("--as", dest="as_user", help="ask as this user (make demo: the demo admin)")
    args = ap.parse_args()
    sh = Shirube.open(home=args.home)
    access = sh.accounts.access_for(args.as_user) if args.as_user else EVERYTHING
    for item in load_qa(args.qa)[: args.n]:
        ans = sh.ask(item.question, access=access, user=args.as_user)
        print("=" * 72)
        print(f"質問: {item.question}")
        print(format_answer(ans))
    print("=" * 72)


if __name__ == "__main__":
    main()
