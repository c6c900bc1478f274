"""What a process of mdfollow's imported, from its `-X importtime` lines on stderr."""

from __future__ import annotations


def imported(trace: str) -> set[str]:
    """The modules imported from the moment mdfollow's own package was (its entry point's
    run); what Python's start-up imported before that (site, a .pth file's imports) is not
    mdfollow's doing, and differs from one machine to another."""
    names = [line.rsplit("|", 1)[1].strip() for line in trace.splitlines() if line.startswith("import time:")]
    return set(names[names.index("mdfollow"):]) if "mdfollow" in names else set()
