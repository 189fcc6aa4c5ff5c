"""Pieces of the settings that hold no machine-dependent value.

``shop/settings/base.py`` reads the environment and passes what it read to the builders
here; a profile that overrides a value calls the same builder again with its own value.
Nothing in this package reads the environment or mutates a dict it did not create.
"""
