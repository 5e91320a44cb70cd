//! What a customer's integration context holds: entities by collection, upserted with the
//! references LinkedIn checks (an application's candidate and job, an ACL's job) and
//! omitted application fields nulled, deleted with what hangs off them.

use super::contract;
use super::*;

impl Context {
    pub(super) fn holds(&self, collection: &str, id: &str) -> bool {
        self.entities
            .get(collection)
            .is_some_and(|m| m.contains_key(id))
    }

    pub(super) fn upsert(
        &mut self,
        collection: &str,
        id: &str,
        mut e: Value,
    ) -> Result<(), (u16, String)> {
        let text =
            |v: &Value, k: &str| v[k].as_str().map(str::trim).unwrap_or_default().to_string();
        match collection {
            "atsEntityAcls" => {
                let job = id.split_once('|').map_or("", |(_, j)| j);
                if !self.jobs.contains_key(job) {
                    return Err((422, format!("job {job} is not synced")));
                }
            }
            "atsApplications" => {
                let missing: Vec<&str> = contract::APPLICATION
                    .iter()
                    .map(|(f, _, _)| *f)
                    .filter(|f| e.get(*f).is_none())
                    .collect();
                if !missing.is_empty() {
                    // sync-applications: "Omitting a field will set it to null."
                    self.nulled.push(format!("{id}: {}", missing.join(", ")));
                    for f in missing {
                        e[f] = Value::Null;
                    }
                }
                let cand = text(&e, "atsCandidateId");
                if !self.holds("atsCandidates", &cand) {
                    return Err((422, format!("candidate {cand} is not synced")));
                }
                let job = text(&e, "atsJobPostingId");
                if !self.jobs.contains_key(&job) {
                    return Err((422, format!("job {job} is not synced")));
                }
            }
            _ => {}
        }
        self.entities
            .entry(collection.to_string())
            .or_default()
            .insert(id.to_string(), e);
        Ok(())
    }

    /// Deletes an entity with what hangs off it; false when it was not held.
    pub(super) fn delete(&mut self, collection: &str, id: &str) -> bool {
        let removed = self
            .entities
            .get_mut(collection)
            .and_then(|m| m.remove(id))
            .is_some();
        let prefix = format!("{id}|");
        let under = |c: &str| c.starts_with(&format!("{collection}/"));
        // Sub-resource entries are kept as "{parent}|{id}".
        for (c, m) in self.entities.iter_mut() {
            if under(c) {
                m.retain(|k, _| !k.starts_with(&prefix));
            }
        }
        if collection == "atsCandidates" {
            let apps: Vec<String> = self
                .entities
                .get("atsApplications")
                .into_iter()
                .flat_map(|m| m.iter())
                .filter(|(_, a)| a["atsCandidateId"] == id)
                .map(|(k, _)| k.clone())
                .collect();
            for a in apps {
                self.delete("atsApplications", &a);
            }
        }
        removed
    }
}
