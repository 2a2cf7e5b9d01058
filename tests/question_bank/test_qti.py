"""QTI 2.1 content packages: a round trip of everything the bank keeps, an item as another item
bank (TAO) writes it, and packages that are refused whole.

No package on PyPI ships the QTI 2.1 XSD, so the items are checked against what the specification
requires of them here (namespace, declarations, one choice interaction), not against the schema."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import pytest
from defusedxml import ElementTree
from hypothesis import given

from question_bank import formats
from question_bank import operations as ops
from question_bank.data import QuestionData
from question_bank.formats import qti

from .test_gift_moodle import QUESTION_LISTS, ROUND_TRIP

Q = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"


def package(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@ROUND_TRIP
@given(QUESTION_LISTS)
def test_qti_round_trip(qs):
    result = qti.parse(qti.write(qs))
    assert not result.errors and not result.skipped
    assert result.questions == [
        dataclasses.replace(q, points=1.0 if q.points is None else q.points) for q in qs
    ]


def test_written_items_are_qti_2_1_choice_items_with_their_score():
    qs = [
        QuestionData("multiple_choice", "下列属于三大规程的是", ["甲", "乙", "丙"], [0, 2], points=2.0),
        QuestionData("true_false", "井下可以吸烟。", ["对", "错"], [1], explanation="严禁。"),
    ]
    data = qti.write(qs)
    assert formats.detect(data, "bank.zip") == "qti" and formats.detect(formats.write(qs, "xlsx")) == "xlsx"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = ElementTree.fromstring(archive.read("imsmanifest.xml"))
        hrefs = [r.get("href") for r in manifest.iter("{http://www.imsglobal.org/xsd/imscp_v1p1}resource")]
        items = [ElementTree.fromstring(archive.read(h)) for h in hrefs]
    assert hrefs == ["items/Q00001.xml", "items/Q00002.xml"]
    first, second = items
    assert first.tag == f"{Q}assessmentItem"
    assert first.find(f"{Q}responseDeclaration").get("cardinality") == "multiple"
    assert [v.text for v in first.iter(f"{Q}value")][:2] == ["C0", "C2"]
    assert first.find(f"{Q}outcomeDeclaration").get("normalMaximum") == "2"
    assert first.find(f".//{Q}choiceInteraction").get("maxChoices") == "0"
    assert second.find(f".//{Q}choiceInteraction").get("maxChoices") == "1"
    assert second.find(f"{Q}modalFeedback").text == "严禁。"


TAO_ITEM = """<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1"
    identifier="i1600000000abc" title="Gas limit" adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <correctResponse><value>choice_2</value></correctResponse>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>
    <div class="grid-row"><div class="col-12">
      <choiceInteraction responseIdentifier="RESPONSE" shuffle="true" maxChoices="1">
        <prompt><p>瓦斯浓度达到 <strong>1%</strong> 时应？</p></prompt>
        <simpleChoice identifier="choice_1">继续作业</simpleChoice>
        <simpleChoice identifier="choice_2">停止作业，撤出人员</simpleChoice>
      </choiceInteraction>
    </div></div>
  </itemBody>
  <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"/>
</assessmentItem>
"""
TAO_TEXT_ENTRY = TAO_ITEM.replace('identifier="i1600000000abc"', 'identifier="i2"').replace(
    '<choiceInteraction responseIdentifier="RESPONSE" shuffle="true" maxChoices="1">',
    '<textEntryInteraction responseIdentifier="RESPONSE"/>'
    '<choiceInteraction responseIdentifier="X" maxChoices="1">',
)
TAO_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="MANIFEST-tao">
  <resources>
    <resource identifier="i1" type="imsqti_item_xmlv2p1" href="i1/qti.xml">
      <file href="i1/qti.xml"/></resource>
    <resource identifier="i2" type="imsqti_item_xmlv2p1" href="i2/qti.xml">
      <file href="i2/qti.xml"/></resource>
  </resources>
</manifest>
"""


def test_an_item_bank_export_as_tao_writes_it(ctx):
    data = package({"imsmanifest.xml": TAO_MANIFEST, "i1/qti.xml": TAO_ITEM, "i2/qti.xml": TAO_TEXT_ENTRY})
    report = ops.import_questions(data, fmt="auto", filename="tao.zip")
    assert report.ok and report.imported == 1
    assert [str(s.item) for s in report.skipped] == ["题目文件 i2/qti.xml"]
    assert "textEntryInteraction" in str(report.skipped[0].reason)
    ((question, version),) = ops.questions_in()
    assert version.stem == "<p>瓦斯浓度达到 <strong>1%</strong> 时应？</p>" and version.correct == [1]
    assert version.options == ["继续作业", "停止作业，撤出人员"] and question.external_id is None
    again = ops.import_questions(data, fmt="qti")
    assert (again.imported, again.unchanged) == (0, 1)


@pytest.mark.parametrize(
    ("files", "why"),
    [
        ({"items/a.xml": TAO_ITEM}, "imsmanifest.xml"),
        ({"imsmanifest.xml": "<manifest"}, "清单文件"),
        ({"imsmanifest.xml": TAO_MANIFEST, "i1/qti.xml": TAO_ITEM}, "不存在"),
        ({"imsmanifest.xml": TAO_MANIFEST, "i1/qti.xml": TAO_ITEM, "i2/qti.xml": "<assessmentItem"}, "XML"),
        (
            {
                "imsmanifest.xml": TAO_MANIFEST,
                "i1/qti.xml": TAO_ITEM,
                "i2/qti.xml": '<!DOCTYPE x [<!ENTITY a "b">]><assessmentItem/>',
            },
            "XML",
        ),
    ],
)
def test_a_broken_package_is_refused_whole_with_a_reason(ctx, files, why):
    report = ops.import_questions(package(files), fmt="qti")
    assert not report.ok and report.imported == 0
    assert why in " ".join(str(e.reason) for e in report.errors)


def test_a_package_that_unpacks_huge_is_refused_before_it_is_read():
    big = package({"imsmanifest.xml": TAO_MANIFEST, "i1/qti.xml": " " * (qti.MAX_MEMBER + 1)})
    result = qti.parse(big)
    assert not result.ok and result.errors[0].item == "file"
