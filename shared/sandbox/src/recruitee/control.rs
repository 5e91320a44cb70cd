//! The Recruitee simulator's control API: companies set up and loaded, a person's changes
//! (each sent to renkei as Recruitee's signed webhook), deletes, stats.

use super::*;

impl Sandbox {
    pub(super) fn with_recruitee<T>(
        &self,
        company: &str,
        f: impl FnOnce(&mut Company, DateTime<Utc>) -> Result<T, String>,
    ) -> Result<T, String> {
        let mut w = self.world();
        let now = w.clock.now();
        let c = w
            .state::<Recruitee>()
            .companies
            .get_mut(company)
            .ok_or_else(|| format!("no Recruitee company {company}"))?;
        f(c, now)
    }
}

/// The Recruitee simulator's control operations, for in-process callers (the same
/// operations as its control routes): `sandbox.recruitee().…`.
#[derive(Clone, Copy)]
pub struct RecruiteeControl<'a>(pub(super) &'a Sandbox);

impl Sandbox {
    /// The Recruitee simulator's control operations.
    pub fn recruitee(&self) -> RecruiteeControl<'_> {
        RecruiteeControl(self)
    }
}

impl RecruiteeControl<'_> {
    /// Sets up a Recruitee company (again: keeps its data, replaces token, limit, webhook).
    pub fn company(&self, company: &str, setup: RecruiteeSetup) {
        let mut w = self.0.world();
        w.state::<Recruitee>()
            .companies
            .entry(company.to_string())
            .or_default()
            .setup = setup;
    }

    /// Loads N candidates (with placements, stages, notes, interview results) and offers.
    pub fn load(&self, company: &str, load: &Load) -> Result<usize, String> {
        self.0
            .with_recruitee(company, |c, now| Ok(c.load(load, now)))
    }

    /// Every candidate, as the API answers them.
    pub fn candidates(&self, company: &str) -> Result<Vec<Value>, String> {
        self.0
            .with_recruitee(company, |c, _| Ok(c.candidates.values().cloned().collect()))
    }

    /// Every offer.
    pub fn offers(&self, company: &str) -> Result<Vec<Value>, String> {
        self.0
            .with_recruitee(company, |c, _| Ok(c.offers.values().cloned().collect()))
    }

    /// A candidate's notes and interview results.
    pub fn extras(&self, company: &str, id: u64) -> Result<(Vec<Value>, Vec<Value>), String> {
        self.0.with_recruitee(company, |c, _| {
            Ok((
                c.notes.get(&id).cloned().unwrap_or_default(),
                c.results.get(&id).cloned().unwrap_or_default(),
            ))
        })
    }

    /// Request statistics, with the calls refused as contract violations (each
    /// `{"call","violation"}`: a parameter or value docs.recruitee.com does not document).
    pub fn stats(&self, company: &str) -> Result<Value, String> {
        self.0.with_recruitee(company, |c, _| {
            Ok(
                json!({"requests": c.requests, "throttled": c.window.throttled,
                "candidates": c.candidates.len(), "violations": c.violations}),
            )
        })
    }

    /// From now on every candidates list read is followed by `leave` deletions of the
    /// newest candidates (without webhooks) and `arrive` new candidates at the front (0, 0:
    /// a quiet company again).
    pub fn churn(&self, company: &str, arrive: usize, leave: usize) -> Result<(), String> {
        self.0.with_recruitee(company, |c, _| {
            c.churn = (arrive, leave);
            Ok(())
        })
    }

    /// Changes a candidate (name, emails, stage, disqualify, note) or deletes one, or adds
    /// one, as a person in Recruitee would; Recruitee then sends its webhook unless `quiet`.
    /// Answers the webhook's delivery (status, answer), or null when none was sent.
    pub async fn edit(&self, company: &str, edit: Edit) -> Result<Value, String> {
        let (event, target) = self.0.with_recruitee(company, |c, now| {
            let event = match &edit {
                Edit::Change { id, change } => c.change(*id, change, now)?,
                Edit::Delete { id } => {
                    c.candidates
                        .remove(id)
                        .ok_or_else(|| format!("no candidate {id}"))?;
                    c.notes.remove(id);
                    c.results.remove(id);
                    json!({"event_type": "candidate_deleted", "payload": {"candidate": {"id": id}}})
                }
                Edit::Add { candidate } => c.add(candidate, now),
            };
            Ok((event, c.setup.webhook.clone().filter(|_| !edit.quiet())))
        })?;
        let Some(t) = target else {
            return Ok(json!({"event": event, "delivery": null}));
        };
        let id = {
            let mut w = self.0.world();
            let s = w.state::<Counter>();
            s.0 += 1;
            s.0
        };
        let mut body = event.clone();
        body["id"] = json!(id);
        body["attempt_count"] = json!(1);
        let answer = crate::webhooks::send_signed(
            self.0,
            "recruitee",
            &t.tenant,
            &t.connection,
            &t.secret,
            &body,
        )
        .await;
        Ok(json!({"event": body, "delivery": {"status": answer.status, "answer": answer.body}}))
    }
}

