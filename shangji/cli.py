"""The `shangji` command: Django's management commands plus ours (serve, web, worker, seed)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shangji.settings")
    from django.core.management import execute_from_command_line

    from shangji.env import ConfigError

    try:
        execute_from_command_line(sys.argv)
    except ConfigError as error:
        sys.stderr.write(f"shangji: configuration error: {error}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
