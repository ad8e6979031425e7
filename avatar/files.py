"""Writing files safely: atomic writes (temporary file beside the destination, then ``os.replace``).

The implementation lives in :mod:`speech.files` because ``speech`` must not import ``avatar``;
avatar code imports it from here.
"""
from speech.files import (atomic_path, commit_partial, discard_partial, partial_path, unwritable,
                          write_bytes_atomic, write_text_atomic)

__all__ = ["atomic_path", "commit_partial", "discard_partial", "partial_path", "unwritable",
           "write_bytes_atomic", "write_text_atomic"]
