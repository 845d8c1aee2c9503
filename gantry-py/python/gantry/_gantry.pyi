__version__: str

def version() -> str:
    """The version of the Gantry SDK inside this module."""
