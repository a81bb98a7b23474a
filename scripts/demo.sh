#!/bin/sh
echo "make demo: the end-to-end demo is not built yet (see the supervisor issue)." >&2
exit 1
