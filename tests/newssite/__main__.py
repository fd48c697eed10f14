"""`python -m tests.newssite --port N --pages N`: serve the test news site until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from tests.newssite import NewsSite


def main(argv: list[str] | None = None) -> int:
    """Serve the site in the foreground; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tests.newssite", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    parser.add_argument("--pages", type=int, default=30, help="generated articles (default 30)")
    parser.add_argument("--dev-set", type=Path, default=None, help="extraction-dev folder to serve at /dev/")
    parser.add_argument("--n-dev", type=int, default=10, help="how many extraction-dev pages (default 10)")
    args = parser.parse_args(argv)
    # Ctrl-C stops it even when started in the background (nohup, `setsid ... &`), whose SIGINT is ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    with NewsSite(n_generated=args.pages, dev_set=args.dev_set, n_dev=args.n_dev, port=args.port) as site:
        print(f"serving {len(site.expected.articles)} articles at {site.url}/ (start URLs: "
              f"{' '.join(site.start_urls())}); Ctrl-C stops", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
