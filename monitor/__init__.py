"""Multilingual media monitor for China-related contestation in Kazakhstan."""

__version__ = "0.1.0"
