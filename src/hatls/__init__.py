"""hatls: live TLS probe and compliance scanner for high-availability server pairs."""

from hatls._version import __version__

__all__ = ["__version__"]
