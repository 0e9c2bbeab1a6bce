"""Command line: `python -m app serve|worker|...` (see README)."""

from app.cli import main

if __name__ == "__main__":
    main()
