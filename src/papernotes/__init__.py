"""papernotes: keep a Git repository of research-paper reading notes healthy."""

__version__ = "0.1.0"

__all__ = ["__version__"]
