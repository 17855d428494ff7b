"""guixml: find, explain and annotate pre-trained ML weights in GNU Guix packages."""

__version__ = "0.1.0"
