"""mailflow: runs the application mailbox of a training course."""

__version__ = "0.1.0"
