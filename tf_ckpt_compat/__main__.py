"""`python -m tf_ckpt_compat`: the `tf-ckpt-compat` command line."""

import sys

from ._cli import main

sys.exit(main())
