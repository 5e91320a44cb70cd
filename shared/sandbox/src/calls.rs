//! Which vendor endpoints renkei's clients called: every request of theirs (they send
//! `User-Agent: renkei/<version>`) a simulator's routes matched,
//! as (vendor, method, the route's path on the vendor's host). Tests compare it with the
//! contract docs (docs/contracts/<vendor>.md must name every endpoint a client calls).
//!
//! Kept per sandbox (`Sandbox::calls`) and, when `RENKEI_SANDBOX_CALLS` names a directory,
//! appended there too (one file per process, each distinct call once per sandbox), so the
//! calls of a whole test run can be checked after it.

use crate::Sandbox;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeSet;
use std::io::Write;

/// One endpoint called.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Call {
    /// The simulator (vendor) name.
    pub vendor: String,
    /// HTTP method.
    pub method: String,
    /// The route's path below the simulator's namespace (`/kaonavi`, `/hrbrain`), path
    /// parameters as `{name}`.
    pub path: String,
}

impl Call {
    /// The line written to the call log: `vendor<TAB>METHOD<TAB>path`.
    pub fn line(&self) -> String {
        format!("{}\t{}\t{}", self.vendor, self.method, self.path)
    }

    /// Reads a line of the call log.
    pub fn parse(line: &str) -> Option<Self> {
        let mut parts = line.split('\t');
        let (vendor, method, path) = (parts.next()?, parts.next()?, parts.next()?);
        Some(Self {
            vendor: vendor.into(),
            method: method.into(),
            path: path.into(),
        })
    }
}

/// The calls one sandbox saw.
#[derive(Default)]
pub(crate) struct Calls(BTreeSet<Call>);

/// The environment variable naming the directory of the call log.
pub const CALL_LOG_DIR: &str = "RENKEI_SANDBOX_CALLS";

/// Middleware on one simulator's routes: notes the matched route.
pub(crate) async fn record(
    State((sb, vendor, prefix)): State<(Sandbox, &'static str, &'static str)>,
    matched: Option<MatchedPath>,
    req: Request,
    next: Next,
) -> Response {
    // renkei's vendor clients say who they are (renkei_vendors::http::USER_AGENT); requests
    // a test sends itself, or a browser loading a widget, are not the clients' calls.
    let from_renkei = req
        .headers()
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ua| ua.starts_with("renkei/"));
    if let Some(m) = matched.filter(|_| from_renkei) {
        // Below the simulator's namespace (`/kaonavi`), the sandbox's paths are the vendor's
        // (`/api/v2.0/token`), but for a few host names served as path segments.
        let namespace = prefix
            .char_indices()
            .skip(1)
            .find(|&(_, c)| c == '/')
            .map_or(prefix, |(i, _)| &prefix[..i]);
        let route = m.as_str();
        let route = route.strip_prefix(namespace).unwrap_or(route);
        let path = if route.contains("{*") {
            let real = req.uri().path();
            generalise(real.strip_prefix(namespace).unwrap_or(real))
        } else {
            route.to_string()
        };
        let call = Call {
            vendor: vendor.to_string(),
            method: req.method().as_str().to_string(),
            path,
        };
        let new = sb.world().state::<Calls>().0.insert(call.clone());
        if new {
            append(&call);
        }
    }
    next.run(req).await
}

/// A path a catch-all route matched (LinkedIn's API: one route, many resources), with each
/// segment that is no resource name (an id, an encoded key) written `{key}`.
fn generalise(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            let name = seg.starts_with(|c: char| c.is_ascii_alphabetic())
                && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if seg.is_empty() || name { seg } else { "{key}" }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn append(call: &Call) {
    let Some(dir) = std::env::var_os(CALL_LOG_DIR) else {
        return;
    };
    let file = std::path::Path::new(&dir).join(format!("calls-{}.log", std::process::id()));
    // The log is a test aid: a write that fails shows as a missing call, never as a fault
    // of the simulated vendor.
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
    {
        // One write per line: sandboxes on other threads append to the same file.
        let _ = f.write_all(format!("{}\n", call.line()).as_bytes());
    }
}

impl Sandbox {
    /// Every endpoint called since the sandbox started (or was reset), in order.
    pub fn calls(&self) -> Vec<Call> {
        self.world().state::<Calls>().0.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catch_all_path_keeps_resource_names_and_generalises_keys() {
        assert_eq!(
            generalise("/v2/atsCandidates/(atsCandidateId:7,dataProvider:ATS)/notes"),
            "/v2/atsCandidates/{key}/notes"
        );
        assert_eq!(
            generalise("/v2/provisionedApplications/urn%3Ali%3Aapp%3A9"),
            "/v2/provisionedApplications/{key}"
        );
        assert_eq!(generalise("/v2/seatsV2"), "/v2/seatsV2");
    }
}
