"""creditline: an open platform for running an online consumer credit line."""

__version__ = "0.1.0"
