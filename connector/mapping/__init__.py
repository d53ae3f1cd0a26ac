"""Declarative field mappings from the canonical schema to each target system."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connector.lazy import lazy_attributes

if TYPE_CHECKING:
    from connector.mapping.compiled import (
        CompiledField,
        CompiledMapping,
        CompiledObject,
        RenderError,
    )
    from connector.mapping.issues import MappingError, MappingIssue
    from connector.mapping.loader import compile_mapping, load_mappings, mapping_json_schema
    from connector.mapping.spec import DriftPolicy, FieldFormat, MappingSpec, Owner

_HOMES = {
    "CompiledField": "connector.mapping.compiled",
    "CompiledMapping": "connector.mapping.compiled",
    "CompiledObject": "connector.mapping.compiled",
    "RenderError": "connector.mapping.compiled",
    "MappingError": "connector.mapping.issues",
    "MappingIssue": "connector.mapping.issues",
    "compile_mapping": "connector.mapping.loader",
    "load_mappings": "connector.mapping.loader",
    "mapping_json_schema": "connector.mapping.loader",
    "DriftPolicy": "connector.mapping.spec",
    "FieldFormat": "connector.mapping.spec",
    "MappingSpec": "connector.mapping.spec",
    "Owner": "connector.mapping.spec",
}

# The mappings' models (pydantic) load when one of these is first used, not when a command
# only names MappingError.
__getattr__ = lazy_attributes(__name__, _HOMES)

__all__ = [
    "CompiledField",
    "CompiledMapping",
    "CompiledObject",
    "DriftPolicy",
    "FieldFormat",
    "MappingError",
    "MappingIssue",
    "MappingSpec",
    "Owner",
    "RenderError",
    "compile_mapping",
    "load_mappings",
    "mapping_json_schema",
]
