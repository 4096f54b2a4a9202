"""An engine whose import fails, as a half-installed package's would."""

raise ImportError("this engine needs libfoo, which is not installed")
