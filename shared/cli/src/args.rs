//! Checks of command-line values that clap runs while parsing, so a malformed id or email
//! is a usage error (exit 2, with the usage) before anything is opened or written. Values
//! stay text: the commands make their typed ids from them.

use renkei_core::{ConnectionId, RunId, TenantId};

/// A tenant id (letters, digits, `-`, `_`, `.`; at most 64).
pub fn tenant(s: &str) -> Result<String, String> {
    TenantId::new(s)
        .map(|_| s.to_string())
        .map_err(|e| e.to_string())
}

/// A connection id.
pub fn connection(s: &str) -> Result<String, String> {
    ConnectionId::new(s)
        .map(|_| s.to_string())
        .map_err(|e| e.to_string())
}

/// A run id (as `renkei runs` lists them).
pub fn run(s: &str) -> Result<String, String> {
    RunId::new(s)
        .map(|_| s.to_string())
        .map_err(|e| e.to_string())
}

/// An email address (something@somewhere).
pub fn email(s: &str) -> Result<String, String> {
    match s.split_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => Ok(s.to_string()),
        _ => Err(format!("{s:?} is not an email address")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_with_a_key_separator_and_emails_without_a_domain_are_refused() {
        assert!(tenant("acme").is_ok());
        assert!(tenant("acme#x").is_err());
        assert!(connection("").is_err());
        assert!(run("20240101T000000000Z-0a1b2c3d").is_ok());
        assert!(email("admin@acme.example").is_ok());
        assert!(email("admin@").is_err());
        assert!(email("admin").is_err());
    }
}
