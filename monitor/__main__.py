"""``python -m monitor``: the same command line as ``monitor``."""

from monitor.cli import main

main()
