"""The month of the command system, compiled; pure state transitions, no I/O.

Numba caches the compiled kernels in a folder keyed by a hash of their sources, outside the package:
see `stavka.kernel_cache`.
"""
