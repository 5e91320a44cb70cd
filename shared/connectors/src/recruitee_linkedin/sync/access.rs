//! Who sees which job in LinkedIn Recruiter (C5.4, C5.5): each linked team member is one
//! ACL group `member-{admin}` — the member (`urn:li:person:…`) the group's only assignee
//! (one ACL per user, within LinkedIn's ten; the assignee is part of the key and the body
//! is empty, Postman "Upsert Entity ACL Assignees") — and the group is granted every job the
//! member may access in Recruitee. Unlinking, relinking to another member, or a permission
//! taken away in Recruitee withdraws what was sent (the previously sent keys are in the
//! engine's hashes: `U:{admin}:{person urn}` seats, `G:` grants).

use super::*;
use renkei_vendors::linkedin::EntityStatus;

/// An ACL record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "acl", rename_all = "snake_case")]
pub enum Acl {
    /// The member as its group's assignee.
    Seat {
        /// Recruitee admin id.
        admin: u64,
        /// `urn:li:person:…`; None for a seat kept under the key of an earlier release
        /// (`U:{admin}`), sent in a shape LinkedIn never took: nothing to withdraw there.
        member: Option<String>,
        /// Assigned, or withdrawn.
        linked: bool,
    },
    /// The member's group may see the job (false: no longer).
    Grant {
        /// Recruitee admin id.
        admin: u64,
        /// Recruitee offer id.
        job: u64,
        /// Granted or withdrawn.
        granted: bool,
    },
}

fn group(admin: u64) -> String {
    format!("member-{admin}")
}

fn seat_key(admin: u64, member: &str) -> String {
    format!("U:{admin}:{member}")
}

/// A seat key's admin and member (None: a key of an earlier release, `U:{admin}`).
fn parse_seat_key(key: &str) -> Option<(u64, Option<String>)> {
    let rest = key.strip_prefix("U:")?;
    match rest.split_once(':') {
        Some((admin, member)) => Some((admin.parse().ok()?, Some(member.to_string()))),
        None => Some((rest.parse().ok()?, None)),
    }
}

fn grant_key(admin: u64, job: u64) -> String {
    format!("G:{admin}:{job}")
}

