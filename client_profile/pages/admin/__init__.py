"""The provider console's pages (/admin). Each module registers its pages on import (page_registry.py)."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
