"""One error hierarchy: every failure a user can cause carries its exit status.

The CLI turns these into one line on stderr in a single place (``cli.main``), so no
traceback ever reaches the user for a problem they can fix.
"""

from __future__ import annotations

#: Exit statuses, documented in the README.
EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3
EXIT_NOT_FOUND = 4
EXIT_REFUSED = 5
EXIT_GIT = 6
EXIT_INTERNAL = 70


class MdfollowError(Exception):
    """Base class: a message for the user and the exit status that goes with it."""

    exit_code = EXIT_USAGE


class InvalidValue(MdfollowError):
    """A date, interval or cadence that cannot be understood."""


class ConfigError(MdfollowError):
    """The config file is unreadable, not TOML, or holds a value of the wrong shape."""


class VaultNotFound(MdfollowError):
    """The vault folder does not exist or is not a folder, or no vault was named or found."""


class OutputError(MdfollowError):
    """A file mdfollow was asked to write could not be written."""

    exit_code = EXIT_OUTPUT


class ContactNotFound(MdfollowError):
    """No contact, or more than one, answers to the name given."""

    exit_code = EXIT_NOT_FOUND


class EditRefused(MdfollowError):
    """A note can't be changed without risking what the person wrote, or changed meanwhile."""

    exit_code = EXIT_REFUSED


class UnreadableInput(MdfollowError):
    """A file to import from which nothing at all could be read."""

    exit_code = EXIT_REFUSED


class GitError(MdfollowError):
    """git is missing, the vault is not a work tree, or git refused the commit."""

    exit_code = EXIT_GIT


class NotATerminal(MdfollowError):
    """An interactive command was run without a terminal to talk to (a pipe, a script, CI)."""


class EditorFailed(MdfollowError):
    """The editor ($VISUAL, $EDITOR) could not be started, or said it failed."""