impl RecruiteeLinkedin<'_> {
    /// The ACL records that express today's links and permissions (one page).
    pub(super) async fn access_page(&mut self) -> Result<Vec<Pulled<Record>>, SyncError> {
        let jobs = self.jobs().await?;
        let members = self.recruitee.memberships().await?;
        let linked = super::super::accounts::links(self.store, &self.t, &self.c).await?;
        let mut seats: Vec<(String, Acl)> = Vec::new();
        let mut grants: HashSet<String> = HashSet::new();
        let mut out: Vec<(String, Acl)> = Vec::new();
        for l in &linked {
            seats.push((
                seat_key(l.admin_id, &l.member),
                Acl::Seat {
                    admin: l.admin_id,
                    member: Some(l.member.clone()),
                    linked: true,
                },
            ));
            let Some(m) = members.iter().find(|m| m.admin_id == l.admin_id) else {
                continue;
            };
            let visible: Vec<u64> = if m.role == "admin" {
                jobs.keys().copied().collect()
            } else {
                m.offer_ids
                    .iter()
                    .copied()
                    .filter(|j| jobs.contains_key(j))
                    .collect()
            };
            for job in visible {
                grants.insert(grant_key(l.admin_id, job));
                out.push((
                    grant_key(l.admin_id, job),
                    Acl::Grant {
                        admin: l.admin_id,
                        job,
                        granted: true,
                    },
                ));
            }
        }
        let linked_keys: HashSet<String> = seats.iter().map(|(k, _)| k.clone()).collect();
        for (key, _) in self.repo().hashed(&self.t, &self.c, "U:").await? {
            if !linked_keys.contains(&key)
                && let Some((admin, member)) = parse_seat_key(&key)
            {
                seats.push((
                    key,
                    Acl::Seat {
                        admin,
                        member,
                        linked: false,
                    },
                ));
            }
        }
        for (key, _) in self.repo().hashed(&self.t, &self.c, "G:").await? {
            if grants.contains(&key) {
                continue;
            }
            let mut parts = key.trim_start_matches("G:").split(':');
            if let (Some(Ok(admin)), Some(Ok(job))) = (
                parts.next().map(str::parse::<u64>),
                parts.next().map(str::parse::<u64>),
            ) {
                out.push((
                    key.clone(),
                    Acl::Grant {
                        admin,
                        job,
                        granted: false,
                    },
                ));
            }
        }
        seats.extend(out);
        Ok(seats
            .into_iter()
            .map(|(key, acl)| Pulled::Ready {
                key,
                payload: Record::Access(acl),
            })
            .collect())
    }

    /// Sends ACL records: upserts, then withdrawals (one LinkedIn no longer holds is done).
    pub(super) async fn write_access(
        &mut self,
        acls: Vec<(usize, Acl)>,
        out: &mut [Option<WriteResult>],
    ) -> Result<(), SyncError> {
        let mut upserts: HashMap<Resource, Vec<(usize, String, Value)>> = HashMap::new();
        let mut deletes: HashMap<Resource, Vec<(usize, String)>> = HashMap::new();
        for (i, acl) in acls {
            match acl {
                Acl::Seat {
                    admin,
                    member: Some(m),
                    linked: true,
                } => upserts.entry(Resource::AclAssignees).or_default().push((
                    i,
                    format!("{}|{m}", group(admin)),
                    serde_json::json!({}),
                )),
                Acl::Seat {
                    admin,
                    member: Some(m),
                    linked: false,
                } => deletes
                    .entry(Resource::AclAssignees)
                    .or_default()
                    .push((i, format!("{}|{m}", group(admin)))),
                Acl::Seat { member: None, .. } => out[i] = Some(WriteResult::Updated),
                Acl::Grant {
                    admin,
                    job,
                    granted: true,
                } => upserts.entry(Resource::EntityAcls).or_default().push((
                    i,
                    format!("{}|{job}", group(admin)),
                    serde_json::json!({}),
                )),
                Acl::Grant {
                    admin,
                    job,
                    granted: false,
                } => deletes
                    .entry(Resource::EntityAcls)
                    .or_default()
                    .push((i, format!("{}|{job}", group(admin)))),
            }
        }
        for resource in [Resource::AclAssignees, Resource::EntityAcls] {
            for chunk in upserts
                .remove(&resource)
                .unwrap_or_default()
                .chunks(MAX_BATCH)
            {
                let entities: Vec<(String, Value)> = chunk
                    .iter()
                    .map(|(_, id, v)| (id.clone(), v.clone()))
                    .collect();
                let statuses = self
                    .update(super::write::Target::Top(resource), &entities)
                    .await?;
                for ((i, id, _), s) in chunk.iter().zip(statuses) {
                    out[*i] = Some(acl_result(resource, id, s));
                }
            }
            for chunk in deletes
                .remove(&resource)
                .unwrap_or_default()
                .chunks(MAX_BATCH)
            {
                let ids: Vec<&str> = chunk.iter().map(|(_, id)| id.as_str()).collect();
                let statuses = self.remove(resource, &ids).await?;
                for ((i, id), s) in chunk.iter().zip(statuses) {
                    out[*i] = Some(acl_result(resource, id, s));
                }
            }
        }
        Ok(())
    }
}

fn acl_result(resource: Resource, id: &str, s: EntityStatus) -> WriteResult {
    match s {
        EntityStatus::Done => WriteResult::Updated,
        EntityStatus::Refused { status, message } => WriteResult::Rejected(format!(
            "LinkedIn refused {} {id} (HTTP {status}): {message}",
            resource.name()
        )),
        EntityStatus::Failed(m) => WriteResult::Rejected(format!(
            "LinkedIn did not take {} {id}: {m}",
            resource.name()
        )),
    }
}
