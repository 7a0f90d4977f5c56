"""Conformance with TensorFlow: the scenarios as data, and the engine that runs them.

`check.GROUPS` lists every scenario group; `check.compare` runs one case through
TensorFlow and through this package. The compat suite and the `conformance`
command share both.
"""
