"""oasys-diversity: guided diversity conversations and culturally aware sentence planning."""

__version__ = "0.1.0"
