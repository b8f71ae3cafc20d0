"""conform: the certification harness for the city-OS specification."""

__version__ = "0.1.0"
