"""Casebook: offline, encrypted case management for Community Payback Order supervision."""

__version__ = "0.1.0"
