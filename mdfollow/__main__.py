from .entry import imported_cli

imported_cli()(prog_name="mdfollow")
