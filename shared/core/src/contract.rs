//! Port contract checks: the same assertions run against the embedded adapters (unit tests
//! of renkei-local) and the AWS adapters (tests/aws_adapters.rs, against moto server).
//! Each function panics with a message naming the broken rule.

use crate::ports::{
    Condition, Email, EventBus, Item, Key, Notifier, SecretStore, StateStore, StoreError,
};
use crate::repo::{Lease, Repo};
use crate::{ConnectionId, RunId, TenantId};
use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

/// Conditional writes, queries in sort order, batch reads/writes, deletes, the due index.
/// `ns` keeps runs against a shared store apart.
pub async fn state_store(store: &dyn StateStore, ns: &str) {
    let k = |sk: &str| Key::new(format!("T#{ns}"), sk);
    let mut item = Item::new(k("A#1"), json!({"n": 1}));
    store
        .put(item.clone(), Condition::NotExists)
        .await
        .expect("first put");
    assert!(
        matches!(
            store.put(item.clone(), Condition::NotExists).await,
            Err(StoreError::ConditionFailed)
        ),
        "NotExists must refuse an existing item"
    );
    item.version = 2;
    item.body = json!({"n": 2});
    store
        .put(item.clone(), Condition::VersionIs(1))
        .await
        .expect("version 1 matches");
    assert!(
        matches!(
            store.put(item.clone(), Condition::VersionIs(1)).await,
            Err(StoreError::ConditionFailed)
        ),
        "a stale version must be refused"
    );
    let got = store.get(&k("A#1")).await.expect("get").expect("present");
    assert_eq!(got.body, json!({"n": 2}));
    assert_eq!(got.version, 2);

    let many: Vec<Item> = (0..30)
        .map(|i| Item::new(k(&format!("B#{i:03}")), json!(i)))
        .collect();
    store.put_many(many).await.expect("put_many");
    let listed = store.query(&format!("T#{ns}"), "B#").await.expect("query");
    assert_eq!(listed.len(), 30, "query returns the whole prefix");
    assert!(
        listed.windows(2).all(|w| w[0].key.sk < w[1].key.sk),
        "query is in sort-key order"
    );
    let keys: Vec<Key> = vec![k("B#001"), k("B#029"), k("B#999")];
    assert_eq!(
        store.get_many(&keys).await.expect("get_many").len(),
        2,
        "absent keys are left out"
    );
    store.delete(&k("B#001")).await.expect("delete");
    assert!(store.get(&k("B#001")).await.expect("get").is_none());
    store
        .delete(&k("B#001"))
        .await
        .expect("deleting an absent item is fine");

    let base = 1_900_000_000 + i64::from(fastrand::u16(..)); // far future: other data is not due
    let mut due = Item::new(k("D#due"), json!("due"));
    due.due_at = Some(base);
    let mut later = Item::new(k("D#later"), json!("later"));
    later.due_at = Some(base + 600);
    store.put(due, Condition::Always).await.expect("put due");
    store
        .put(later, Condition::Always)
        .await
        .expect("put later");
    let found: Vec<_> = store
        .due(base + 1)
        .await
        .expect("due")
        .into_iter()
        .filter(|i| i.key.pk == format!("T#{ns}"))
        .map(|i| i.key.sk)
        .collect();
    assert_eq!(
        found,
        vec!["D#due".to_string()],
        "only items due by now are listed"
    );
}

/// Leases: one holder at a time, renewal by the holder, takeover after expiry.
pub async fn leases(store: &dyn StateStore, ns: &str) {
    let repo = Repo::new(store);
    let t = TenantId::new(ns).expect("tenant");
    let c = ConnectionId::new("lease").expect("conn");
    let t0 = Utc
        .with_ymd_and_hms(2026, 11, 21, 0, 0, 0)
        .single()
        .expect("time");
    let a = Lease {
        owner: "a".into(),
        run_id: RunId::new("run-a").expect("id"),
        expires_at: t0 + Duration::minutes(5),
    };
    let b = Lease {
        owner: "b".into(),
        run_id: RunId::new("run-b").expect("id"),
        expires_at: t0 + Duration::minutes(10),
    };
    assert_eq!(
        repo.acquire_lease(&t, &c, &a, t0).await.expect("acquire"),
        Some(None),
        "a free lease is taken"
    );
    assert_eq!(
        repo.acquire_lease(&t, &c, &b, t0 + Duration::minutes(1))
            .await
            .expect("acquire"),
        None,
        "a held lease is refused"
    );
    repo.renew_lease(&t, &c, &a, t0 + Duration::minutes(2))
        .await
        .expect("the holder renews");
    let taken = repo
        .acquire_lease(&t, &c, &b, t0 + Duration::minutes(6))
        .await
        .expect("acquire");
    assert_eq!(
        taken.flatten().map(|l| l.owner),
        Some("a".to_string()),
        "an expired lease is taken over and the old holder named"
    );
    assert!(
        repo.renew_lease(&t, &c, &a, t0 + Duration::minutes(7))
            .await
            .is_err(),
        "the old holder lost it"
    );
    repo.release_lease(&t, &c, "b").await.expect("release");
    assert!(
        repo.acquire_lease(&t, &c, &a, t0 + Duration::minutes(7))
            .await
            .expect("acquire")
            .is_some(),
        "released lease is free"
    );
}

/// Secrets: create, read, replace, delete.
pub async fn secrets(store: &dyn SecretStore, ns: &str) {
    let name = format!("renkei/{ns}/contract");
    store.put(&name, "one").await.expect("create");
    assert_eq!(store.get(&name).await.expect("get").as_deref(), Some("one"));
    store.put(&name, "two").await.expect("replace");
    assert_eq!(store.get(&name).await.expect("get").as_deref(), Some("two"));
    store.delete(&name).await.expect("delete");
    assert_eq!(
        store.get(&name).await.expect("get"),
        None,
        "a deleted secret is gone"
    );
}

/// Mail: an email with a Japanese subject is accepted.
pub async fn notifier(n: &dyn Notifier) {
    let email = Email {
        to: vec!["admin@example.co.jp".into()],
        subject: "連携に失敗しました".into(),
        body: "エラー内容".into(),
    };
    n.send(&email).await.expect("send");
}

/// Bus: 25 events (more than one PutEvents batch) are all delivered.
pub async fn event_bus(bus: &dyn EventBus) {
    let events: Vec<_> = (0..25)
        .map(|i| crate::ports::BusEvent {
            source: "renkei".into(),
            detail_type: "ContractTest".into(),
            detail: json!({"i": i}),
        })
        .collect();
    bus.publish(&events).await.expect("publish");
}
