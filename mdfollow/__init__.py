"""mdfollow: follow up with people, straight from the Markdown notes you keep about them."""

__version__ = "0.1.0"
