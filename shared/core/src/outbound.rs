//! Where a deployment lets renkei's functions call out (issue 28, item 12): vendor base URLs
//! come from people (settings at connect and later), so without a policy the admin function
//! and the connector functions would fetch any address they are given — the instance
//! metadata service, the Lambda runtime API on 127.0.0.1:9001, anything inside the VPC.
//!
//! The deployment chooses the policy once, in its wiring: the embedded backend and the tests
//! run against the sandbox on loopback ([`OutboundPolicy::Local`]); every AWS function is
//! [`OutboundPolicy::Deployed`]: https only, to the vendor's documented hosts or to a host the
//! operator allowed (stack parameter `AllowedVendorHosts`). It travels as a value
//! (`EngineConfig`, `BuildEnv`, the admin state), never as an environment read in a client.
//! This module is the one place that decides; vendor clients only declare their documented
//! hosts (`renkei_vendors::<vendor>::HOSTS`), connectors which settings are [`Endpoint`]s.

use crate::setup::{ProblemKind, SetupProblem};

/// A host as a vendor documents it or an operator allows it: `api.kaonavi.jp`, or
/// `*.oapi.hrbrain.jp` for one subdomain per customer (the star is one label or more, never
/// the bare suffix).
pub type HostPattern = &'static str;

/// An address a connection's settings make renkei call: the setting it comes from, the URL
/// as the client will use it, and the hosts the vendor documents for it (empty: the vendor
/// publishes none, so only an operator's allowance admits it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The setting's key (`kaonavi_url`; a derived address names what it is derived from,
    /// e.g. `subdomain`).
    pub key: String,
    /// The URL as the client will call it.
    pub url: String,
    /// The hosts the vendor documents for this address (see [`HostPattern`]); empty: it
    /// publishes none, so in a deployed stack only the operator's allowance admits one.
    pub documented: &'static [HostPattern],
}

impl Endpoint {
    /// The address `url` that the setting `key` makes renkei call, with the hosts the
    /// vendor documents for it (the vendor client's `HOSTS`).
    pub fn new(key: &str, url: impl Into<String>, documented: &'static [HostPattern]) -> Self {
        Self {
            key: key.to_string(),
            url: url.into(),
            documented,
        }
    }
}

/// Where outbound calls may go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboundPolicy {
    /// The embedded backend and the tests: any http(s) URL, loopback included (the sandbox's
    /// simulators and its file server listen on 127.0.0.1).
    Local,
    /// A deployed stack: https to the vendor's documented hosts or to these hosts the
    /// operator allowed (exact names, lower case).
    Deployed {
        /// The hosts the operator allowed beyond the documented ones (stack parameter
        /// `AllowedVendorHosts`): exact names, lower case, no port; empty: documented only.
        allowed_hosts: Vec<String>,
    },
}

impl Default for OutboundPolicy {
    /// A deployment that forgets to choose is strict: a missed wiring refuses a loopback
    /// sandbox URL loudly instead of letting a stack call anywhere.
    fn default() -> Self {
        Self::Deployed {
            allowed_hosts: Vec::new(),
        }
    }
}

/// Why an address is refused; the message names what the operator can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct Disallowed {
    /// The setting whose address is refused ([`Endpoint::key`]).
    pub key: String,
    /// Why, for people: not a URL, a user name in it, not https, or a host neither
    /// documented nor allowed (then naming the stack parameter that allows it).
    pub reason: String,
}

impl Disallowed {
    /// The setup problem it is, at `settings.<key>` — a setting to fix.
    pub fn problem(&self) -> SetupProblem {
        SetupProblem::new(ProblemKind::Setting, self.reason.clone())
            .at(&format!("settings.{}", self.key))
    }
}

impl OutboundPolicy {
    /// A deployed stack's policy from the operator's comma-separated allowance (blank entries
    /// ignored, names lower-cased; a port or scheme in an entry is not a host and is dropped).
    pub fn deployed(allowed_hosts: &str) -> Self {
        let allowed_hosts = allowed_hosts
            .split(',')
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty() && !h.contains([':', '/', '@']))
            .collect();
        Self::Deployed { allowed_hosts }
    }

    /// Whether loopback addresses (the sandbox) may be called.
    pub fn allows_loopback(&self) -> bool {
        matches!(self, Self::Local)
    }

    /// `endpoint`, or why this deployment may not call it.
    pub fn check(&self, endpoint: &Endpoint) -> Result<(), Disallowed> {
        let refuse = |reason: String| Disallowed {
            key: endpoint.key.clone(),
            reason,
        };
        let url = url::Url::parse(endpoint.url.trim())
            .map_err(|_| refuse(format!("{:?} is not a URL (https://…)", endpoint.url)))?;
        let host = match url.host_str() {
            Some(h) if matches!(url.scheme(), "http" | "https") && !h.is_empty() => {
                h.to_ascii_lowercase()
            }
            _ => {
                return Err(refuse(format!(
                    "{:?} is not a URL (https://…)",
                    endpoint.url
                )));
            }
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse(
                "a URL with a user name or password is not accepted".into(),
            ));
        }
        let Self::Deployed { allowed_hosts } = self else {
            return Ok(());
        };
        if url.scheme() != "https" {
            return Err(refuse(format!(
                "only https is accepted in a deployed stack, not {}://",
                url.scheme()
            )));
        }
        let documented = endpoint.documented.iter().any(|p| matches(p, &host));
        if documented || allowed_hosts.contains(&host) {
            return Ok(());
        }
        let listed = if endpoint.documented.is_empty() {
            "the vendor documents no host".to_string()
        } else {
            format!("documented: {}", endpoint.documented.join(", "))
        };
        Err(refuse(format!(
            "{host} is not a host this stack may call ({listed}); the operator can allow it \
             with the stack parameter AllowedVendorHosts"
        )))
    }

    /// Every endpoint checked, each refusal a setup problem naming its setting.
    pub fn problems(&self, endpoints: &[Endpoint]) -> Vec<SetupProblem> {
        endpoints
            .iter()
            .filter_map(|e| self.check(e).err())
            .map(|d| d.problem())
            .collect()
    }
}

