//! A realistic HRBrain company for demos and tests: a 6-level organization (本社 → 本部 →
//! 部 → 課 → グループ → チーム) with one department that has no 組織情報コード, and about
//! `people` members with business names, every employment type, leavers, and a few bad
//! records (a duplicate email, a missing reading, an unusable employee number, a member of
//! the department without a code).

use serde_json::{Value, json};

/// The sample company.
pub struct SampleCompany {
    /// The organization (`{"type":"tree","items":[…]}`).
    pub organization: Value,
    /// Members by default alias.
    pub members: Vec<Value>,
    /// Departments in the organization.
    pub departments: usize,
    /// Of them, those with a 組織情報コード.
    pub departments_with_code: usize,
    /// Members the sync must reject (bad records).
    pub bad_members: usize,
}

const FAMILY: &[(&str, &str)] = &[
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "わたなべ"),
    ("山本", "ヤマモト"),
    ("中村", "ﾅｶﾑﾗ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
];

const GIVEN: &[(&str, &str)] = &[
    ("翔太", "ショウタ"),
    ("美咲", "ミサキ"),
    ("大輔", "ダイスケ"),
    ("陽菜", "ひな"),
    ("健一", "ケンイチ"),
    ("結衣", "ユイ"),
    ("拓海", "タクミ"),
    ("さくら", "サクラ"),
];

/// HRBrain's default 雇用形態 names plus a company's own (C3.4 covers them all).
pub const EMPLOYMENT_TYPES: &[&str] = &[
    "正社員",
    "正社員",
    "正社員",
    "契約社員",
    "派遣",
    "パートタイム",
    "アルバイト",
    "バイト",
    "業務委託",
    "インターン",
    "短時間正社員",
    "地域限定社員",
];

const JOBS: &[&str] = &["", "主任", "係長", "課長", "部長"];

/// Builds the tree: 本社 with 3 本部, each with 2 部, each with 2 課, each with 2 グループ,
/// each with 1 チーム (70 departments, 6 levels), plus プロジェクト室 without a code.
fn organization() -> (Value, Vec<(String, bool)>) {
    let mut leaves: Vec<(String, bool)> = Vec::new();
    let mut next = 0;
    let mut node = |name: String,
                    code: Option<String>,
                    items: Vec<Value>,
                    leaves: &mut Vec<(String, bool)>| {
        next += 1;
        let id = format!("team-{next:03}");
        leaves.push((id.clone(), code.is_some()));
        let mut v = json!({"id": id, "value": name, "items": items});
        if let Some(c) = code {
            v["code"] = json!(c);
        }
        v
    };
    let mut divisions = Vec::new();
    for d in 1..=3 {
        let mut depts = Vec::new();
        for b in 1..=2 {
            let mut sections = Vec::new();
            for s in 1..=2 {
                let mut groups = Vec::new();
                for g in 1..=2 {
                    let code = format!("D{d}{b}{s}{g}");
                    let team = node(
                        format!("第{g}チーム"),
                        Some(format!("{code}1")),
                        vec![],
                        &mut leaves,
                    );
                    groups.push(node(
                        format!("第{g}グループ"),
                        Some(code),
                        vec![team],
                        &mut leaves,
                    ));
                }
                sections.push(node(
                    format!("第{s}課"),
                    Some(format!("D{d}{b}{s}")),
                    groups,
                    &mut leaves,
                ));
            }
            depts.push(node(
                format!("第{d}本部 第{b}部"),
                Some(format!("D{d}{b}")),
                sections,
                &mut leaves,
            ));
        }
        divisions.push(node(
            format!("第{d}本部"),
            Some(format!("D{d}")),
            depts,
            &mut leaves,
        ));
    }
    let project = node("プロジェクト室".into(), None, vec![], &mut leaves);
    divisions.push(project);
    let root = node("本社".into(), Some("HQ".into()), divisions, &mut leaves);
    (json!({"type": "tree", "items": [root]}), leaves)
}

/// The sample company with about `people` members (at least 20), varied by `seed`.
pub fn company(people: usize, seed: u64) -> SampleCompany {
    let (organization, departments) = organization();
    let coded: Vec<&String> = departments
        .iter()
        .filter(|(_, c)| *c)
        .map(|(id, _)| id)
        .collect();
    let uncoded = departments
        .iter()
        .find(|(_, c)| !*c)
        .map(|(id, _)| id.clone());
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut members = Vec::new();
    let n = people.max(20);
    for i in 0..n {
        let (fam, fam_kana) = FAMILY[i % FAMILY.len()];
        let (giv, giv_kana) = GIVEN[(i / FAMILY.len()) % GIVEN.len()];
        let mut m = json!({
            "id": format!("m-{i:05}"),
            "LastName": fam, "FirstName": giv,
            "LastNameKana": fam_kana, "FirstNameKana": giv_kana,
            "EmployeeNumber": format!("{:05}", i + 1),
            "BirthDate": format!("{}-{:02}-{:02}", 1965 + rng.usize(0..35), 1 + rng.usize(0..12), 1 + rng.usize(0..28)),
            "MainTeam": coded[rng.usize(0..coded.len())],
            "Job": JOBS[rng.usize(0..JOBS.len())],
            "Gender": if i % 2 == 0 { "男性" } else { "女性" },
            "EmploymentStatus": EMPLOYMENT_TYPES[i % EMPLOYMENT_TYPES.len()],
            "Email": format!("emp{i:05}@example.co.jp"),
            "EnrollmentStatus": if i % 23 == 7 { "退職済み" } else if i % 31 == 3 { "休職中" } else { "在籍中" },
            "EnteredDay": format!("{}-04-01", 2000 + (i % 25)),
        });
        if i % 10 == 4 {
            m["BusinessLastName"] = json!("Smith");
            m["BusinessFirstName"] = json!(giv);
            m["BusinessLastNameKana"] = json!("スミス");
            m["BusinessFirstNameKana"] = json!(giv_kana);
        }
        if i % 17 == 5 {
            // Full-width digits: normalised, not rejected.
            m["EmployeeNumber"] = json!(format!("Ｅ{:05}", i + 1));
        }
        if i % 29 == 11 {
            m["MainTeam"] = Value::Null;
        }
        members.push(m);
    }
    // The bad records (the last ones, so a smaller sample still has them all).
    let bad = [
        ("EmployeeNumber", json!("12ー34")),
        ("LastNameKana", Value::Null),
        ("Email", json!("emp00001@example.co.jp")),
        ("MainTeam", json!(uncoded)),
    ];
    for (k, (field, value)) in bad.iter().enumerate() {
        let m = &mut members[n - 1 - k];
        if let Some(obj) = m.as_object_mut() {
            obj.retain(|f, _| !f.starts_with("Business"));
        }
        m[*field] = value.clone();
    }
    SampleCompany {
        organization,
        members,
        departments: departments.len(),
        departments_with_code: coded.len(),
        // The duplicate email rejects both of its members.
        bad_members: bad.len() + 1,
    }
}
