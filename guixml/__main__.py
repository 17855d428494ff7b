import sys

from guixml.cli import main

sys.exit(main())
