import sys

from duluan.cli import main

if __name__ == "__main__":
    sys.exit(main())
