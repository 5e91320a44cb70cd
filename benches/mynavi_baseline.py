"""The Python baseline of `renkei-bench mynavi-hrmos` (issue 14, goal 1).

A plain Python implementation of the per-row work renkei's C1 pipeline does, stdlib only:
detect the encoding (UTF-8 BOM, UTF-8, else CP932) and the separator (tab or comma in the
header), decode, parse with the csv module, find the mapped columns in the header, and per
row: the width check, the application id, 応募日時 (fromisoformat, JST when no offset),
the family name, one regular expression for an RFC 5322 addr-spec, 生年月日, routing by
exact 職種名 to an open job, the applicant dict and its JSON request body (as HRMOS takes it).

    python3 mynavi_baseline.py FILE RULES_JSON

RULES_JSON maps 職種名 → an open HRMOS job id. Prints one JSON object: rows, imported,
rejected, routed_to_selection, seconds (reading the file to the last body), rows_per_second.
The counts must equal renkei's on the same file; the bench checks that they do.
"""

import csv
import io
import json
import re
import sys
import time
from datetime import date, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9))
MEDIUM = "mynavi_tenshoku"
COLUMNS = ["応募ID", "応募日時", "姓漢字", "名漢字", "姓カナ", "名カナ", "求人名称",
           "郵便番号", "都道府県名", "住所", "生年月日", "性別", "メールアドレス",
           "電話番号1", "電話番号2"]

# addr-spec: dot-atom or quoted-string "@" dot-atom or domain-literal; ASCII only;
# 64 octets for the local part, 254 for the address (checked by length below).
ATEXT = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+"
EMAIL = re.compile(
    r'(?:' + ATEXT + r'(?:\.' + ATEXT + r')*|"(?:[ \t!#-\[\]-~]|\\[ \t!-~])*")'
    r'@(?:' + ATEXT + r'(?:\.' + ATEXT + r')*|\[[!-Z^-~]*\])\Z'
)


def detect(data):
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8", 3
    first = data.split(b"\n", 1)[0]
    try:
        first.decode("utf-8")
        return ("utf-8" if not first.isascii() else "cp932"), 0
    except UnicodeDecodeError:
        return "cp932", 0


def applied_at(s):
    s = s.strip()
    try:
        t = datetime.fromisoformat(s.replace("/", "-"))
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=JST)
    return t.astimezone(timezone.utc).isoformat()


def birthday(s):
    s = s.strip()
    if not s:
        return ""
    try:
        return date.fromisoformat(s.replace("/", "-")).isoformat()
    except ValueError:
        return None


def main(path, rules):
    started = time.perf_counter()
    with open(path, "rb") as f:
        data = f.read()
    encoding, skip = detect(data)
    text = data[skip:].decode(encoding, errors="replace")
    first = text.split("\n", 1)[0]
    sep = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header = next(reader)
    col = {name: i for i, name in enumerate(header)}
    missing = [c for c in COLUMNS if c not in col]
    if missing:
        raise SystemExit(f"the header lacks {missing}")
    ix = [col[c] for c in COLUMNS]
    width = len(header)
    rows = imported = rejected = routed = 0
    bodies = 0
    for row in reader:
        if len(row) == 1 and row[0] == "":
            continue
        rows += 1
        if len(row) < width:
            rejected += 1
            continue
        (app_id, applied, family, given, family_kana, given_kana, position, postal,
         prefecture, address, birth, gender, email, phone1, phone2) = (row[i] for i in ix)
        app_id = app_id.strip()
        at = applied_at(applied)
        family = family.strip()
        email = email.strip()
        bday = birthday(birth)
        if (not app_id or at is None or not family or bday is None
                or len(email) > 254 or not EMAIL.match(email)
                or len(email.rpartition("@")[0]) > 64):
            rejected += 1
            continue
        job = rules.get(position)
        if job is not None:
            placement = {"kind": "selection", "job_id": job}
            routed += 1
        else:
            placement = {"kind": "import_queue", "position_name": position,
                         "note": f"募集ポジション名「{position}」に一致する振り分けルールがありません。"
                                 "マイナビ転職の職種名と完全に一致するルールを登録してください (no routing rule matched)"}
        phones = [p for p in (phone1.strip(), phone2.strip()) if p]
        body = {
            "applicant": {
                "address": address.strip(), "applied_at": at,
                "birthday": bday or None, "email": email,
                "family_name": family, "family_name_kana": family_kana.strip(),
                "gender": gender.strip(), "given_name": given.strip(),
                "given_name_kana": given_kana.strip(), "phones": phones,
                "position_name": position, "postal_code": postal.strip(),
                "prefecture": prefecture.strip(),
            },
            "placement": placement,
            "source": {"id": app_id, "medium": MEDIUM},
        }
        bodies += len(json.dumps(body, ensure_ascii=False).encode("utf-8"))
        imported += 1
    seconds = time.perf_counter() - started
    print(json.dumps({
        "rows": rows, "imported": imported, "rejected": rejected,
        "routed_to_selection": routed, "body_bytes": bodies,
        "seconds": seconds, "rows_per_second": rows / seconds,
    }))


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