#[derive(Default)]
struct Counter(u64);

/// A change made in Recruitee by a person.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Changes a candidate: `{"name","emails","stage","disqualify","note","quiet"}`.
    Change {
        /// Candidate.
        id: u64,
        /// The change.
        change: Value,
    },
    /// Deletes a candidate with its notes and results (webhook `candidate_deleted`).
    Delete {
        /// Candidate.
        id: u64,
    },
    /// Adds a candidate `{"name","emails","offer_id"}`.
    Add {
        /// The candidate.
        candidate: Value,
    },
}

impl Edit {
    fn quiet(&self) -> bool {
        match self {
            Edit::Change { change: v, .. } | Edit::Add { candidate: v } => {
                v.get("quiet").and_then(Value::as_bool).unwrap_or(false)
            }
            Edit::Delete { .. } => false,
        }
    }
}

fn answer<T: serde::Serialize>(r: Result<T, String>) -> Response {
    match r {
        Ok(v) => Json(json!(v)).into_response(),
        Err(e) => control_error(StatusCode::NOT_FOUND, e),
    }
}

async fn control_setup(
    State(sb): State<Sandbox>,
    Path(company): Path<String>,
    Json(s): Json<RecruiteeSetup>,
) -> Response {
    sb.recruitee().company(&company, s);
    StatusCode::NO_CONTENT.into_response()
}

async fn control_load(
    State(sb): State<Sandbox>,
    Path(company): Path<String>,
    Json(l): Json<Load>,
) -> Response {
    answer(
        sb.recruitee()
            .load(&company, &l)
            .map(|n| json!({"loaded": n})),
    )
}

async fn control_candidates(State(sb): State<Sandbox>, Path(company): Path<String>) -> Response {
    answer(sb.recruitee().candidates(&company))
}

async fn control_add(
    State(sb): State<Sandbox>,
    Path(company): Path<String>,
    Json(candidate): Json<Value>,
) -> Response {
    answer(sb.recruitee().edit(&company, Edit::Add { candidate }).await)
}

async fn control_change(
    State(sb): State<Sandbox>,
    Path((company, id)): Path<(String, u64)>,
    Json(change): Json<Value>,
) -> Response {
    answer(
        sb.recruitee()
            .edit(&company, Edit::Change { id, change })
            .await,
    )
}

async fn control_delete(
    State(sb): State<Sandbox>,
    Path((company, id)): Path<(String, u64)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let edit = Edit::Delete { id };
    if q.get("quiet").is_some_and(|v| v == "true") {
        // Deleted without a webhook (a missed delivery).
        return answer(sb.with_recruitee(&company, |c, _| {
            c.candidates
                .remove(&id)
                .ok_or_else(|| format!("no candidate {id}"))?;
            c.notes.remove(&id);
            c.results.remove(&id);
            Ok(json!({"deleted": id, "delivery": null}))
        }));
    }
    answer(sb.recruitee().edit(&company, edit).await)
}

async fn control_stats(State(sb): State<Sandbox>, Path(company): Path<String>) -> Response {
    answer(sb.recruitee().stats(&company))
}

/// `/_control/recruitee/companies/{company_id}…` (docs/sandbox.md).
pub(super) fn routes() -> Router<Sandbox> {
    let base = "/recruitee/companies/{company}";
    Router::new()
        .route(base, put(control_setup))
        .route(&format!("{base}/load"), post(control_load))
        .route(
            &format!("{base}/candidates"),
            get(control_candidates).post(control_add),
        )
        .route(
            &format!("{base}/candidates/{{id}}"),
            axum::routing::patch(control_change).delete(control_delete),
        )
        .route(&format!("{base}/stats"), get(control_stats))
        .route(
            &format!("{base}/members/{{admin_id}}"),
            put(super::writes::control_member),
        )
}
