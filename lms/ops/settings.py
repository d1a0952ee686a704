"""``python -m lms.ops.settings``: print the README's settings tables from the registry (lms/config.py)."""

from __future__ import annotations

import sys

from lms.config import SECTIONS, readme_block


def main(argv: list[str]) -> int:
    """Both tables, or one with ``--section core|areas``; the README holds them between their markers."""
    sections = SECTIONS
    if len(argv) == 2 and argv[0] == "--section" and argv[1] in SECTIONS:
        sections = (argv[1],)
    elif argv:
        print("usage: python -m lms.ops.settings [--section core|areas]", file=sys.stderr)
        return 2
    print("\n".join(readme_block(section) for section in sections), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
