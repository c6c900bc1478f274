"""Putting a draft on the clipboard: the system's tool, else the terminal's own (OSC 52).

Over SSH or in a container there is often no clipboard tool, or one with no display to
talk to; OSC 52 asks the terminal itself, which works there (in tmux with
`set -g set-clipboard on`).
"""

from __future__ import annotations

import base64
import shutil
import subprocess

TOOLS = (["pbcopy"], ["wl-copy"], ["xclip", "-selection", "clipboard"],
         ["xsel", "--clipboard", "--input"], ["clip.exe"])


def copy_with_tool(text: str) -> bool:
    """The first clipboard tool this system has that takes the text; False when none does."""
    for command in TOOLS:
        if shutil.which(command[0]):
            done = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, check=False)
            if done.returncode == 0:
                return True
    return False


def osc52(text: str) -> str:
    """The escape sequence that asks the terminal to put `text` on its clipboard."""
    return f"\x1b]52;c;{base64.b64encode(text.encode('utf-8')).decode('ascii')}\x07"
