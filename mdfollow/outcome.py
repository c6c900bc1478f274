"""What a write did to a contact's follow-ups, in words: nothing closes or stops silently.

Pure: the contact before and after the edit (each read from the note's text alone) in, the
sentences to print out. A command that changes `attempts` or `status` says so, and a
command on a contact that is closed or paused says that nothing follows until it is reopened.
"""

from __future__ import annotations

import shlex

from . import schedule
from .config import Config
from .edit import contact_of
from .model import Contact


def after_edit(before: str, after: str, path: str, config: Config) -> list[str]:
    """What an edit of the note at `path` from text `before` to `after` did, in sentences."""
    old, new = contact_of(before, path, config), contact_of(after, path, config)
    said = changes(old, new, config)
    still = inactive(new) if new.status == old.status else None
    return [*said, still] if still else said


def changes(before: Contact, after: Contact, config: Config) -> list[str]:
    """Sentences for what changed in attempts, sequence and status from `before` to `after`."""
    said: list[str] = []
    name = after.name
    if after.status == "closed" and before.status != "closed":
        said.append(f"That was the last try: {name} is closed. `{reopen(after)}` to follow up again.")
    elif after.attempts > before.attempts:
        said.append(_unanswered(after, config))
    elif after.attempts < before.attempts:
        tries = "try" if before.attempts == 1 else "tries"
        said.append(f"A conversation: the {before.attempts} unanswered {tries} before it no longer count.")
    if before.sequence and not after.sequence:
        said.append(f"The {before.sequence} sequence ends here: it has done its job.")
    return said


def _unanswered(contact: Contact, config: Config) -> str:
    count = contact.attempts
    following = schedule.current(contact, config)
    if following is not None and following.kind == "break-up":
        return (f"{count} unanswered in a row: the next follow-up, on {following.due.isoformat()}, "
                "is the last try (close the loop).")
    return f"{count} unanswered in a row; the last try comes after {last_try(contact, config)}."


def last_try(contact: Contact, config: Config) -> int:
    """After how many unanswered tries the last one comes: max-attempts, or a sequence's end."""
    if contact.sequence and contact.sequence in config.sequences:
        return min(contact.max_attempts, len(config.sequences[contact.sequence]))
    return contact.max_attempts


def inactive(contact: Contact) -> str | None:
    """Why nothing will fall due for this contact, when it is closed or paused."""
    if contact.status == "active":
        return None
    return (f"{contact.name} is {contact.status}: no check-ins until `{reopen(contact)}`; "
            "promises still stand.")


def reopen(contact: Contact) -> str:
    return f"mdfollow reopen {shlex.quote(contact.name)}"

