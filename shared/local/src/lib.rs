//! Embedded implementations of the renkei ports, for running without AWS (P13):
//! a single-file transactional store (redb), secrets in the same file, mail written as .eml
//! files to an outbox folder, and an in-process event bus.
//!
//! redb was chosen over SQLite: pure Rust (no C toolchain, fast to build), ACID write
//! transactions that make the store's conditional puts atomic, and a stable file format.

mod backend;
mod bus;
mod outbox;
mod store;

pub use backend::LocalBackend;

pub use bus::InProcessBus;
pub use outbox::Outbox;
pub use store::{FileSecrets, FileStore};

#[cfg(test)]
mod contract_tests {
    use super::*;
    use renkei_core::contract;

    fn store() -> (tempfile::TempDir, FileStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FileStore::open(&dir.path().join("state.redb")).expect("open");
        (dir, store)
    }

    #[tokio::test]
    async fn p1_embedded_state_store_meets_the_contract() {
        let (_d, s) = store();
        contract::state_store(&s, "local").await;
    }

    #[tokio::test]
    async fn p5_embedded_leases_meet_the_contract() {
        let (_d, s) = store();
        contract::leases(&s, "local").await;
    }

    #[tokio::test]
    async fn p3_embedded_fenced_writes_meet_the_contract() {
        let (_d, s) = store();
        contract::fenced_batches(&s, "local").await;
    }

    #[tokio::test]
    async fn embedded_secrets_meet_the_contract() {
        let (_d, s) = store();
        contract::secrets(&s.secrets(), "local").await;
    }

    #[tokio::test]
    async fn p8_outbox_writes_eml_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outbox = Outbox::new(dir.path(), "renkei@example.com");
        contract::notifier(&outbox).await;
        let sent = outbox.sent();
        assert_eq!(sent.len(), 1);
        assert!(sent[0].contains("To: admin@example.co.jp"));
        assert!(
            sent[0].contains("Subject: =?UTF-8?B?"),
            "Japanese subject is RFC 2047 encoded"
        );
    }

    #[tokio::test]
    async fn in_process_bus_keeps_every_event() {
        let bus = InProcessBus::default();
        contract::event_bus(&bus).await;
        assert_eq!(bus.drain().len(), 25);
    }

    #[test]
    fn a_store_held_by_another_opener_says_who_holds_it_and_what_to_do() {
        let (dir, _held) = store();
        let Err(e) = FileStore::open(&dir.path().join("state.redb")) else {
            panic!("a second opener must not get the store");
        };
        let text = e.to_string();
        assert!(
            text.contains(&format!("pid {}", std::process::id())),
            "names the holder: {text}"
        );
        assert!(text.contains("--dir"), "says what to do: {text}");
    }
}
