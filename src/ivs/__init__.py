"""ivs: the tax agency's side of a lawful, accountable taxpayer-address verification program."""

__version__ = "0.1.0"
__all__ = ["__version__"]
