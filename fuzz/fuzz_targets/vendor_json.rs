//! The vendors' JSON answers, decoded into the types the clients decode them into and then
//! read the way the connectors read them: Kaonavi tasks, members and error bodies, HRBrain
//! members and organization trees (both forms), Recruitee's resources, LinkedIn batch
//! answers, Personio error bodies. The first byte picks the shape, the rest is the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renkei_vendors::hrbrain::{Member, OrgTree};
use renkei_vendors::kaonavi::{KaonaviClient, MemberData, TaskProgress};
use renkei_vendors::linkedin::{EntityStatus, Resource, batch_statuses, decode_key};
use renkei_vendors::recruitee::{Candidate, InterviewResult, Membership, Note, Offer};

const RESOURCES: [Resource; 4] = [
    Resource::Candidates,
    Resource::Applications,
    Resource::EntityAcls,
    Resource::AclAssignees,
];

fn decode<T: serde::de::DeserializeOwned>(body: &str) -> Option<T> {
    serde_json::from_str(body).ok()
}

const CONTEXT: &str = "urn:li:organization:1";

/// The HTTP status LinkedIn gave entity `id` in `body`, as a number, if it gave one: the
/// entry whose key decodes to the entity's fields, an error before a result.
fn status_of(body: &serde_json::Value, resource: Resource, id: &str) -> Option<u64> {
    let key = resource.key(id, CONTEXT).decoded();
    let find = |part: &str| {
        body[part]
            .as_object()?
            .iter()
            .find(|(k, _)| decode_key(k) == key)
            .map(|(_, v)| v.clone())
    };
    let entry = find("errors").or_else(|| find("results"))?;
    entry["status"].as_u64()
}

/// LinkedIn: one status per id, in order; an entity is Done only when LinkedIn answered it
/// with 2xx (or 404 to a delete), Refused only with a 4xx.
fn linkedin(resource: Resource, body: &str) {
    let ids = ["1", "a|b", "", "x&y=z"];
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    for deleting in [false, true] {
        let Ok(statuses) = batch_statuses(resource, &ids, CONTEXT, body, deleting) else {
            continue;
        };
        assert_eq!(statuses.len(), ids.len(), "one status per id");
        for (id, s) in ids.iter().zip(statuses) {
            let given = status_of(&json, resource, id);
            match s {
                EntityStatus::Done => assert!(
                    given.is_some_and(|g| (200..300).contains(&g) || (deleting && g == 404)),
                    "{id} done on status {given:?}"
                ),
                EntityStatus::Refused { status, .. } => {
                    assert_eq!(
                        given,
                        Some(u64::from(status)),
                        "{id} refused on another status"
                    );
                    assert!((400..500).contains(&status), "refused with {status}");
                }
                EntityStatus::Failed(_) => {}
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(body) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 12 {
        0 => {
            let _ = decode::<TaskProgress>(body);
        }
        1 => {
            let _ = decode::<Vec<MemberData>>(body);
        }
        2 => {
            let _ = KaonaviClient::message_of(body);
        }
        3 => {
            if let Some(m) = decode::<Member>(body) {
                for alias in ["name", "code", "department", ""] {
                    let _ = m.text(alias);
                }
            }
        }
        4 => {
            if let Some(tree) = decode::<OrgTree>(body) {
                let _ = tree.departments();
            }
        }
        5 => {
            let _ = decode::<Vec<Candidate>>(body);
        }
        6 => {
            let _ = decode::<Vec<Membership>>(body);
        }
        7 => {
            let _ = decode::<Vec<Note>>(body);
        }
        8 => {
            let _ = decode::<Vec<InterviewResult>>(body);
        }
        9 => {
            let _ = decode::<Vec<Offer>>(body);
        }
        10 => {
            let _ = renkei_vendors::personio::reasons(body);
        }
        _ => linkedin(RESOURCES[usize::from(which / 12) % RESOURCES.len()], body),
    }
});
