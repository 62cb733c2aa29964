#!/usr/bin/env python3
# Checks one "Compact Log" input file (argv[1]); exit 0 = valid, else a reason on stderr.
import re
import sys

text = open(sys.argv[1]).read()
if not re.fullmatch(r"[a-z]{1,100000}\n", text):
    sys.stderr.write("expected one line of 1..10^5 lowercase letters\n")
    sys.exit(1)
