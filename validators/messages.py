"""The Thai message catalogue, keyed by finding code. Codes are a public API: stable lower_snake_case.

`HEADINGS` gives each code a short Thai heading: the title of a group of findings of that code in a
reply (`heading_for` never fails, whatever the code).

Placeholders are filled from the finding's `ctx` plus its `value`, `suggestion`, `header`, `column`,
`row` and `sheet`. The reply template shows the cell (sheet, row, column), the value found and the
suggestion next to the message, so messages stay short and say what to do.

| code | severity | where | ctx | suggestion |
|---|---|---|---|---|
| file_unreadable | error | file | | |
| file_encrypted | error | file | | |
| file_not_excel | error | file | kind | |
| file_too_large | error | file | (limit, value, maximum) | |
| file_timeout | error | file | (seconds) | |
| file_reader_crashed | error | file | (seconds) | |
| file_nested_zip | error | file | | |
| file_unsafe | error | file | (reason) | |
| formula_no_cached_value | error | cell | | |
| cell_error_value | error | cell | | |
| no_header | error | file | | |
| missing_column | error | header row | column_name | |
| no_data_rows | error | row below header | | |
| province_unknown | error | file | | |
| title_province_unknown | error | title cell | | closest provinces |
| province_title_mismatch | warning | title cell | province, title_province | the rows' province |
| province_column_mismatch | warning | a จังหวัด cell naming it | province, column_province, count | ditto |
| province_sender_mismatch | warning | file | province, sender_province | |
| province_invalid | error | จังหวัด cell | | closest provinces |
| province_mismatch | error | จังหวัด cell | province | the report's province |
| district_unknown | error | อำเภอ cell | province | closest districts |
| lao_wrong_district | error | อำเภอ cell | lao | the LAO's district(s) |
| lao_name_abbreviated | error | name cell | | official full name |
| lao_name_type_misspelled | error | name cell | | official full name |
| lao_name_missing_type | error | name cell | | official full name(s) |
| lao_name_type_only | error | name cell | | name from รหัส อปท. if valid |
| lao_name_with_place | error | name cell | | official full name |
| lao_not_found | error | name cell | province | closest names of the district |
| lao_other_province | error | name cell | province, report_province | |
| lao_type_changed | warning | name cell | | official full name |
| lao_type_abbreviated | error | ประเภท cell | | full type word |
| lao_type_invalid | error | ประเภท cell | allowed | |
| lao_type_mismatch | error | ประเภท cell | | the type of the name |
| dla_code_invalid | error | รหัส cell | | the LAO's code if known |
| dla_code_mismatch | error | รหัส cell | | the LAO's code |
| lao_duplicate | error | name cell | first_row | |
| lao_duplicate_other_sheet | error | name cell | first_row, first_sheet | |
| value_not_allowed | error | any choice cell | allowed | |
| required_cell_empty | error | empty cell | | |
| laos_missing | warning | file | count, names | |
"""

from __future__ import annotations

import string

from validators.findings import Finding

FIELDS = ("value", "suggestion", "header", "column", "row", "sheet")

