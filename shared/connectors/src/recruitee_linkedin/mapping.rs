//! Recruitee → LinkedIn RSC: what a candidate (with its placements, stages, notes and
//! interview results) and an offer become on LinkedIn, in the shapes of LinkedIn's
//! published examples (docs/contracts/linkedin.md). A candidate travels as one bundle: its
//! content hash decides whether anything of it is sent again.

use renkei_vendors::linkedin::{
    AtsApplication, AtsCandidate, AtsFeedback, AtsNote, AtsStage, Availability, Evaluation,
    JobOperation, JobPosting, JobState, Person, PhoneNumber,
};
use renkei_vendors::recruitee::{Candidate, InterviewResult, Note, Offer};
use serde::Serialize;
use std::collections::HashMap;

/// The offers LinkedIn holds, by Recruitee offer id, with their titles (an application
/// names its job).
pub type Jobs = HashMap<u64, String>;

/// A candidate and everything of it LinkedIn holds, each entity with its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bundle {
    /// Recruitee's candidate id (LinkedIn's atsCandidateId).
    pub id: String,
    /// The candidate.
    pub candidate: AtsCandidate,
    /// The candidate's notes by note id: Recruitee's notes belong to the candidate, and so
    /// do LinkedIn's candidate notes (`atsCandidates/{key}/notes`).
    pub notes: Vec<(String, AtsNote)>,
    /// Its applications to jobs LinkedIn holds.
    pub applications: Vec<Application>,
}

/// An application with what hangs off it on LinkedIn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Application {
    /// Recruitee's placement id (LinkedIn's atsJobApplicationId).
    pub id: String,
    /// The application.
    pub body: AtsApplication,
    /// The stage it is in, by Recruitee stage id: each stage reached stays on LinkedIn, so
    /// LinkedIn sees the way through the pipeline.
    pub stages: Vec<(String, AtsStage)>,
    /// Interview feedback given for it, by result id.
    pub feedback: Vec<(String, AtsFeedback)>,
}

