"""duluan: press monitoring and alerting for a Vietnamese locality (the application shell)."""

__version__ = "0.1.0"
