//! One configuration loader for every function (issue 30 item 6): what each Lambda reads from
//! its environment, read in one place, typed, and checked once at start. A missing or unusable
//! variable stops the function before it serves anything, with an error naming the variable
//! and why (never the value of one that could hold a secret); nothing is read later, so a
//! function never runs half configured.
//!
//! One struct per function kind ([`ConnectorConfig`], [`WebhooksConfig`],
//! [`DispatcherConfig`], [`AdminConfig`]), each built by `from_env()` in the function and by
//! `from_vars(get)` in tests, all through the same reader. Which function gets which variable
//! is infra/template.yaml's (and the CDK stack's); docs/operations.md lists them.

use chrono::Duration;
use renkei_core::engine::EngineConfig;
use renkei_core::outbound::OutboundPolicy;
use renkei_core::ports::RecoveryWindow;

/// The stack's state table (every function).
pub const TABLE: &str = "RENKEI_TABLE";
/// The stack's event bus (every function).
pub const BUS: &str = "RENKEI_BUS";
/// The SES sender of notices (the connector functions and admin).
pub const MAIL_FROM: &str = "RENKEI_MAIL_FROM";
/// The hosts the operator allows besides the vendors' documented ones (stack parameter
/// AllowedVendorHosts; the connector functions and admin).
pub const ALLOWED_VENDOR_HOSTS: &str = "RENKEI_ALLOWED_VENDOR_HOSTS";
/// How many days a disconnected secret stays restorable (stack parameter
/// SecretRecoveryDays; admin).
pub const SECRET_RECOVERY_DAYS: &str = "RENKEI_SECRET_RECOVERY_DAYS";
/// The ARN (or name) of the stack's generated webhook decoy key (webhooks).
pub const WEBHOOK_DECOY_KEY: &str = "RENKEI_WEBHOOK_DECOY_KEY";
/// The engine's lease duration in seconds (optional; the connector functions).
pub const LEASE_SECONDS: &str = "RENKEI_LEASE_SECONDS";

/// A variable the function needs is missing or unusable: the function cannot start (a
/// Permanent error: the template or a stack parameter is wrong).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("environment variable {var} {reason}")]
pub struct ConfigError {
    /// The variable.
    pub var: &'static str,
    /// Why it cannot be used (with the value only where it cannot be a secret).
    pub reason: String,
}

fn refuse(var: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        reason: reason.into(),
    }
}

/// The process environment as a getter: what every `from_env` reads through, and what the
/// admin function hands its other readers (the gate, the console) so that all of it comes
/// from the same place. A value that is not UTF-8 counts as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The one reader behind every function's configuration.
struct Reader<F>(F);

impl<F: Fn(&str) -> Option<String>> Reader<F> {
    /// A variable the templates always set.
    fn required(&self, var: &'static str) -> Result<String, ConfigError> {
        match (self.0)(var) {
            None => Err(refuse(var, "is not set")),
            Some(v) if v.trim().is_empty() => Err(refuse(var, "is empty")),
            Some(v) => Ok(v),
        }
    }

    /// A variable with a default. Blank counts as unset: a stack parameter left empty means
    /// "the default", as the admin function's other variables already read it.
    fn optional(&self, var: &'static str) -> Option<String> {
        (self.0)(var).filter(|v| !v.trim().is_empty())
    }

    fn stack(&self) -> Result<StackNames, ConfigError> {
        Ok(StackNames {
            table: self.required(TABLE)?,
            bus: self.required(BUS)?,
        })
    }

    /// SES refuses a sender without a domain only when the first notice is sent, long after
    /// the deployment; the obvious mistake (no `@`) is caught at start instead.
    fn mail_from(&self) -> Result<String, ConfigError> {
        let from = self.required(MAIL_FROM)?;
        if !from.contains('@') {
            return Err(refuse(MAIL_FROM, "is not an email address (no @)"));
        }
        Ok(from)
    }

    /// Unset or blank is no extra host (the template's default). An entry that is no bare
    /// host name (a scheme, port, path or user in it) is refused here: the policy would drop
    /// it silently, and the operator would learn only from a refused connection much later.
    fn outbound(&self) -> Result<OutboundPolicy, ConfigError> {
        let hosts = (self.0)(ALLOWED_VENDOR_HOSTS).unwrap_or_default();
        let entries = hosts.split(',').map(str::trim).filter(|h| !h.is_empty());
        for (n, host) in entries.enumerate() {
            if host.contains([':', '/', '@']) || host.contains(char::is_whitespace) {
                // A host name is no secret: naming the entry saves the operator the search.
                return Err(refuse(
                    ALLOWED_VENDOR_HOSTS,
                    format!(
                        "entry {} ({host:?}) is not a host name: exact names only, without \
                         scheme, port, path or user (e.g. hrmos.example.co.jp)",
                        n + 1
                    ),
                ));
            }
        }
        Ok(OutboundPolicy::deployed(&hosts))
    }