MESSAGES: dict[str, str] = {
    "file_unreadable": "เปิดไฟล์ไม่ได้ ไฟล์อาจเสีย ให้บันทึกใหม่เป็น .xlsx แล้วส่งอีกครั้ง",
    "file_encrypted": "ไฟล์ตั้งรหัสผ่านไว้ ให้ยกเลิกรหัสผ่านแล้วส่งใหม่",
    "file_not_excel": "ไฟล์แนบเป็น {kind} ไม่ใช่ Excel ให้ส่งไฟล์ Excel (.xlsx)",
    "file_too_large": "ไฟล์ใหญ่เกินกำหนด ให้ส่งเฉพาะแบบสรุปผลเป็นไฟล์ Excel",
    "file_timeout": "ตรวจไฟล์ไม่เสร็จในเวลาที่กำหนด ให้ส่งเฉพาะแบบสรุปผลเป็นไฟล์ Excel (.xlsx)",
    "file_reader_crashed": "เปิดไฟล์ไม่ได้ ไฟล์อาจเสีย ให้เปิดใน Excel แล้วบันทึกเป็น .xlsx ใหม่ แล้วส่งอีกครั้ง",
    "file_nested_zip": "ไฟล์ zip ซ้อนอยู่ใน zip ให้แนบไฟล์ Excel โดยตรง",
    "file_unsafe": "ไฟล์มีส่วนที่ไม่ปลอดภัย ให้บันทึกใหม่เป็น .xlsx แล้วส่งอีกครั้ง",
    "formula_no_cached_value": "ช่องนี้เป็นสูตรที่ยังไม่มีผลลัพธ์ ให้เปิดไฟล์ใน Excel หรือ LibreOffice แล้วบันทึกก่อนส่ง",
    "cell_error_value": "ช่องนี้มีค่าผิดพลาดจากสูตร ({value}) ให้แก้สูตรหรือพิมพ์ค่าลงไปตรง ๆ",
    "no_header": "ไม่พบหัวตารางของแบบสรุปผล ให้ใช้แบบฟอร์มที่กำหนด",
    "missing_column": "ไม่พบคอลัมน์ {column_name} ให้เพิ่มคอลัมน์นี้ตามแบบฟอร์ม",
    "no_data_rows": "ไม่พบข้อมูลใต้หัวตาราง ให้กรอกรายชื่อ อปท. ทุกแห่ง",
    "province_unknown": "ไม่ทราบว่าเป็นรายงานของจังหวัดใด ให้เขียน จังหวัด… ใต้ชื่อแบบฟอร์ม",
    "title_province_unknown": "ชื่อจังหวัดในหัวรายงานไม่ถูกต้อง",
    "province_title_mismatch": (
        "หัวรายงานระบุจังหวัด{title_province} แต่รายชื่อ อปท. ในไฟล์เป็นของจังหวัด{province} "
        "ระบบจึงตรวจตามจังหวัด{province} กรุณาแก้ชื่อจังหวัดในหัวรายงาน"
    ),
    "province_sender_mismatch": (
        "อีเมลผู้ส่งอยู่ในรายชื่อผู้ส่งของจังหวัด{sender_province} แต่รายชื่อ อปท. ในไฟล์เป็นของจังหวัด{province} "
        "ระบบบันทึกเป็นจังหวัด{province} เจ้าหน้าที่จะตรวจสอบก่อนใช้ข้อมูล"
    ),
    "province_column_mismatch": (
        "ช่องจังหวัด {count} แถวระบุจังหวัด{column_province} แต่รายชื่อ อปท. เป็นของจังหวัด{province} "
        "ระบบจึงตรวจตามจังหวัด{province} กรุณาแก้ช่องจังหวัด"
    ),
    "province_invalid": "ชื่อจังหวัดไม่ถูกต้อง",
    "province_mismatch": "แถวนี้เป็นจังหวัดอื่น ไฟล์นี้เป็นของจังหวัด{province} ให้ส่งไฟล์ละจังหวัด",
    "district_unknown": "ไม่พบอำเภอนี้ในจังหวัด{province}",
    "lao_wrong_district": "{lao} ไม่ได้อยู่ในอำเภอนี้ ให้แก้ชื่ออำเภอ",
    "lao_name_abbreviated": "เขียนชื่อย่อ ให้เขียนชื่อเต็มของหน่วยงาน",
    "lao_name_type_misspelled": "สะกดประเภท อปท. ผิด ให้เขียนชื่อเต็มของหน่วยงาน",
    "lao_name_missing_type": "ไม่มีประเภท อปท. นำหน้าชื่อ ให้เขียนชื่อเต็มของหน่วยงาน",
    "lao_name_type_only": "มีแต่ประเภท อปท. ไม่มีชื่อ ให้เขียนชื่อเต็มของหน่วยงาน",
    "lao_name_with_place": "ไม่ต้องต่อท้ายด้วยอำเภอหรือจังหวัด ให้เขียนชื่อเต็มของหน่วยงานเท่านั้น",
    "lao_not_found": "ไม่พบ อปท. ชื่อนี้ในจังหวัด{province} ให้ตรวจการสะกด",
    "lao_other_province": "อปท. นี้อยู่ในจังหวัด{province} ไม่ใช่จังหวัด{report_province}",
    "lao_type_changed": "ประเภท อปท. ไม่ตรงกับทะเบียนปัจจุบัน (อาจเปลี่ยนฐานะแล้ว) ระบบบันทึกตามทะเบียน",
    "lao_type_abbreviated": "เขียนประเภทแบบย่อ ให้เขียนเต็ม",
    "lao_type_invalid": "ประเภท อปท. ไม่ถูกต้อง ให้เลือก {allowed}",
    "lao_type_mismatch": "ประเภท อปท. ไม่ตรงกับชื่อหน่วยงาน",
    "dla_code_invalid": "รหัส อปท. ต้องเป็นตัวเลข 7 หลัก",
    "dla_code_mismatch": "รหัส อปท. ไม่ตรงกับชื่อหน่วยงาน",
    "lao_duplicate": "ชื่อหน่วยงานซ้ำกับแถว {first_row} ให้ลบแถวที่ซ้ำ",
    "lao_duplicate_other_sheet": "ชื่อหน่วยงานซ้ำกับแถว {first_row} ของแผ่นงาน {first_sheet} ให้ลบแถวที่ซ้ำ",
    "value_not_allowed": "ให้กรอก {allowed} เท่านั้น",
    "required_cell_empty": "ช่องนี้ว่าง ให้กรอก {header}",
    "laos_missing": "รายงานยังขาด อปท. {count} แห่ง: {names}",
}

