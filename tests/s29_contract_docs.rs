//! Issue 29 item 6: every endpoint a vendor client calls appears in its contract doc
//! (docs/contracts/<vendor>.md, as `` `METHOD /path` ``), so the docs cannot fall behind the
//! clients. The sandbox notes every route its simulators matched (renkei_sandbox::Call).
//!
//! Two runs: the demo of every connector here, always; and, when tests/run.sh has recorded
//! the calls of the whole test suite (`RENKEI_SANDBOX_CALLS`) and names that log in
//! `RENKEI_CHECK_CALLS`, every call any test made.

use renkei_sandbox::{Call, Limits};
use renkei_testbed::SandboxEnv;
use renkei_testbed::demo::{DemoSize, scenarios};
use std::collections::{BTreeMap, BTreeSet};

/// A path with every parameter written `{}`: `{company}`, `{candidate key}` and `{id}` name
/// the same place.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    out.push_str("{}");
                }
                depth += 1;
            }
            '}' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The (METHOD, path shape) pairs a contract doc names in backticks.
fn documented(vendor: &str) -> BTreeSet<(String, String)> {
    let file = format!("{}/docs/contracts/{vendor}.md", env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut out = BTreeSet::new();
    for code in doc.split('`').skip(1).step_by(2) {
        let Some((method, rest)) = code.split_once(' ') else {
            continue;
        };
        let http = ["GET", "POST", "PUT", "PATCH", "DELETE"];
        if !http.contains(&method) {
            continue;
        }
        // `https://www.linkedin.com/oauth/…`: the path on that host.
        let rest = rest
            .strip_prefix("https://")
            .and_then(|r| r.find('/').map(|i| &r[i..]))
            .unwrap_or(rest);
        if !rest.starts_with('/') {
            continue;
        }
        let path = shape(rest.split('?').next().unwrap_or(rest));
        let path = path.split([' ', ',']).next().unwrap_or(&path);
        out.insert((method.to_string(), path.to_string()));
    }
    out
}

/// The path on the vendor's own host for a route of its simulator: HRBrain serves each
/// company under `/{subdomain}` and Personio's career sites under `/jobs/{domain}` in the
/// sandbox, where the real ones are hosts.
fn on_vendor_host(call: &Call) -> String {
    match call.vendor.as_str() {
        "hrbrain" => match call.path.strip_prefix("/{") {
            Some(rest) => rest
                .find('/')
                .map_or(String::new(), |i| rest[i..].to_string()),
            None => call.path.clone(),
        },
        "personio" => call
            .path
            .strip_prefix("/jobs/{domain}")
            .unwrap_or(&call.path)
            .to_string(),
        _ => call.path.clone(),
    }
}

/// The calls no contract doc names, as `vendor: METHOD /path`.
fn undocumented(calls: &[Call]) -> Vec<String> {
    let mut docs: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    calls
        .iter()
        // Talentwunder's CVs come from whatever address a profile names; the sandbox's file
        // server stands in for those hosts, it is no Talentwunder endpoint.
        .filter(|c| !(c.vendor == "talentwunder" && c.path.starts_with("/files/")))
        .filter(|c| {
            let doc = docs
                .entry(c.vendor.clone())
                .or_insert_with(|| documented(&c.vendor));
            !doc.contains(&(c.method.clone(), shape(&on_vendor_host(c))))
        })
        .map(|c| format!("{}: {} {}", c.vendor, c.method, on_vendor_host(c)))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s29_6_every_endpoint_the_demo_calls_is_in_its_contract_doc() {
    let env = SandboxEnv::start(Limits::default(), 1).await.unwrap();
    let size = DemoSize {
        employees: 12,
        applicants: 12,
    };
    for scenario in scenarios() {
        scenario
            .run(&env, size)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", scenario.connector()));
    }
    let calls = env.sandbox.calls();
    let vendors: BTreeSet<&str> = calls.iter().map(|c| c.vendor.as_str()).collect();
    // Every vendor of the five connectors was called (Talentwunder only serves CV files, which
    // the demo's profiles do not carry).
    for v in [
        "mynavi",
        "hrmos",
        "roumumate",
        "kaonavi",
        "hrbrain",
        "mikiwame",
        "personio",
        "recruitee",
        "linkedin",
    ] {
        assert!(
            vendors.contains(v),
            "the demo called no {v} endpoint: {calls:?}"
        );
    }
    let missing = undocumented(&calls);
    assert!(
        missing.is_empty(),
        "endpoints the clients call that their contract doc does not name:\n{}",
        missing.join("\n")
    );
}

#[test]
fn s29_6_every_endpoint_any_test_called_is_in_its_contract_doc() {
    let Some(dir) = std::env::var_os("RENKEI_CHECK_CALLS") else {
        eprintln!(
            "not checked here: tests/run.sh runs this after the suite with RENKEI_CHECK_CALLS"
        );
        return;
    };
    let mut calls = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("the call log directory") {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        calls.extend(text.lines().filter_map(Call::parse));
    }
    let calls: Vec<Call> = calls.into_iter().collect();
    assert!(
        calls.len() >= 40,
        "the suite's call log holds only {} endpoints: was RENKEI_SANDBOX_CALLS set?",
        calls.len()
    );
    let missing = undocumented(&calls);
    assert!(
        missing.is_empty(),
        "endpoints the clients call that their contract doc does not name:\n{}",
        missing.join("\n")
    );
}

#[test]
fn a_doc_names_a_call_whatever_it_calls_the_parameters() {
    assert_eq!(
        shape("/c/{company}/candidates/{id}/notes"),
        "/c/{}/candidates/{}/notes"
    );
    assert_eq!(
        shape("/v2/atsCandidates/{candidate key}/notes"),
        "/v2/atsCandidates/{}/notes"
    );
    let call = Call {
        vendor: "recruitee".into(),
        method: "GET".into(),
        path: "/c/{company}/offers".into(),
    };
    assert!(undocumented(std::slice::from_ref(&call)).is_empty());
    let invented = Call {
        path: "/c/{company}/invented".into(),
        ..call
    };
    assert_eq!(
        undocumented(&[invented]),
        ["recruitee: GET /c/{company}/invented"]
    );
}
