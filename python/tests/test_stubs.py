"""The type stubs of the native module name exactly what it exports, with the same methods."""

import ast
import pathlib

import detente
from detente import _detente

STUB = pathlib.Path(detente.__file__).with_name("_detente.pyi")


def stub_names():
    tree = ast.parse(STUB.read_text())
    names, methods = set(), {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        if isinstance(node, ast.ClassDef):
            methods[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names, methods


def test_stubs_match_the_native_module():
    names, methods = stub_names()
    exported = {n for n in dir(_detente) if not n.startswith("__") or n == "__version__"}
    exported.discard("__version__")
    names.discard("__version__")
    assert names == exported
    for cls in ("Scenario", "Ufun", "Agent"):
        real = {n for n in dir(getattr(_detente, cls)) if not n.startswith("_")}
        stubbed = {n for n in methods[cls] if not n.startswith("_")}
        assert stubbed == real, cls
