//! Realistic Japanese employee data for the demo and the benchmark, plus a few bad records.

use serde_json::{Value, json};

const FAMILY: &[(&str, &str)] = &[
    ("佐藤", "さとう"),
    ("鈴木", "すずき"),
    ("高橋", "たかはし"),
    ("田中", "たなか"),
    ("伊藤", "いとう"),
    ("渡辺", "わたなべ"),
    ("山本", "やまもと"),
    ("中村", "なかむら"),
    ("小林", "こばやし"),
    ("加藤", "かとう"),
    ("吉田", "よしだ"),
    ("山田", "やまだ"),
    ("佐々木", "ささき"),
    ("山口", "やまぐち"),
    ("松本", "まつもと"),
    ("井上", "いのうえ"),
    ("木村", "きむら"),
    ("林", "はやし"),
    ("斎藤", "さいとう"),
    ("清水", "しみず"),
];
const GIVEN: &[(&str, &str, &str)] = &[
    ("太郎", "ﾀﾛｳ", "male"),
    ("健太", "けんた", "male"),
    ("翔太", "ショウタ", "male"),
    ("大輔", "ﾀﾞｲｽｹ", "male"),
    ("拓也", "たくや", "male"),
    ("花子", "はなこ", "female"),
    ("美咲", "ミサキ", "female"),
    ("陽菜", "ひな", "female"),
    ("結衣", "ﾕｲ", "female"),
    ("さくら", "さくら", "female"),
    ("蒼", "あおい", "unanswered"),
    ("光", "ひかる", "unanswered"),
];
const TYPES: &[&str] = &[
    "正社員",
    "正社員",
    "正社員",
    "契約社員",
    "パート",
    "アルバイト",
];
const DEPTS: &[&str] = &["営業部", "開発部", "人事部", "経理部", "総務部"];

/// `n` valid employees in scope (ids `e00001`…, 社員番号 `00001`…), deterministic for `seed`.
pub fn employees(n: usize, seed: u64) -> Vec<Value> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (1..=n)
        .map(|i| {
            let (fam, fam_kana) = FAMILY[rng.usize(..FAMILY.len())];
            let (given, given_kana, gender) = GIVEN[rng.usize(..GIVEN.len())];
            let mut e = json!({
                "id": format!("e{i:05}"),
                "employee_number": format!("{i:05}"),
                "status": if rng.u8(..10) == 0 { "on_leave" } else { "active" },
                "state": "data_entry_complete",
                "employment_type": TYPES[rng.usize(..TYPES.len())],
                "hire_date": format!("{}-{:02}-01", 2005 + rng.u32(..20), 1 + rng.u32(..12)),
                "birth_date": format!("{}-{:02}-{:02}", 1965 + rng.u32(..35), 1 + rng.u32(..12), 1 + rng.u32(..28)),
                "last_name": fam, "first_name": given,
                "last_name_kana": fam_kana, "first_name_kana": given_kana,
                "gender": gender,
                "attributes": {"部署": DEPTS[rng.usize(..DEPTS.len())]}
            });
            if rng.u8(..20) == 0 {
                e["business_name"] = json!(format!("{fam} {}", "ひかり"));
                e["business_name_kana"] = json!(format!("{fam_kana} ひかり"));
            }
            e
        })
        .collect()
}

/// Employees that must be skipped (applicants, leavers, unfinished entry).
pub fn out_of_scope() -> Vec<Value> {
    vec![
        json!({"id": "a00001", "status": "applicant", "state": "entry_in_progress", "last_name": "応募", "first_name": "太郎"}),
        json!({"id": "l00001", "employee_number": "90001", "status": "left", "state": "data_entry_complete", "last_name": "退職", "first_name": "花子"}),
        json!({"id": "p00001", "employee_number": "90002", "status": "onboarding", "state": "entry_in_progress", "last_name": "手続", "first_name": "中"}),
    ]
}

/// Bad records: each must be rejected with its reason while the others go through.
pub fn bad() -> Vec<Value> {
    let base = |id: &str, number: Option<&str>| {
        json!({"id": id, "employee_number": number, "status": "active", "state": "data_entry_complete",
               "last_name": "不備", "first_name": "一郎", "last_name_kana": "ふび", "first_name_kana": "いちろう",
               "gender": "male", "hire_date": "2024-04-01", "birth_date": "1990-01-01"})
    };
    let mut missing = base("x00001", None);
    missing["employee_number"] = Value::Null;
    let mut gender = base("x00002", Some("99002"));
    gender["gender"] = json!("nonbinary");
    let mut long = base("x00003", Some("99003"));
    long["first_name"] = json!("長".repeat(120));
    let mut date = base("x00004", Some("99004"));
    date["birth_date"] = json!("1990-02-30");
    vec![missing, gender, long, date]
}
