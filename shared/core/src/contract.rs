//! Port contract checks: the same assertions run against the embedded adapters (unit tests
//! of renkei-local) and the AWS adapters (tests/aws_adapters.rs, against moto server).
//! Each function panics with a message naming the broken rule.

use crate::ports::{
    Condition, Email, EventBus, Item, Key, Notifier, SecretStore, StateStore, StoreError,
};
use crate::repo::{LeaseClaim, Repo};
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
    // Paged: pages of 12 after the last key of the page before give the same 30 in order,
    // and nothing of the neighbouring prefixes ("C#" sorts right after "B#").
    store
        .put(
            Item::new(k("C#000"), json!("next prefix")),
            Condition::Always,
        )
        .await
        .expect("put neighbour");
    let mut paged = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .query_page(&format!("T#{ns}"), "B#", after.as_deref(), 12)
            .await
            .expect("query_page");
        assert!(page.len() <= 12, "a page holds at most its limit");
        let full = page.len() == 12;
        after = page.last().map(|i| i.key.sk.clone());
        paged.extend(page.into_iter().map(|i| i.key.sk));
        assert!(
            paged.len() <= 30,
            "query_page must go on after `after`: {paged:?}"
        );
        if !full {
            break;
        }
    }
    let whole: Vec<String> = listed.iter().map(|i| i.key.sk.clone()).collect();
    assert_eq!(paged, whole, "query_page, page after page, is query");
    assert!(
        store
            .query_page(&format!("T#{ns}"), "B#", Some("B#029"), 12)
            .await
            .expect("query_page past the end")
            .is_empty(),
        "nothing after the last key"
    );
    // Backwards: pages of 12 before the last key of the page before give the same 30,
    // last first, and nothing of the neighbouring prefix.
    let mut back = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let page = store
            .query_page_back(&format!("T#{ns}"), "B#", before.as_deref(), 12)
            .await
            .expect("query_page_back");
        assert!(page.len() <= 12, "a page holds at most its limit");
        let full = page.len() == 12;
        before = page.last().map(|i| i.key.sk.clone());
        back.extend(page.into_iter().map(|i| i.key.sk));
        assert!(
            back.len() <= 30,
            "query_page_back must go on before `before`: {back:?}"
        );
        if !full {
            break;
        }
    }
    let reversed: Vec<String> = whole.iter().rev().cloned().collect();
    assert_eq!(
        back, reversed,
        "query_page_back, page after page, is query reversed"
    );
    assert!(
        store
            .query_page_back(&format!("T#{ns}"), "B#", Some("B#000"), 12)
            .await
            .expect("query_page_back past the start")
            .is_empty(),
        "nothing before the first key"
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

/// Leases: one holder at a time, renewal only by the holder at its generation, takeover
/// after expiry with a higher generation, conditional release, and fenced writes that land
/// only while the writer's lease holds (the same rules on both adapters).
pub async fn leases(store: &dyn StateStore, ns: &str) {
    let repo = Repo::new(store);
    let t = TenantId::new(ns).expect("tenant");
    let c = ConnectionId::new("lease").expect("conn");
    let t0 = Utc
        .with_ymd_and_hms(2026, 11, 21, 0, 0, 0)
        .single()
        .expect("time");
    let min = Duration::minutes;
    let (ra, rb) = (
        RunId::new("run-a").expect("id"),
        RunId::new("run-b").expect("id"),
    );
    let LeaseClaim::Taken {
        lease: mut a,
        abandoned,
    } = repo
        .acquire_lease(&t, &c, "a", &ra, t0, t0 + min(5))
        .await
        .expect("acquire")
    else {
        panic!("a free lease is taken")
    };
    assert_eq!(abandoned, None, "nobody held it before");
    assert_eq!(
        repo.acquire_lease(&t, &c, "b", &rb, t0 + min(1), t0 + min(6))
            .await
            .expect("acquire"),
        LeaseClaim::Held,
        "a held lease is refused"
    );
    repo.renew_lease(&t, &c, &mut a, t0 + min(7))
        .await
        .expect("the holder renews");
    assert_eq!(
        repo.acquire_lease(&t, &c, "b", &rb, t0 + min(6), t0 + min(11))
            .await
            .expect("acquire"),
        LeaseClaim::Held,
        "a renewed lease is not expired at its old expiry"
    );
    let note = |item: &str| Item::new(Key::new(format!("T#{ns}#C#lease"), item), json!(item));
    repo.commit(&a.fence(&t, &c), vec![note("X#1")])
        .await
        .expect("the holder's fenced write lands");

    let LeaseClaim::Taken {
        lease: b,
        abandoned,
    } = repo
        .acquire_lease(&t, &c, "b", &rb, t0 + min(8), t0 + min(13))
        .await
        .expect("acquire")
    else {
        panic!("an expired lease is taken over")
    };
    assert_eq!(
        abandoned.map(|l| l.run_id),
        Some(ra.clone()),
        "the takeover names the run that never released"
    );
    assert!(
        b.generation > a.generation,
        "a takeover moves the generation on"
    );
    assert!(
        matches!(
            repo.renew_lease(&t, &c, &mut a.clone(), t0 + min(20)).await,
            Err(StoreError::ConditionFailed)
        ),
        "the old holder cannot renew (nor re-take) a lease it lost"
    );
    assert!(
        matches!(
            repo.commit(&a.fence(&t, &c), vec![note("X#2")]).await,
            Err(StoreError::ConditionFailed)
        ),
        "the old holder's fenced writes are refused"
    );
    assert!(
        store.get(&note("X#2").key).await.expect("get").is_none(),
        "and nothing of them is written"
    );
    repo.release_lease(&t, &c, &a)
        .await
        .expect("a stale release is a no-op");
    assert_eq!(
        repo.acquire_lease(&t, &c, "c", &ra, t0 + min(9), t0 + min(14))
            .await
            .expect("acquire"),
        LeaseClaim::Held,
        "a stale holder's release leaves the new holder's lease in place"
    );
    repo.release_lease(&t, &c, &b).await.expect("release");
    let LeaseClaim::Taken {
        lease: d,
        abandoned,
    } = repo
        .acquire_lease(&t, &c, "d", &ra, t0 + min(9), t0 + min(14))
        .await
        .expect("acquire")
    else {
        panic!("a released lease is free before its expiry")
    };
    assert_eq!(abandoned, None, "a released lease names no interrupted run");
    assert!(
        d.generation > b.generation + 1,
        "a release moves the generation on too"
    );
    repo.break_lease(&t, &c, t0 + min(10)).await.expect("break");
    assert!(
        matches!(
            repo.commit(&d.fence(&t, &c), vec![note("X#3")]).await,
            Err(StoreError::ConditionFailed)
        ),
        "a broken lease (disconnect) fences its holder"
    );
    let stored = store
        .get(&Key::new(format!("T#{ns}#C#lease"), "LEASE"))
        .await
        .expect("get")
        .expect("the lease item stays");
    assert_eq!(
        stored.expires_at, None,
        "the lease item has no TTL: the store never deletes it under a crashed holder"
    );
}

/// Fenced writes go in atomic groups of at most 100 actions: many items (more than one
/// DynamoDB transaction) all land while the fence holds; a key named twice keeps the last.
pub async fn fenced_batches(store: &dyn StateStore, ns: &str) {
    let repo = Repo::new(store);
    let t = TenantId::new(ns).expect("tenant");
    let c = ConnectionId::new("batch").expect("conn");
    let now = Utc::now();
    let LeaseClaim::Taken { lease, .. } = repo
        .acquire_lease(
            &t,
            &c,
            "a",
            &RunId::new("run-a").expect("id"),
            now,
            now + Duration::minutes(5),
        )
        .await
        .expect("acquire")
    else {
        panic!("free lease")
    };
    let pk = format!("T#{ns}#C#batch");
    let mut items: Vec<Item> = (0..230)
        .map(|i| Item::new(Key::new(pk.clone(), format!("H#{i:04}")), json!(i)))
        .collect();
    items.push(Item::new(Key::new(pk.clone(), "H#0007"), json!("last")));
    repo.commit(&lease.fence(&t, &c), items)
        .await
        .expect("fenced batches");
    let stored = store.query(&pk, "H#").await.expect("query");
    assert_eq!(stored.len(), 230, "every item landed once");
    let seven = store
        .get(&Key::new(pk.clone(), "H#0007"))
        .await
        .expect("get")
        .expect("present");
    assert_eq!(seven.body, json!("last"), "the last write of a key wins");
    let dup_keys = vec![
        Key::new(pk.clone(), "H#0001"),
        Key::new(pk.clone(), "H#0001"),
    ];
    assert_eq!(
        store
            .get_many(&dup_keys)
            .await
            .expect("get_many with a repeated key")
            .len(),
        1
    );
    store
        .put_many(vec![
            Item::new(Key::new(pk.clone(), "H#0002"), json!("a")),
            Item::new(Key::new(pk.clone(), "H#0002"), json!("b")),
        ])
        .await
        .expect("put_many with a repeated key");
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