HEADINGS: dict[str, str] = {
    "file_unreadable": "เปิดไฟล์ไม่ได้",
    "file_encrypted": "ไฟล์ตั้งรหัสผ่านไว้",
    "file_not_excel": "ไฟล์แนบไม่ใช่ไฟล์ตารางคำนวณ",
    "file_too_large": "ไฟล์ใหญ่เกินกำหนด",
    "file_timeout": "ตรวจไฟล์ไม่เสร็จในเวลาที่กำหนด",
    "file_reader_crashed": "ไฟล์เสียหาย อ่านไม่ได้",
    "file_nested_zip": "ไฟล์บีบอัดซ้อนกัน",
    "file_unsafe": "ไฟล์มีส่วนที่ไม่ปลอดภัย",
    "formula_no_cached_value": "สูตรที่ยังไม่มีผลลัพธ์",
    "cell_error_value": "ช่องที่มีค่าผิดพลาดจากสูตร",
    "no_header": "ไม่พบหัวตารางของแบบสรุปผล",
    "missing_column": "ขาดคอลัมน์ตามแบบฟอร์ม",
    "no_data_rows": "ไม่พบข้อมูลใต้หัวตาราง",
    "province_unknown": "ไม่ทราบจังหวัดของรายงาน",
    "title_province_unknown": "ชื่อจังหวัดในหัวรายงานไม่ถูกต้อง",
    "province_title_mismatch": "หัวรายงานระบุจังหวัดไม่ตรงกับรายชื่อ อปท.",
    "province_sender_mismatch": "ผู้ส่งอยู่ในรายชื่อของจังหวัดอื่น",
    "province_column_mismatch": "ช่องจังหวัดไม่ตรงกับรายชื่อ อปท.",
    "province_invalid": "ชื่อจังหวัดไม่ถูกต้อง",
    "province_mismatch": "แถวที่ระบุจังหวัดอื่น",
    "district_unknown": "ไม่พบชื่ออำเภอในจังหวัด",
    "lao_wrong_district": "อำเภอไม่ตรงกับ อปท.",
    "lao_name_abbreviated": "เขียนชื่อ อปท. แบบย่อ",
    "lao_name_type_misspelled": "สะกดประเภท อปท. ในชื่อผิด",
    "lao_name_missing_type": "ชื่อ อปท. ไม่มีประเภทนำหน้า",
    "lao_name_type_only": "มีแต่ประเภท อปท. ไม่มีชื่อ",
    "lao_name_with_place": "ชื่อ อปท. ต่อท้ายด้วยอำเภอหรือจังหวัด",
    "lao_not_found": "ไม่พบชื่อ อปท. ในทะเบียน",
    "lao_other_province": "อปท. ของจังหวัดอื่น",
    "lao_type_changed": "ประเภท อปท. เปลี่ยนตามทะเบียนปัจจุบัน",
    "lao_type_abbreviated": "เขียนประเภท อปท. แบบย่อ",
    "lao_type_invalid": "ประเภท อปท. ไม่ถูกต้อง",
    "lao_type_mismatch": "ประเภท อปท. ไม่ตรงกับชื่อหน่วยงาน",
    "dla_code_invalid": "รหัส อปท. ไม่ถูกต้อง",
    "dla_code_mismatch": "รหัส อปท. ไม่ตรงกับชื่อหน่วยงาน",
    "lao_duplicate": "ชื่อ อปท. ซ้ำ",
    "lao_duplicate_other_sheet": "ชื่อ อปท. ซ้ำกับแผ่นงานอื่น",
    "value_not_allowed": "ค่าที่กรอกไม่อยู่ในตัวเลือก",
    "required_cell_empty": "ช่องที่ต้องกรอกยังว่าง",
    "laos_missing": "รายงานยังขาด อปท.",
}
OTHER_HEADING = "รายการอื่นที่ต้องตรวจสอบ"  # a code without a heading of its own (a newer catalogue's)


def heading_for(code: str) -> str:
    """The Thai heading of a group of findings of `code`; for a code the catalogue lacks, the file
    heading (codes file_…) or a general one."""
    found = HEADINGS.get(code)
    if found is not None:
        return found
    return HEADINGS["file_unreadable"] if code.startswith("file_") else OTHER_HEADING


KIND_TH = {
    "pdf": "ไฟล์ PDF",
    "image": "รูปภาพ",
    "text": "ไฟล์ข้อความหรือ CSV",
    "html": "หน้าเว็บ (HTML)",
    "zip": "ไฟล์ zip ที่ไม่มีไฟล์ Excel",
    "doc": "เอกสาร Word",
    "ppt": "ไฟล์ PowerPoint",
    "xlsb": "Excel แบบไบนารี (.xlsb)",
    "empty": "ไฟล์ว่าง",
    "unknown": "ไฟล์ชนิดที่ไม่รู้จัก",
}


def placeholders(template: str) -> set[str]:
    """The `{names}` a message template needs."""
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}


def message_for(finding: Finding) -> str:
    """The Thai message of a finding, placeholders filled; KeyError for an unknown code or missing ctx."""
    fields: dict[str, object] = {name: getattr(finding, name) or "" for name in FIELDS}
    fields.update(finding.ctx)
    if isinstance(fields.get("kind"), str):  # the parser's file kinds are English tokens
        fields["kind"] = KIND_TH.get(str(fields["kind"]), str(fields["kind"]))
    return MESSAGES[finding.code].format_map(fields)