/// Whether `host` matches `pattern` (`*.suffix`: at least one label before the suffix).
fn matches(pattern: &str, host: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .strip_suffix(suffix)
            .and_then(|label| label.strip_suffix('.'))
            .is_some_and(|label| !label.is_empty()),
        None => pattern == host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HRBRAIN: &[HostPattern] = &["*.oapi.hrbrain.jp"];
    const KAONAVI: &[HostPattern] = &["api.kaonavi.jp"];

    fn at(url: &str, documented: &'static [HostPattern]) -> Endpoint {
        Endpoint::new("kaonavi_url", url, documented)
    }

    #[test]
    fn s28_12_a_deployed_connection_refuses_plain_http_and_unlisted_hosts() {
        let strict = OutboundPolicy::deployed("");
        for url in [
            "http://api.kaonavi.jp/api/v2.0",
            "http://127.0.0.1:8790/kaonavi",
            "https://127.0.0.1:9001/2018-06-01/runtime/invocation/next",
            "https://169.254.169.254/latest/meta-data/",
            "https://evil.example/api/v2.0",
            "https://api.kaonavi.jp.evil.example/",
            "https://api.kaonavi.jp@evil.example/",
        ] {
            let refused = strict.check(&at(url, KAONAVI)).expect_err(url);
            assert_eq!(refused.key, "kaonavi_url", "{url}");
            let p = refused.problem();
            assert_eq!(p.kind, ProblemKind::Setting);
            assert_eq!(p.field.as_deref(), Some("settings.kaonavi_url"));
        }
        assert!(
            strict
                .check(&at("https://api.kaonavi.jp/api/v2.0", KAONAVI))
                .is_ok()
        );
        assert!(
            strict
                .check(&at("https://API.Kaonavi.jp/api/v2.0", KAONAVI))
                .is_ok()
        );
    }

    #[test]
    fn s28_12_a_subdomain_pattern_admits_one_customer_label_but_not_the_bare_suffix() {
        let strict = OutboundPolicy::default();
        assert!(
            strict
                .check(&at("https://acme.oapi.hrbrain.jp", HRBRAIN))
                .is_ok()
        );
        for url in [
            "https://oapi.hrbrain.jp",
            "https://acmeoapi.hrbrain.jp",
            "https://evil.example/#.oapi.hrbrain.jp",
        ] {
            assert!(strict.check(&at(url, HRBRAIN)).is_err(), "{url}");
        }
    }

    #[test]
    fn s28_12_an_undocumented_vendor_host_needs_the_operators_allowance() {
        let e = Endpoint::new("hrmos_url", "https://hrmos.example.co.jp/api/v1", &[]);
        let refused = OutboundPolicy::deployed("").check(&e).unwrap_err();
        assert!(
            refused.reason.contains("documents no host")
                && refused.reason.contains("AllowedVendorHosts"),
            "{}",
            refused.reason
        );
        let allowed = OutboundPolicy::deployed(" HRMOS.example.co.jp , ,other.example");
        assert!(allowed.check(&e).is_ok());
        let plain = Endpoint::new("hrmos_url", "http://hrmos.example.co.jp/api/v1", &[]);
        assert!(allowed.check(&plain).is_err(), "an allowance is https only");
    }

    #[test]
    fn s28_12_the_embedded_backend_calls_the_sandbox_on_loopback() {
        let local = OutboundPolicy::Local;
        assert!(local.allows_loopback());
        assert!(!OutboundPolicy::default().allows_loopback());
        assert!(
            local
                .check(&at("http://127.0.0.1:8790/kaonavi", KAONAVI))
                .is_ok()
        );
        assert!(local.check(&at("localhost:8790/kaonavi", KAONAVI)).is_err());
    }
}
