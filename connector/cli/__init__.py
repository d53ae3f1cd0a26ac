"""The ``connector`` command: the operator's entry point, and with :mod:`connector.runtime`
the only place that names concrete adapters and the sandbox (see ``tests/test_layers.py``)."""