    /// Unset: Secrets Manager's shortest window (7 days), the template's default too.
    fn recovery(&self) -> Result<RecoveryWindow, ConfigError> {
        let Some(days) = self.optional(SECRET_RECOVERY_DAYS) else {
            return Ok(RecoveryWindow::DEFAULT);
        };
        let days = days.trim().parse::<u32>().map_err(|_| {
            refuse(
                SECRET_RECOVERY_DAYS,
                format!("is not a whole number of days ({days:?})"),
            )
        })?;
        RecoveryWindow::days(days).map_err(|why| refuse(SECRET_RECOVERY_DAYS, why))
    }

    /// Unset: the engine's own default (5 minutes). Set, it must lie within the engine's
    /// bounds (`EngineConfig::shortest_lease` and `longest_lease` say why each).
    fn lease(&self) -> Result<Duration, ConfigError> {
        let engine = EngineConfig::default();
        let Some(seconds) = self.optional(LEASE_SECONDS) else {
            return Ok(engine.lease_ttl);
        };
        let seconds = seconds.trim().parse::<i64>().map_err(|_| {
            refuse(
                LEASE_SECONDS,
                format!("is not a whole number of seconds ({seconds:?})"),
            )
        })?;
        let (shortest, longest) = (engine.shortest_lease(), engine.longest_lease());
        if seconds <= 0 {
            return Err(refuse(
                LEASE_SECONDS,
                format!(
                    "is {seconds}: a run cannot work without a lease (unset it for the default)"
                ),
            ));
        }
        if seconds < shortest.num_seconds() {
            return Err(refuse(
                LEASE_SECONDS,
                format!(
                    "is {seconds} s, shorter than {} s: twice the engine's lease renewal \
                     interval, or a run making progress could lose its lease between two \
                     renewals",
                    shortest.num_seconds()
                ),
            ));
        }
        if seconds > longest.num_seconds() {
            return Err(refuse(
                LEASE_SECONDS,
                format!(
                    "is {seconds} s, longer than {} s: the dispatcher's claim, past which a \
                     crashed run's lease would still block the connection",
                    longest.num_seconds()
                ),
            ));
        }
        Ok(Duration::seconds(seconds))
    }
}

/// The names every function is given: the stack's table and bus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackNames {
    /// The DynamoDB state table (`RENKEI_TABLE`).
    pub table: String,
    /// The EventBridge bus (`RENKEI_BUS`).
    pub bus: String,
}

/// A connector function's configuration (`serve_connector`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorConfig {
    /// Table and bus.
    pub stack: StackNames,
    /// The sender of failure and pause notices (`RENKEI_MAIL_FROM`).
    pub mail_from: String,
    /// Where the connector may call out (`RENKEI_ALLOWED_VENDOR_HOSTS`).
    pub outbound: OutboundPolicy,
    /// The engine's lease duration (`RENKEI_LEASE_SECONDS`; default the engine's).
    pub lease: Duration,
}

impl ConnectorConfig {
    /// From the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(process_env)
    }

    /// From `get` (an environment).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Reader(get);
        Ok(Self {
            stack: env.stack()?,
            mail_from: env.mail_from()?,
            outbound: env.outbound()?,
            lease: env.lease()?,
        })
    }

    /// The engine's tunables for every invocation: the defaults, with this deployment's
    /// outbound policy and lease.
    pub fn engine(&self) -> EngineConfig {
        EngineConfig {
            lease_ttl: self.lease,
            outbound: self.outbound.clone(),
            ..EngineConfig::default()
        }
    }
}

/// The webhooks function's configuration (`serve_webhooks`). No mail sender: it sends none;
/// no outbound policy: it never calls a vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhooksConfig {
    /// Table and bus.
    pub stack: StackNames,
    /// The stack's generated decoy key (`RENKEI_WEBHOOK_DECOY_KEY`), read once per instance.
    pub decoy_key: String,
}

impl WebhooksConfig {
    /// The variables it reads, every one required (tests/deployment.rs checks that both
    /// templates set each).
    pub const VARS: [&str; 3] = [TABLE, BUS, WEBHOOK_DECOY_KEY];

    /// From the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(process_env)
    }

    /// From `get` (an environment).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Reader(get);
        Ok(Self {
            stack: env.stack()?,
            decoy_key: env.required(WEBHOOK_DECOY_KEY)?,
        })
    }
}

