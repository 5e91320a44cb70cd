//! C1.7 routing: a tenant's rules send an applicant whose 職種名 matches exactly to the
//! rule's open job (選考管理); everything else goes to the import queue with a note that
//! tells the recruiter why.

use super::store::{Medium, RoutingRule};
use std::collections::{HashMap, HashSet};

/// Where an applicant goes in HRMOS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement<'r> {
    /// 選考管理 for the job.
    Selection {
        /// HRMOS job id.
        job_id: &'r str,
    },
    /// 応募情報インポート, with a note that tells the recruiter what to fix.
    ImportQueue(Unrouted<'r>),
}

/// Why an applicant was not routed to a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unrouted<'r> {
    /// No rule names the 職種名.
    NoRule,
    /// The rule's job is closed.
    Closed(&'r str),
    /// The rule's job is not in HRMOS.
    Unknown(&'r str),
}

impl Unrouted<'_> {
    /// The note for the recruiter, appended to `out` (pieces pushed, not formatted: most
    /// applicants of a file that has no rules yet get one).
    pub fn write_note(&self, position_name: &str, out: &mut String) {
        let pieces: [&str; 5] = match self {
            Unrouted::Closed(job) => [
                "振り分けルールの振り分け先の求人 ",
                job,
                " は募集を終了しています。求人かルールを見直してください (募集ポジション名「",
                position_name,
                "」)",
            ],
            Unrouted::Unknown(job) => [
                "振り分けルールの振り分け先の求人 ",
                job,
                " がHRMOS採用にありません。ルールを更新してください (募集ポジション名「",
                position_name,
                "」)",
            ],
            Unrouted::NoRule => [
                "募集ポジション名「",
                position_name,
                "」に一致する振り分けルールがありません。マイナビ転職の職種名と完全に一致するルールを登録してください (no routing rule matched)",
                "",
                "",
            ],
        };
        for piece in pieces {
            out.push_str(piece);
        }
    }
}

/// Applies a tenant's routing rules for one medium.
#[derive(Debug, Clone, Default)]
pub struct Router {
    by_position: HashMap<String, String>,
    open_jobs: HashSet<String>,
    known_jobs: HashSet<String>,
}

impl Router {
    /// Rules of `medium`, checked against HRMOS's jobs (`(id, open)`).
    pub fn new(
        rules: &[RoutingRule],
        medium: Medium,
        jobs: impl IntoIterator<Item = (String, bool)>,
    ) -> Self {
        let mut r = Router::default();
        for rule in rules.iter().filter(|r| r.medium == medium) {
            r.by_position
                .insert(rule.position_name.clone(), rule.job_id.clone());
        }
        for (id, open) in jobs {
            if open {
                r.open_jobs.insert(id.clone());
            }
            r.known_jobs.insert(id);
        }
        r
    }

    /// Where an applicant for `position_name` goes.
    pub fn place(&self, position_name: &str) -> Placement<'_> {
        match self.by_position.get(position_name) {
            Some(job) if self.open_jobs.contains(job) => Placement::Selection { job_id: job },
            Some(job) if self.known_jobs.contains(job) => {
                Placement::ImportQueue(Unrouted::Closed(job))
            }
            Some(job) => Placement::ImportQueue(Unrouted::Unknown(job)),
            None => Placement::ImportQueue(Unrouted::NoRule),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn c1_7_routing_is_exact() {
        let rule = |p: &str, j: &str| RoutingRule {
            id: p.into(),
            medium: Medium::MynaviTenshoku,
            position_name: p.into(),
            job_id: j.into(),
            updated_at: Utc::now(),
        };
        let router = Router::new(
            &[rule("営業職（東京）", "J1"), rule("経理", "J9")],
            Medium::MynaviTenshoku,
            [("J1".to_string(), true), ("J9".to_string(), false)],
        );
        assert_eq!(
            router.place("営業職（東京）"),
            Placement::Selection { job_id: "J1" }
        );
        let note = |p: &str| match router.place(p) {
            Placement::ImportQueue(why) => {
                let mut note = String::new();
                why.write_note(p, &mut note);
                note
            }
            other @ Placement::Selection { .. } => panic!("{p} was routed: {other:?}"),
        };
        for other in ["営業職(東京)", "営業職（東京） ", "営業職"] {
            assert!(note(other).contains("一致する振り分けルールがありません"));
        }
        assert!(note("経理").contains("募集を終了"));
    }
}
