"""A wrong mapping file fails at load, naming the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.mapping import MappingError, compile_mapping, load_mappings

GOOD_HEAD = """\
version: 1
system: crm
role: crm
objects:
  subscription:
    target: Subscription__c
    key: {field: Ext__c, source: id}
    fields:
"""


def _write(tmp_path: Path, fields: str, name: str = "crm.yaml") -> Path:
    path = tmp_path / name
    path.write_text(GOOD_HEAD + fields, encoding="utf-8")
    return path


def _only_issue(path: Path) -> tuple[str, int | None, str, str]:
    with pytest.raises(MappingError) as caught:
        compile_mapping(path)
    assert len(caught.value.issues) == 1, caught.value.issues
    issue = caught.value.issues[0]
    return issue.file, issue.line, issue.field, issue.message


def test_unknown_canonical_field(tmp_path: Path) -> None:
    """A typo in a canonical path is caught with its line and location."""
    path = _write(
        tmp_path,
        "      - {target: Status__c, source: status}\n"
        "      - {target: Email__c, source: customer.emial}\n",
    )
    file, line, field, message = _only_issue(path)
    assert file == str(path)
    assert line == 10
    assert field == "objects.subscription.fields[1].source"
    assert "customer.emial" in message
    assert "no field 'emial'" in message


def test_unmapped_enum_value(tmp_path: Path) -> None:
    """A status map that forgets a status fails before any run."""
    path = _write(
        tmp_path,
        "      - target: Status__c\n"
        "        source: status\n"
        "        map: {trialing: T, active: A, past_due: P, unpaid: U, cancelled: C,"
        " incomplete: I}\n",
    )
    _file, line, field, message = _only_issue(path)
    assert line == 11
    assert field == "objects.subscription.fields[0].map"
    assert "'paused'" in message


def test_value_map_key_that_is_not_an_enum_value(tmp_path: Path) -> None:
    """A value map entry for a status that does not exist is a typo."""
    path = _write(
        tmp_path,
        "      - target: Interval__c\n"
        "        source: interval.unit\n"
        "        map:\n"
        "          day: D\n"
        "          week: W\n"
        "          month: M\n"
        "          year: Y\n"
        "          fortnight: F\n",
    )
    _file, line, field, message = _only_issue(path)
    assert line == 16
    assert field == "objects.subscription.fields[0].map.fortnight"
    assert "'fortnight' is not a value of interval.unit" in message


def test_duplicate_target_field(tmp_path: Path) -> None:
    """Two mappings into one target field are refused, naming both."""
    path = _write(
        tmp_path,
        "      - {target: Plan__c, source: plan_code}\n"
        "      - {target: Quantity__c, source: total_quantity}\n"
        "      - {target: Plan__c, source: status}\n",
    )
    _file, line, field, message = _only_issue(path)
    assert line == 11
    assert field == "objects.subscription.fields[2].target"
    assert "mapped twice" in message
    assert "fields[0]" in message


def test_bad_transform_format(tmp_path: Path) -> None:
    """A date written as a decimal is a bad transform."""
    path = _write(tmp_path, "      - {target: Start__c, source: start, format: decimal}\n")
    _file, line, field, message = _only_issue(path)
    assert line == 9
    assert field == "objects.subscription.fields[0].format"
    assert "datetime field cannot be written as decimal" in message


def test_unknown_transform_name(tmp_path: Path) -> None:
    """An unknown option (a misspelt transform) is reported by pydantic with its line."""
    path = _write(tmp_path, "      - {target: Plan__c, source: plan_code, uppercase: true}\n")
    _file, line, field, message = _only_issue(path)
    assert line == 9
    assert field == "objects.subscription.fields[0].uppercase"
    assert "Extra inputs are not permitted" in message


def test_unknown_format_value(tmp_path: Path) -> None:
    """A format that does not exist is named with the allowed ones."""
    path = _write(tmp_path, "      - {target: Plan__c, source: plan_code, format: money}\n")
    _file, line, field, message = _only_issue(path)
    assert line == 9
    assert field == "objects.subscription.fields[0].format"
    assert "decimal" in message


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    """A key repeated in YAML (which YAML would silently overwrite) is an error."""
    path = _write(
        tmp_path,
        "      - target: Plan__c\n        source: plan_code\n        source: status\n",
    )
    _file, line, field, message = _only_issue(path)
    assert line == 11
    assert field == "source"
    assert "duplicate key" in message


def test_ref_to_unknown_object(tmp_path: Path) -> None:
    """A reference must point at an object of the same mapping."""
    path = _write(tmp_path, "      - {target: Account__c, source: customer.id, ref: acount}\n")
    _file, _line, field, message = _only_issue(path)
    assert field == "objects.subscription.fields[0].ref"
    assert "acount" in message


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    """Broken YAML reports where it broke."""
    path = _write(tmp_path, "      - {target: Plan__c, source: items[0].plan_code}\n")
    _file, line, field, _message = _only_issue(path)
    assert line == 9
    assert field == "(syntax)"


def test_all_problems_of_all_files_are_reported_at_once(tmp_path: Path) -> None:
    """An operator fixes every problem in one pass."""
    first = _write(tmp_path, "      - {target: A__c, source: nope}\n", "a.yaml")
    second = _write(tmp_path, "      - {target: B__c, source: status, format: date}\n", "b.yaml")
    with pytest.raises(MappingError) as caught:
        load_mappings([first, second])
    files = {issue.file for issue in caught.value.issues}
    assert files == {str(first), str(second)}
    assert "a.yaml:9" in str(caught.value)
    assert "b.yaml:9" in str(caught.value)


def test_a_scale_that_would_round_money_is_refused(tmp_path: Path) -> None:
    """MRR written with 2 decimals would round KWD's third: the mapping says so at load."""
    path = tmp_path / "crm.yaml"
    path.write_text(
        """version: 1
system: crm
role: crm
objects:
  subscription:
    target: Subscription__c
    key: {field: Stripe_Subscription_Id__c, source: id}
    fields:
      - {target: MRR__c, source: mrr, format: decimal, scale: 2}
"""
    )
    with pytest.raises(MappingError) as caught:
        compile_mapping(path)
    text = str(caught.value)
    assert "MRR__c" in text or "scale" in text
    assert "would round money" in text
    assert "crm.yaml:9:" in text
