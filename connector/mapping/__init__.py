"""Declarative field mappings from the canonical schema to each target system."""

from connector.mapping.compiled import (
    CompiledField,
    CompiledMapping,
    CompiledObject,
    RenderError,
)
from connector.mapping.loader import (
    MappingError,
    MappingIssue,
    compile_mapping,
    load_mappings,
    mapping_json_schema,
)
from connector.mapping.spec import DriftPolicy, FieldFormat, MappingSpec, Owner

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
