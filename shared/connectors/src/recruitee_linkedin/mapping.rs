//! Recruitee → LinkedIn RSC: what a candidate (with its placements, stages, notes and
//! interview results) and an offer become on LinkedIn. A candidate travels as one bundle:
//! its content hash decides whether anything of it is sent again.

use renkei_vendors::linkedin::{
    AtsApplication, AtsCandidate, AtsFeedback, AtsNote, AtsStage, JobPosting,
};
use renkei_vendors::recruitee::{Candidate, InterviewResult, Note, Offer};
use serde::Serialize;
use std::collections::HashSet;

/// A candidate and everything of it LinkedIn holds, each entity with its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bundle {
    /// Recruitee's candidate id (LinkedIn's atsCandidateId).
    pub id: String,
    /// The candidate.
    pub candidate: AtsCandidate,
    /// Applications by placement id.
    pub applications: Vec<(String, AtsApplication)>,
    /// Each application's current stage (id: the placement's).
    pub stages: Vec<(String, AtsStage)>,
    /// Notes (on the candidate's latest application).
    pub notes: Vec<(String, AtsNote)>,
    /// Interview feedback (on the application it was given for).
    pub feedback: Vec<(String, AtsFeedback)>,
}

impl Bundle {
    /// LinkedIn records this bundle is.
    pub fn records(&self) -> usize {
        1 + self.applications.len() + self.stages.len() + self.notes.len() + self.feedback.len()
    }
}

/// A job's record key.
pub fn job_key(offer: u64) -> String {
    format!("J:{offer}")
}

/// A candidate's record key.
pub fn candidate_key(id: u64) -> String {
    format!("C:{id}")
}

