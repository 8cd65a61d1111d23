"""``python -m ivs``: the command line; also the file ``spark-submit`` is given to run it."""

from ivs.cli import main

if __name__ == "__main__":
    main()