/// The dispatcher's configuration: only where to find due connections and where to send
/// their events (its claim lifetime is the engine's default, shared with the connectors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatcherConfig {
    /// Table and bus.
    pub stack: StackNames,
}

impl DispatcherConfig {
    /// From the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(process_env)
    }

    /// From `get` (an environment).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            stack: Reader(get).stack()?,
        })
    }
}

/// The admin function's stack configuration. Who may call it (the gate: `RENKEI_ADMIN_API_*`,
/// `RENKEI_TENANT_CLAIM`, `RENKEI_OPERATOR_GROUP`) and the console's sign-in
/// (`RENKEI_CONSOLE_*`) are read by their own types from the same [`process_env`]: their
/// rules are the admin API's, not the stack's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminConfig {
    /// Table and bus.
    pub stack: StackNames,
    /// The sender of its emails (`RENKEI_MAIL_FROM`).
    pub mail_from: String,
    /// Where setup checks may call out (`RENKEI_ALLOWED_VENDOR_HOSTS`).
    pub outbound: OutboundPolicy,
    /// How long a disconnected secret stays restorable (`RENKEI_SECRET_RECOVERY_DAYS`).
    pub recovery: RecoveryWindow,
}

impl AdminConfig {
    /// From the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(process_env)
    }

    /// From `get` (an environment).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Reader(get);
        Ok(Self {
            stack: env.stack()?,
            mail_from: env.mail_from()?,
            outbound: env.outbound()?,
            recovery: env.recovery()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// What the templates give a connector function (plus `extra`, which may override).
    fn connector_env(extra: &[(&str, &str)]) -> HashMap<String, String> {
        let mut env: HashMap<String, String> = [
            (TABLE, "renkei-state"),
            (BUS, "renkei-bus"),
            (MAIL_FROM, "noreply@example.com"),
            (ALLOWED_VENDOR_HOSTS, ""),
        ]
        .into_iter()
        .chain(extra.iter().copied())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        env.retain(|_, v| v != "<unset>");
        env
    }

    fn connector(extra: &[(&str, &str)]) -> Result<ConnectorConfig, ConfigError> {
        let env = connector_env(extra);
        ConnectorConfig::from_vars(|k| env.get(k).cloned())
    }

    fn admin(extra: &[(&str, &str)]) -> Result<AdminConfig, ConfigError> {
        let env = connector_env(extra);
        AdminConfig::from_vars(|k| env.get(k).cloned())
    }

    #[test]
    fn s30_6_a_connector_function_reads_its_stack_and_takes_the_engine_defaults() {
        let config = connector(&[]).unwrap();
        assert_eq!(
            config.stack,
            StackNames {
                table: "renkei-state".into(),
                bus: "renkei-bus".into()
            }
        );
        assert_eq!(config.mail_from, "noreply@example.com");
        assert_eq!(config.outbound, OutboundPolicy::deployed(""));
        let engine = config.engine();
        let default = EngineConfig::default();
        assert_eq!(engine.lease_ttl, default.lease_ttl, "the lease default");
        assert_eq!(engine.lease_ttl, Duration::minutes(5));
        assert_eq!(
            (engine.renew_every, engine.claim_ttl, engine.retention),
            (default.renew_every, default.claim_ttl, default.retention),
            "nothing else changes"
        );
        assert_eq!(engine.outbound, OutboundPolicy::deployed(""));
        // Blank is the default too (a stack parameter left empty).
        let blank = connector(&[(LEASE_SECONDS, " ")]).unwrap();
        assert_eq!(blank.lease, default.lease_ttl);
    }

    #[test]
    fn s30_6_a_lease_set_reaches_the_engine_config() {
        let config = connector(&[(LEASE_SECONDS, "150")]).unwrap();
        assert_eq!(config.lease, Duration::seconds(150));
        assert_eq!(config.engine().lease_ttl, Duration::seconds(150));
        let bounds = EngineConfig::default();
        for ok in [bounds.shortest_lease(), bounds.longest_lease()] {
            let secs = ok.num_seconds().to_string();
            assert_eq!(connector(&[(LEASE_SECONDS, &secs)]).unwrap().lease, ok);
        }
    }

    #[test]
    fn s30_6_a_lease_that_is_zero_too_short_too_long_or_no_number_is_refused_by_name() {
        let shortest = EngineConfig::default().shortest_lease().num_seconds();
        assert_eq!(shortest, 120, "twice the engine's 60 s renewal interval");
        for (value, why) in [
            ("0", "cannot work without a lease"),
            ("-5", "cannot work without a lease"),
            ("119", "shorter than 120 s"),
            ("901", "longer than 900 s"),
            ("5m", "not a whole number of seconds"),
            ("1.5", "not a whole number of seconds"),
            ("99999999999999999999", "not a whole number of seconds"),
        ] {
            let err = connector(&[(LEASE_SECONDS, value)]).unwrap_err();
            assert_eq!(err.var, LEASE_SECONDS, "{value}");
            assert!(err.reason.contains(why), "{value}: {err}");
            assert!(err.to_string().contains("RENKEI_LEASE_SECONDS"), "{err}");
        }
    }

    #[test]
    fn s30_6_each_missing_or_empty_required_variable_is_named() {
        for var in [TABLE, BUS, MAIL_FROM] {
            let missing = connector(&[(var, "<unset>")]).unwrap_err();
            assert_eq!(missing.var, var);
            assert_eq!(
                missing.to_string(),
                format!("environment variable {var} is not set")
            );
            let empty = connector(&[(var, "")]).unwrap_err();
            assert_eq!((empty.var, empty.reason.as_str()), (var, "is empty"));
        }
        let env = connector_env(&[]);
        let webhooks = WebhooksConfig::from_vars(|k| env.get(k).cloned()).unwrap_err();
        assert_eq!(webhooks.var, WEBHOOK_DECOY_KEY);
        let none = DispatcherConfig::from_vars(|_| None).unwrap_err();
        assert_eq!(none.var, TABLE);
        let no_bus = DispatcherConfig::from_vars(|k| (k == TABLE).then(|| "t".into()));
        assert_eq!(no_bus.unwrap_err().var, BUS);
    }

    #[test]
    fn s30_6_a_malformed_sender_or_vendor_host_is_named_with_the_reason() {
        let sender = connector(&[(MAIL_FROM, "noreply")]).unwrap_err();
        assert_eq!(sender.var, MAIL_FROM);
        assert!(sender.reason.contains("not an email address"), "{sender}");
        for bad in [
            "https://hrmos.example.co.jp",
            "hrmos.example.co.jp:443",
            "ok.example, user@host.example",
            "two words.example",
        ] {
            let err = connector(&[(ALLOWED_VENDOR_HOSTS, bad)]).unwrap_err();
            assert_eq!(err.var, ALLOWED_VENDOR_HOSTS, "{bad}");
            assert!(err.reason.contains("is not a host name"), "{err}");
        }
        let second = connector(&[(ALLOWED_VENDOR_HOSTS, "a.example,b.example/x")]).unwrap_err();
        assert!(second.reason.starts_with("entry 2 "), "{second}");
        // Blank entries and case are the policy's own business, as before.
        let fine = connector(&[(ALLOWED_VENDOR_HOSTS, " HRMOS.example.co.jp , ,")]).unwrap();
        assert_eq!(
            fine.outbound,
            OutboundPolicy::deployed("hrmos.example.co.jp")
        );
        let unset = connector(&[(ALLOWED_VENDOR_HOSTS, "<unset>")]).unwrap();
        assert_eq!(unset.outbound, OutboundPolicy::deployed(""));
    }

    #[test]
    fn s30_6_the_secret_recovery_window_defaults_to_7_days_and_is_checked() {
        assert_eq!(admin(&[]).unwrap().recovery, RecoveryWindow::DEFAULT);
        assert_eq!(
            admin(&[(SECRET_RECOVERY_DAYS, "30")]).unwrap().recovery,
            RecoveryWindow::days(30).unwrap()
        );
        for (value, why) in [
            ("3", "7 to 30 days"),
            ("31", "7 to 30 days"),
            ("a week", "not a whole number of days"),
        ] {
            let err = admin(&[(SECRET_RECOVERY_DAYS, value)]).unwrap_err();
            assert_eq!(err.var, SECRET_RECOVERY_DAYS);
            assert!(err.reason.contains(why), "{value}: {err}");
        }
        let no_sender = admin(&[(MAIL_FROM, "<unset>")]).unwrap_err();
        assert_eq!(no_sender.var, MAIL_FROM);
    }

    #[test]
    fn s30_6_the_webhooks_function_reads_exactly_its_three_variables() {
        let env: HashMap<&str, &str> = WebhooksConfig::VARS.into_iter().map(|k| (k, "x")).collect();
        let config = WebhooksConfig::from_vars(|k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(config.decoy_key, "x");
        for var in WebhooksConfig::VARS {
            let without = WebhooksConfig::from_vars(|k| {
                (k != var)
                    .then(|| env.get(k).map(|v| v.to_string()))
                    .flatten()
            });
            assert_eq!(without.unwrap_err().var, var);
        }
    }
}
