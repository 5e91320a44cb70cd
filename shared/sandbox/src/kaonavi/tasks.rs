//! Kaonavi's asynchronous writes: `POST`/`PATCH /members` answer a task id at once; the task
//! runs afterwards (for `task_seconds` of simulated time) and only then writes its members,
//! all or nothing: a member it cannot take (a 社員番号 registered twice, an update of one that
//! does not exist) makes the whole task NG and nothing is written. `GET /tasks/{id}` answers
//! RUNNING until the task has run and the company's `task_polls_before_done` polls are spent.

use super::{Company, MEMBER_FIELDS};
use crate::Sandbox;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use std::collections::HashSet;

/// A task's result: `OK`, or `NG` with its messages.
pub(super) struct Outcome {
    status: &'static str,
    messages: Vec<String>,
}

pub(in crate::kaonavi) struct Task {
    /// None until the task has run.
    outcome: Option<Outcome>,
    /// When it runs (simulated time).
    due: DateTime<Utc>,
    polls_left: u32,
}

/// The work of a task that has not run yet.
pub(in crate::kaonavi) struct PendingWrite {
    pub(super) members: Vec<Map<String, Value>>,
    pub(super) create: bool,
    pub(super) dry_run: bool,
}

impl Company {
    /// Starts task `id` for `work`: it runs `task_seconds` after `now` (at once when 0).
    pub(super) fn start_task(&mut self, id: u64, work: PendingWrite, now: DateTime<Utc>) {
        let after = chrono::Duration::milliseconds((self.setup.task_seconds * 1000.0) as i64);
        self.tasks.insert(
            id,
            Task {
                outcome: None,
                due: now + after.max(chrono::Duration::zero()),
                polls_left: self.setup.task_polls_before_done,
            },
        );
        self.pending.insert(id, work);
        self.settle(now);
    }

    /// Runs, in the order they were sent, the tasks whose time has come.
    pub(super) fn settle(&mut self, now: DateTime<Utc>) {
        let due: Vec<u64> = self
            .pending
            .keys()
            .copied()
            .filter(|id| self.tasks.get(id).is_some_and(|t| t.due <= now))
            .collect();
        for id in due {
            let Some(work) = self.pending.remove(&id) else {
                continue;
            };
            let outcome = self.run(work, now);
            if let Some(t) = self.tasks.get_mut(&id) {
                t.outcome = Some(outcome);
            }
        }
    }

    /// Every task still running finishes now (`POST …/tasks/finish`): answers how many.
    pub(super) fn finish_all(&mut self, now: DateTime<Utc>) -> usize {
        let mut n = 0;
        for t in self.tasks.values_mut().filter(|t| t.outcome.is_none()) {
            t.due = now;
            t.polls_left = 0;
            n += 1;
        }
        self.settle(now);
        n
    }

    /// The task-time checks, then the write (nothing on NG or on a dry run).
    fn run(&mut self, work: PendingWrite, now: DateTime<Utc>) -> Outcome {
        let mut seen = HashSet::new();
        let mut ng = Vec::new();
        for m in &work.members {
            let code = code_of(m);
            if !seen.insert(code.clone()) {
                ng.push(format!("社員番号「{code}」が重複しています"));
            } else if work.create && self.members.contains_key(&code) {
                ng.push(format!("社員番号「{code}」は既に登録されています"));
            } else if !work.create && !self.members.contains_key(&code) {
                ng.push(format!("社員番号「{code}」のメンバーが存在しません"));
            }
        }
        if !ng.is_empty() {
            return Outcome {
                status: "NG",
                messages: ng,
            };
        }
        if !work.dry_run {
            for m in work.members {
                let entry = self.members.entry(code_of(&m)).or_default();
                for (k, v) in m {
                    if MEMBER_FIELDS.contains(&k.as_str()) {
                        entry.insert(k, v);
                    }
                }
            }
            self.updated_at = now;
        }
        Outcome {
            status: "OK",
            messages: Vec::new(),
        }
    }

    /// A poll's answer: RUNNING (documented without messages) until the task has its
    /// outcome and the configured RUNNING polls are spent.
    fn progress(&mut self, id: u64) -> Option<Value> {
        let t = self.tasks.get_mut(&id)?;
        if t.polls_left > 0 || t.outcome.is_none() {
            t.polls_left = t.polls_left.saturating_sub(1);
            return Some(json!({"id": id, "status": "RUNNING"}));
        }
        let o = t.outcome.as_ref()?;
        Some(json!({"id": id, "status": o.status, "messages": o.messages}))
    }
}

fn code_of(m: &Map<String, Value>) -> String {
    m.get("code")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// `GET /tasks/{id}`.
pub(super) async fn task(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Response {
    let mut w = sb.world();
    let key = match super::enter(&mut w, &headers, super::Call::Task(id), |_| true) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let company = w
        .state::<super::Kaonavi>()
        .companies
        .get_mut(&key)
        .expect("entered company exists");
    company.stats.task_polls += 1;
    match company.progress(id) {
        Some(answer) => Json(answer).into_response(),
        None => super::errors(StatusCode::NOT_FOUND, &["タスクが見つかりません".into()]),
    }
}
