//! Issue 30 item 3: the conformance kit (tests/support/conformance.rs) — crash at every step,
//! an idempotent rerun, a dry run, a no-change run — on the example connector and on C2; and
//! the platform's run-state and lease guarantees on the example connector, so that they are
//! shown to hold for a connector other than Kaonavi.

use renkei_core::engine::{NoHook, Outcome, RunRequest, RunStatus, Step};
use renkei_e2e::conformance::{self, Crashed, Example, ExampleWorld, RoumumateKaonavi, Subject};
use renkei_e2e::example::Person;
use renkei_e2e::{CrashAt, employee};
use serde_json::Value;

#[tokio::test]
async fn s30_3_conformance_example() {
    let people: Vec<Person> = (1..=5)
        .map(|i| Person {
            id: format!("p{i}"),
            name: format!("Person {i}"),
        })
        .collect();
    conformance::check(&Example, &people).await;
}

#[tokio::test]
async fn s30_3_conformance_roumumate_kaonavi() {
    let employees: Vec<Value> = (1..=12)
        .map(|i| employee(&format!("e{i}"), &format!("{i:04}"), "山田", "太郎"))
        .collect();
    conformance::check(&RoumumateKaonavi { page_size: 5 }, &employees).await;
}

/// The platform's run-state guarantees (P3) on a connector that is not Kaonavi: after a crash
/// at any step and the rerun that takes the expired lease over, no run is left `running`,
/// the crashed one reads `interrupted` (once it had opened), and the target holds every
/// record once.
#[tokio::test]
async fn p3_s30_3_crash_guarantees_hold_on_the_example_connector() {
    let people: Vec<Person> = (1..=4)
        .map(|i| Person {
            id: format!("p{i}"),
            name: format!("Person {i}"),
        })
        .collect();
    conformance::crash_at_every_step_then(
        &Example,
        &people,
        async |w: &ExampleWorld, crash: &Crashed| {
            let (step, nth) = (crash.step, crash.nth);
            assert_eq!(crash.rerun.status, RunStatus::Succeeded, "{step:?}/{nth}");
            let written: std::collections::BTreeSet<String> = w
                .world
                .written
                .lock()
                .unwrap()
                .iter()
                .map(|p| p.id.clone())
                .collect();
            assert_eq!(written.len(), 4, "crash at {step:?} (#{nth}): every record");
            crash.assert_run_states(&w.env, &w.t, &w.c).await;
        },
    )
    .await;
}

/// P5 on the example connector: a run holding the lease makes a person's second request
/// wait for it instead of running beside it.
#[tokio::test]
async fn p5_s30_3_a_held_lease_skips_a_second_run_of_the_example_connector() {
    let w = Example.world(&[]).await;
    let req = RunRequest::manual(w.t.clone(), w.c.clone());
    assert!(
        w.env
            .backend
            .run(&req, &CrashAt::new(Step::RunOpened, 1))
            .await
            .is_err()
    );
    let second = w.env.backend.run(&req, &NoHook).await.unwrap();
    assert!(
        matches!(second, Outcome::Skipped(ref why) if why.contains("under way")),
        "{second:?}"
    );
}