/// The offers LinkedIn gets: published ones as PUBLIC, internal ones as INTERNAL.
pub fn job(offer: &Offer, context: &str) -> Option<JobPosting> {
    let availability = match offer.status.as_str() {
        "published" => "PUBLIC",
        "internal" => "INTERNAL",
        _ => return None,
    };
    let location = [offer.city.as_deref(), offer.country_code.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    Some(JobPosting {
        external_job_posting_id: offer.id.to_string(),
        integration_context: context.to_string(),
        // Chosen when sent: CREATE the first time, UPDATE after (see sync.rs).
        job_posting_operation_type: String::new(),
        title: offer.title.trim().to_string(),
        description: offer.description.clone().unwrap_or_default(),
        location,
        availability: availability.into(),
        company_apply_url: offer.careers_url.clone(),
        listed_at: offer.created_at.timestamp_millis(),
    })
}

/// A closed or archived offer LinkedIn held: closed there too.
pub fn closed_job(offer: &Offer, context: &str) -> JobPosting {
    JobPosting {
        external_job_posting_id: offer.id.to_string(),
        integration_context: context.to_string(),
        job_posting_operation_type: "CLOSE".into(),
        title: offer.title.trim().to_string(),
        description: offer.description.clone().unwrap_or_default(),
        location: String::new(),
        availability: "PUBLIC".into(),
        company_apply_url: offer.careers_url.clone(),
        listed_at: offer.created_at.timestamp_millis(),
    }
}

/// "Ana van Dijk" → ("Ana", "van Dijk"); one word is a first name.
fn split_name(name: &str) -> (String, String) {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    match name.split_once(' ') {
        Some((f, l)) => (f.to_string(), l.to_string()),
        None => (name, String::new()),
    }
}

/// A candidate's bundle; `jobs`: the offers LinkedIn holds (applications to other offers
/// are not sent: LinkedIn refuses an application to a job it does not know). Err: why the
/// candidate cannot go to LinkedIn at all.
pub fn bundle(
    c: &Candidate,
    notes: &[Note],
    results: &[InterviewResult],
    jobs: &HashSet<u64>,
) -> Result<Bundle, String> {
    let (first, last) = split_name(&c.name);
    if first.is_empty() && last.is_empty() {
        return Err("has no name; LinkedIn needs a first or last name".into());
    }
    let id = c.id.to_string();
    let candidate = AtsCandidate {
        first_name: first,
        last_name: last,
        email_addresses: c.emails.iter().map(|e| e.trim().to_lowercase()).collect(),
        phone_numbers: c.phones.clone(),
        source: c.source.clone(),
        created_at: c.created_at.timestamp_millis(),
        last_modified_at: c.updated_at.timestamp_millis(),
        manual_matched_member: None,
        unmatched_members: Vec::new(),
    };
    let mut placements: Vec<_> = c
        .placements
        .iter()
        .filter(|p| jobs.contains(&p.offer_id))
        .collect();
    placements.sort_by_key(|p| (p.created_at, p.id));
    let applications: Vec<(String, AtsApplication)> = placements
        .iter()
        .map(|p| {
            let hired = p.stage.as_ref().and_then(|s| s.category.as_deref()) == Some("hire");
            let state = match (p.disqualified_at, hired) {
                (Some(_), _) => "REJECTED",
                (None, true) => "HIRED",
                (None, false) => "ACTIVE",
            };
            (
                p.id.to_string(),
                AtsApplication {
                    candidate: id.clone(),
                    job: p.offer_id.to_string(),
                    state: state.into(),
                    rejection_reason: p
                        .disqualified_at
                        .and(p.disqualify_reason.clone().or(Some("Disqualified".into()))),
                    current_stage: p.stage.as_ref().map(|s| s.name.clone()),
                    created_at: p.created_at.timestamp_millis(),
                    last_modified_at: p.updated_at.unwrap_or(p.created_at).timestamp_millis(),
                },
            )
        })
        .collect();
    let stages = placements
        .iter()
        .filter_map(|p| {
            let s = p.stage.as_ref()?;
            Some((
                p.id.to_string(),
                AtsStage {
                    application: p.id.to_string(),
                    stage_name: s.name.clone(),
                    category: s.category.clone(),
                    changed_at: p.updated_at.unwrap_or(p.created_at).timestamp_millis(),
                },
            ))
        })
        .collect();
    // Recruitee's notes belong to the candidate, LinkedIn's to an application: the latest.
    let latest = applications.last().map(|(a, _)| a.clone());
    let notes = match &latest {
        Some(app) => notes
            .iter()
            .map(|n| {
                (
                    n.id.to_string(),
                    AtsNote {
                        application: app.clone(),
                        body: n.body.clone(),
                        author: n.author.clone(),
                        created_at: n.created_at.timestamp_millis(),
                    },
                )
            })
            .collect(),
        None => Vec::new(),
    };
    let synced: HashSet<String> = applications.iter().map(|(a, _)| a.clone()).collect();
    let feedback = results
        .iter()
        .filter_map(|r| {
            let app = r
                .placement_id
                .map(|p| p.to_string())
                .filter(|p| synced.contains(p))
                .or_else(|| latest.clone())?;
            Some((
                r.id.to_string(),
                AtsFeedback {
                    application: app,
                    rating: r.rating.clone(),
                    body: r.body.clone(),
                    author: r.author.clone(),
                    submitted_at: r.created_at.timestamp_millis(),
                },
            ))
        })
        .collect();
    Ok(Bundle {
        id,
        candidate,
        applications,
        stages,
        notes,
        feedback,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use renkei_vendors::recruitee::{Placement, Stage};

    fn candidate(name: &str) -> Candidate {
        let t = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        Candidate {
            social_links: vec![],
            id: 7,
            name: name.into(),
            emails: vec![" Ana@Example.org ".into()],
            phones: vec![],
            source: None,
            created_at: t,
            updated_at: t,
            placements: vec![
                Placement {
                    id: 70,
                    offer_id: 1,
                    stage: Some(Stage {
                        id: 1,
                        name: "Interview".into(),
                        category: Some("interview".into()),
                    }),
                    disqualified_at: Some(t),
                    disqualify_reason: None,
                    created_at: t,
                    updated_at: None,
                },
                Placement {
                    id: 71,
                    offer_id: 9,
                    stage: None,
                    disqualified_at: None,
                    disqualify_reason: None,
                    created_at: t,
                    updated_at: None,
                },
            ],
        }
    }

    #[test]
    fn c5_2_a_candidate_bundle_sends_every_application_field_and_only_known_jobs() {
        let jobs: HashSet<u64> = [1].into();
        let b = bundle(&candidate("Ana  van Dijk"), &[], &[], &jobs).expect("maps");
        assert_eq!(
            (
                b.candidate.first_name.as_str(),
                b.candidate.last_name.as_str()
            ),
            ("Ana", "van Dijk")
        );
        assert_eq!(b.candidate.email_addresses, ["ana@example.org"]);
        assert_eq!(b.applications.len(), 1, "offer 9 is not on LinkedIn");
        let app = serde_json::to_value(&b.applications[0].1).expect("json");
        for f in [
            "candidate",
            "job",
            "state",
            "rejectionReason",
            "currentStage",
            "createdAt",
            "lastModifiedAt",
        ] {
            assert!(app.get(f).is_some(), "{f} must be sent, even when empty");
        }
        assert_eq!(app["state"], "REJECTED");
        assert_eq!(app["rejectionReason"], "Disqualified");
        assert_eq!(b.stages.len(), 1);
    }

    #[test]
    fn c5_2_a_candidate_without_a_name_is_refused_with_the_reason() {
        let e = bundle(&candidate("  "), &[], &[], &HashSet::new()).expect_err("no name");
        assert!(e.contains("no name"), "{e}");
    }
}
