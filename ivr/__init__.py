"""Robocall: automated Vietnamese health-monitoring calls driven over Asterisk ARI."""

__version__ = "0.1.0"