impl Bundle {
    /// LinkedIn records this bundle is.
    pub fn records(&self) -> usize {
        1 + self.notes.len()
            + self
                .applications
                .iter()
                .map(|a| 1 + a.stages.len() + a.feedback.len())
                .sum::<usize>()
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

fn location(offer: &Offer) -> String {
    [offer.city.as_deref(), offer.country_code.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ")
}

/// The offers LinkedIn gets: published ones as PUBLIC, internal ones as
/// PRIVATE_TO_ATS_INTEGRATION (seen only by the customer's recruiters), both LISTED.
pub fn job(offer: &Offer, context: &str) -> Option<JobPosting> {
    let availability = match offer.status.as_str() {
        "published" => Availability::Public,
        "internal" => Availability::PrivateToAtsIntegration,
        _ => return None,
    };
    Some(JobPosting {
        external_job_posting_id: offer.id.to_string(),
        integration_context: context.to_string(),
        // Chosen when sent: CREATE the first time, UPDATE after (see sync/write.rs).
        job_posting_operation_type: None,
        title: offer.title.trim().to_string(),
        description: offer.description.clone().unwrap_or_default(),
        location: location(offer),
        availability,
        state: JobState::Listed,
        company_apply_url: offer.careers_url.clone(),
        listed_at: offer.created_at.timestamp_millis(),
    })
}

/// A closed or archived offer LinkedIn held: closed there too.
pub fn closed_job(offer: &Offer, context: &str) -> JobPosting {
    JobPosting {
        external_job_posting_id: offer.id.to_string(),
        integration_context: context.to_string(),
        job_posting_operation_type: Some(JobOperation::Close),
        title: offer.title.trim().to_string(),
        description: offer.description.clone().unwrap_or_default(),
        location: location(offer),
        availability: Availability::Public,
        state: JobState::Closed,
        company_apply_url: offer.careers_url.clone(),
        listed_at: offer.created_at.timestamp_millis(),
    }
}

/// The candidate's page in Recruitee (LinkedIn requires `externalProfileUrl`). Assumed:
/// Recruitee documents no public URL scheme for the app; this is the address its app
/// shows for a candidate.
pub fn profile_url(candidate: u64) -> String {
    format!("https://app.recruitee.com/#/candidates/{candidate}")
}

/// A person named by one string ("Rita Book"); none: Recruitee did not say who.
fn person(name: Option<&str>) -> Person {
    Person::from_name(name.unwrap_or_default())
}

/// A candidate's bundle; `jobs`: the offers LinkedIn holds (applications to other offers
/// are not sent: LinkedIn refuses an application to a job it does not know). Err: why the
/// candidate cannot go to LinkedIn at all.
pub fn bundle(
    c: &Candidate,
    notes: &[Note],
    results: &[InterviewResult],
    jobs: &Jobs,
) -> Result<Bundle, String> {
    let name = Person::from_name(&c.name);
    if name.first_name.is_empty() && name.last_name.is_empty() {
        return Err("has no name; LinkedIn needs a first or last name".into());
    }
    let id = c.id.to_string();
    let emails: Vec<String> = c.emails.iter().map(|e| e.trim().to_lowercase()).collect();
    let candidate = AtsCandidate {
        first_name: name.first_name.clone(),
        last_name: name.last_name.clone(),
        email_addresses: emails.clone(),
        phone_numbers: c
            .phones
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .map(|p| PhoneNumber {
                number: p.to_string(),
                extension: None,
            })
            .collect(),
        // Recruitee's candidate carries no postal address.
        addresses: Vec::new(),
        external_profile_url: profile_url(c.id),
        current_company_name: None,
        current_job_title: None,
        ats_created_at: c.created_at.timestamp_millis(),
        ats_last_modified_at: c.updated_at.timestamp_millis(),
        manual_matched_member: None,
        unmatched_members: Vec::new(),
    };
    let notes = notes
        .iter()
        .map(|n| {
            (
                n.id.to_string(),
                AtsNote {
                    ats_created_at: n.created_at.timestamp_millis(),
                    note: n.body.clone(),
                    author: person(n.author.as_deref()),
                },
            )
        })
        .collect();
    let mut placements: Vec<_> = c
        .placements
        .iter()
        .filter(|p| jobs.contains_key(&p.offer_id))
        .collect();
    placements.sort_by_key(|p| (p.created_at, p.id));
    let latest = placements.last().map(|p| p.id);
    let applications = placements
        .iter()
        .map(|p| {
            let changed = p.updated_at.unwrap_or(p.created_at).timestamp_millis();
            let body = AtsApplication {
                ats_candidate_id: id.clone(),
                ats_job_posting_id: p.offer_id.to_string(),
                ats_job_posting_name: jobs.get(&p.offer_id).cloned().unwrap_or_default(),
                candidate_email: emails.first().cloned().unwrap_or_default(),
                first_name: name.first_name.clone(),
                last_name: name.last_name.clone(),
                source: c.source.clone().unwrap_or_default(),
                disposition_reason: match p.disqualified_at {
                    Some(_) => p
                        .disqualify_reason
                        .clone()
                        .unwrap_or_else(|| "Disqualified".into()),
                    None => String::new(),
                },
                ats_created_at: p.created_at.timestamp_millis(),
                ats_last_modified_at: changed,
            };
            let stages = p
                .stage
                .iter()
                .map(|s| {
                    (
                        s.id.to_string(),
                        AtsStage {
                            ats_created_at: changed,
                            stage: s.name.clone(),
                        },
                    )
                })
                .collect();
            // Feedback goes to the application it was given for; without one, to the
            // candidate's latest application.
            let feedback = results
                .iter()
                .filter(|r| match r.placement_id {
                    Some(pid) if placements.iter().any(|q| q.id == pid) => pid == p.id,
                    _ => latest == Some(p.id),
                })
                .map(|r| {
                    (
                        r.id.to_string(),
                        AtsFeedback {
                            ats_created_at: r.created_at.timestamp_millis(),
                            interviewer: person(r.author.as_deref()),
                            evaluations: r
                                .rating
                                .iter()
                                .map(|rating| Evaluation {
                                    attribute: "Rating".into(),
                                    result: rating.clone(),
                                })
                                .collect(),
                            feedback: r.body.clone(),
                        },
                    )
                })
                .collect();
            Application {
                id: p.id.to_string(),
                body,
                stages,
                feedback,
            }
        })
        .collect();
    Ok(Bundle {
        id,
        candidate,
        notes,
        applications,
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
        let jobs: Jobs = [(1, "Engineer".to_string())].into();
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
        let app = serde_json::to_value(&b.applications[0].body).expect("json");
        // Postman "Sync Job Applications": every field of LinkedIn's example.
        for f in [
            "atsCandidateId",
            "atsJobPostingId",
            "atsJobPostingName",
            "candidateEmail",
            "firstName",
            "lastName",
            "source",
            "dispositionReason",
            "atsCreatedAt",
            "atsLastModifiedAt",
        ] {
            assert!(app.get(f).is_some(), "{f} must be sent, even when empty");
        }
        assert_eq!(app.as_object().map(|o| o.len()), Some(10), "{app}");
        assert_eq!(app["dispositionReason"], "Disqualified");
        assert_eq!(app["atsJobPostingName"], "Engineer");
        assert_eq!(b.applications[0].stages.len(), 1);
    }

    #[test]
    fn c5_2_a_candidate_without_a_name_is_refused_with_the_reason() {
        let e = bundle(&candidate("  "), &[], &[], &Jobs::new()).expect_err("no name");
        assert!(e.contains("no name"), "{e}");
    }

    /// Issue 27 item 3: Recruitee's notes belong to the candidate, and so do LinkedIn's
    /// candidate notes: a candidate with no application LinkedIn holds still has them.
    #[test]
    fn s27_3_notes_go_to_the_candidate_even_without_an_application() {
        let t = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        let notes = [Note {
            id: 5,
            body: "Great resume".into(),
            author: Some("Rita Book".into()),
            created_at: t,
        }];
        let b = bundle(&candidate("Ana van Dijk"), &notes, &[], &Jobs::new()).expect("maps");
        assert!(b.applications.is_empty());
        assert_eq!(b.notes.len(), 1);
        let n = serde_json::to_value(&b.notes[0].1).expect("json");
        assert_eq!(
            n,
            serde_json::json!({"atsCreatedAt": t.timestamp_millis(), "note": "Great resume",
                "author": {"firstName": "Rita", "lastName": "Book"}})
        );
    }

    /// Issue 27 item 1: phone numbers are objects; addresses and the profile URL are sent.
    #[test]
    fn s27_1_a_candidate_carries_linkedin_s_required_fields() {
        let mut c = candidate("Ana van Dijk");
        c.phones = vec![" +31 6 1234 5678 ".into(), "  ".into()];
        let b = bundle(&c, &[], &[], &Jobs::new()).expect("maps");
        let v = serde_json::to_value(&b.candidate).expect("json");
        assert_eq!(
            v["phoneNumbers"],
            serde_json::json!([{"number": "+31 6 1234 5678"}])
        );
        assert_eq!(v["addresses"], serde_json::json!([]));
        assert_eq!(v["externalProfileUrl"], profile_url(7));
        assert!(
            v.get("createdAt").is_none() && v["atsCreatedAt"].is_i64(),
            "{v}"
        );
    }
}
