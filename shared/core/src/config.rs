//! Changing a connection's settings, schedule and credentials after it was connected: a
//! change is a JSON merge patch (RFC 7396) of what is stored, and it is checked by
//! deserialising the result into the connector's own types ([`Configurable`]), so the
//! connector's settings type is the one definition of what may be set. Every problem names
//! its key, in the shape setup checks answer ([`SetupProblem`]).

use crate::cadence::Cadence;
use crate::setup::{ProblemKind, SetupProblem};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::fmt::Display;

/// A connector's settings or secret type, as people may change it; its JSON Schema is what
/// forms and the admin API show of it (`GET /v1/connectors`).
pub trait Configurable: Serialize + DeserializeOwned + schemars::JsonSchema {
    /// Keys renkei keeps itself (state, or what connecting fixed), each with why: a change
    /// naming one is refused.
    const MANAGED: &'static [(&'static str, &'static str)] = &[];

    /// What the types cannot say (ranges, a vendor's maximum, keys that must agree), each
    /// problem naming its key ([`Checks`]).
    fn problems(&self) -> Vec<SetupProblem> {
        Vec::new()
    }

    /// The vendor addresses these settings make renkei call, each checked against the
    /// deployment's [`crate::outbound::OutboundPolicy`] at connect, on every change and before
    /// every run. Default: none.
    fn endpoints(&self) -> Vec<crate::outbound::Endpoint> {
        Vec::new()
    }
}

impl Configurable for Cadence {
    fn problems(&self) -> Vec<SetupProblem> {
        match *self {
            Cadence::AlignedMinutes { minutes } => Checks::new()
                .that(
                    "minutes",
                    (1..=60).contains(&minutes) && 60 % minutes == 0,
                    format!(
                        "must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60), not {minutes}"
                    ),
                )
                .done(),
            Cadence::EveryHoursFrom { hours, .. } => {
                Checks::new().within("hours", hours, 1, Some(24 * 7)).done()
            }
        }
    }
}

/// The fewest characters a webhook signing secret may have, for every vendor.
pub const MIN_SIGNING_SECRET: usize = 16;

/// The checks of a settings type that its types cannot say, each problem naming its key.
#[derive(Debug, Default)]
#[must_use]
pub struct Checks(Vec<SetupProblem>);

impl Checks {
    /// Checks with no problem found yet, to chain the checks of one value onto.
    pub fn new() -> Self {
        Self::default()
    }

    /// `ok`, or a problem at `key` saying `message`.
    pub fn that(mut self, key: &str, ok: bool, message: impl Into<String>) -> Self {
        if !ok {
            self.0
                .push(SetupProblem::new(ProblemKind::Setting, message).at(key));
        }
        self
    }

    /// `value` at least `min` and, when given, at most `max` (a vendor's maximum).
    pub fn within<T: PartialOrd + Display + Copy>(
        self,
        key: &str,
        value: T,
        min: T,
        max: Option<T>,
    ) -> Self {
        match max {
            Some(max) => self.that(
                key,
                value >= min && value <= max,
                format!("must be between {min} and {max}, not {value}"),
            ),
            None => self.that(
                key,
                value >= min,
                format!("must be at least {min}, not {value}"),
            ),
        }
    }

    /// A rate limit: none (null: no limit) or at least 1, and at most `max` when the vendor
    /// allows no more.
    pub fn rate(self, key: &str, value: Option<u32>, max: Option<u32>) -> Self {
        match value {
            Some(v) => self.within(key, v, 1, max),
            None => self,
        }
    }

    /// A factor above zero (time scales).
    pub fn positive(self, key: &str, value: f64) -> Self {
        self.that(
            key,
            value.is_finite() && value > 0.0,
            format!("must be above 0, not {value}"),
        )
    }

    /// `value` is an `http://` or `https://` URL with a host. Only its shape: whether this
    /// deployment may call it is the [`crate::outbound::OutboundPolicy`]'s to say.
    pub fn url(self, key: &str, value: &str) -> Self {
        let rest = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"));
        self.that(
            key,
            rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/')),
            format!("{value:?} is not a URL (https://…)"),
        )
    }

    /// A webhook signing secret (None: the connection takes no webhooks from that vendor): at
    /// least [`MIN_SIGNING_SECRET`] characters, and none of the vendor API credentials
    /// `credentials` (each as its field and value) — the signing secret is copied to where the
    /// public webhooks function reads it, an API credential must never be. Problems name the
    /// field, never a value.
    pub fn signing_secret(
        mut self,
        key: &str,
        value: Option<&str>,
        credentials: &[(&str, &str)],
    ) -> Self {
        let Some(value) = value else {
            return self;
        };
        let mut problem = |message: String| {
            self.0
                .push(SetupProblem::new(ProblemKind::Credentials, message).at(key));
        };
        if value.chars().count() < MIN_SIGNING_SECRET {
            problem(format!(
                "the webhook signing secret must have at least {MIN_SIGNING_SECRET} characters: set a longer one at the vendor and here"
            ));
        }
        for (field, credential) in credentials {
            if !credential.is_empty() && value == *credential {
                problem(format!(
                    "the webhook signing secret must not be the same as {field}: the public webhooks function reads the signing secret, never an API credential; set a separate one at the vendor and here"
                ));
            }
        }
        self
    }

    /// The problems found, in the order the checks ran; empty: the value passes.
    pub fn done(self) -> Vec<SetupProblem> {
        self.0
    }
}

/// What a change is to: where its keys are named and how its problems are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The connector's settings (keys `settings.<key>`).
    Settings,
    /// The connection's schedule (keys `cadence.<key>`).
    Cadence,
    /// The connection's secret (keys as they are; values never quoted).
    Secret,
}

impl Part {
    fn field(self, key: &str) -> String {
        match self {
            Part::Settings => format!("settings.{key}"),
            Part::Cadence => format!("cadence.{key}"),
            Part::Secret => key.to_string(),
        }
    }

    fn problem(self, key: &str, message: impl Into<String>) -> SetupProblem {
        let kind = match self {
            Part::Secret => ProblemKind::Credentials,
            Part::Settings | Part::Cadence => ProblemKind::Setting,
        };
        SetupProblem::new(kind, message).at(&self.field(key))
    }
}

/// How a connector's settings and secret are checked when people change them: its own types.
#[derive(Clone, Copy)]
pub struct Schema {
    settings: Checker,
    secret: Checker,
    settings_managed: &'static [(&'static str, &'static str)],
    secret_managed: &'static [(&'static str, &'static str)],
    endpoints: fn(&Value) -> Vec<crate::outbound::Endpoint>,
    settings_schema: fn() -> Value,
    secret_schema: fn() -> Value,
}

fn json_schema_of<T: schemars::JsonSchema>() -> Value {
    schemars::schema_for!(T).to_value()
}

fn endpoints_of<S: Configurable>(settings: &Value) -> Vec<crate::outbound::Endpoint> {
    S::deserialize(settings).map_or_else(|_| Vec::new(), |s| s.endpoints())
}

/// `stored` changed by `patch`, checked as one type: the result as that type writes it.
type Checker = fn(&Value, &Value, Part) -> Result<Value, Vec<SetupProblem>>;

impl Schema {
    /// The schema of a connector whose settings are `S` and whose secret is `K`.
    pub fn of<S: Configurable, K: Configurable>() -> Self {
        Self {
            settings: change::<S>,
            secret: change::<K>,
            settings_managed: S::MANAGED,
            secret_managed: K::MANAGED,
            endpoints: endpoints_of::<S>,
            settings_schema: json_schema_of::<S>,
            secret_schema: json_schema_of::<K>,
        }
    }

    /// The settings' JSON Schema (draft 2020-12), generated from the connector's type.
    pub fn settings_json_schema(&self) -> Value {
        (self.settings_schema)()
    }

    /// The secret's JSON Schema: what connecting asks for (values are write-only).
    pub fn secret_json_schema(&self) -> Value {
        (self.secret_schema)()
    }

    /// The vendor addresses of `settings` as stored (none when they do not read as the
    /// connector's settings: then nothing can be called with them either).
    pub fn endpoints(&self, settings: &Value) -> Vec<crate::outbound::Endpoint> {
        (self.endpoints)(settings)
    }

    /// The settings as the connector reads them (its defaults filled in), or the problems
    /// that keep it from reading them.
    pub fn read_settings(&self, stored: &Value) -> Result<Value, Vec<SetupProblem>> {
        (self.settings)(stored, &Value::Object(Map::new()), Part::Settings)
    }

    /// The keys of the settings renkei keeps itself.
    pub fn managed(&self) -> Vec<&'static str> {
        self.settings_managed.iter().map(|(k, _)| *k).collect()
    }

    /// The settings renkei keeps itself, each with why.
    pub fn managed_with_why(&self) -> &'static [(&'static str, &'static str)] {
        self.settings_managed
    }

    /// The fields of the secret renkei keeps itself (set by connecting), each with why.
    pub fn secret_managed(&self) -> &'static [(&'static str, &'static str)] {
        self.secret_managed
    }

    /// `stored` settings changed by `patch`, as stored from now on, or every problem of the
    /// change. The patch applies to the settings as the connector reads them, its defaults
    /// filled in, so one key of a nested group (`kaonavi_limits.requests_per_hour`) can
    /// change alone; the keys the patch does not name keep their values.
    pub fn change_settings(
        &self,
        stored: &Value,
        patch: &Value,
    ) -> Result<Value, Vec<SetupProblem>> {
        let mut merged = self
            .read_settings(stored)
            .unwrap_or_else(|_| stored.clone());
        merge(&mut merged, patch);
        (self.settings)(&merged, patch, Part::Settings)
    }

    /// The secret `stored` changed by `patch` (None: nothing stored, or a full replacement),
    /// or every problem of the change; a problem never quotes a value.
    pub fn change_secret(
        &self,
        stored: Option<&Value>,
        patch: &Value,
    ) -> Result<Value, Vec<SetupProblem>> {
        let mut merged = stored.cloned().unwrap_or_else(|| Value::Object(Map::new()));
        merge(&mut merged, patch);
        (self.secret)(&merged, patch, Part::Secret)?;
        Ok(merged)
    }
}

/// The schedule `stored` changed by `patch`, or every problem of the change.
pub fn change_cadence(stored: &Cadence, patch: &Value) -> Result<Cadence, Vec<SetupProblem>> {
    // Serialising our own plain enum to a Value cannot fail.
    let mut merged = serde_json::to_value(stored).unwrap_or(Value::Null);
    merge(&mut merged, patch);
    let checked = change::<Cadence>(&merged, patch, Part::Cadence)?;
    serde_json::from_value(checked).map_err(|e| vec![Part::Cadence.problem("kind", e.to_string())])
}

/// JSON merge patch (RFC 7396, its section 2 word for word): objects merge key by key, null
/// removes a key (the type's default applies again), anything else replaces.
pub fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

/// `merged` (the stored value with `patch` applied) read as `T`: the keys of the patch that
/// `T` keeps itself or does not read, a value of the wrong type, and `T`'s own checks are
/// each a problem naming its key.
fn change<T: Configurable>(
    merged: &Value,
    patch: &Value,
    part: Part,
) -> Result<Value, Vec<SetupProblem>> {
    let changed: Vec<&String> = patch
        .as_object()
        .map(|p| p.keys().collect())
        .unwrap_or_default();
    let mut problems: Vec<SetupProblem> = changed
        .iter()
        .filter_map(|k| T::MANAGED.iter().find(|(m, _)| m == k))
        .map(|(k, why)| part.problem(k, format!("is kept by renkei ({why}), not changed by hand")))
        .collect();
    let mut ignored = Vec::new();
    let mut note = |path: serde_ignored::Path<'_>| ignored.push(key_path(&path.to_string()));
    let de = serde_ignored::Deserializer::new(merged, &mut note);
    let read: Result<T, _> = serde_path_to_error::deserialize(de);
    // Keys not read are told even when a value did not fit: a typo often causes both
    // (`passwort` unknown, `password` missing), and the typo is the one to fix.
    let unknown = |key: &str| part.problem(key, "is not a key this connector reads");
    for path in ignored {
        if changed
            .iter()
            .any(|k| path == **k || path.starts_with(&format!("{k}.")))
        {
            problems.push(unknown(&path));
        }
    }
    let typed = match read {
        Ok(t) => t,
        Err(e) => {
            problems.push(type_problem(&e, part));
            return Err(problems);
        }
    };
    // Serialising a value just deserialised cannot fail.
    let written = serde_json::to_value(&typed).unwrap_or(Value::Null);
    // `#[serde(flatten)]` and tagged enums hand serde_ignored their unknown keys unseen; a
    // changed key with a value that the type does not write back was not read either.
    // (Empty values are skipped: types leave empty lists out of what they write.)
    for key in &changed {
        let value = &patch[key.as_str()];
        let empty = value.is_null()
            || value.as_array().is_some_and(Vec::is_empty)
            || value.as_object().is_some_and(Map::is_empty);
        let reported = problems
            .iter()
            .any(|p| p.field.as_deref() == Some(part.field(key).as_str()));
        if !empty && !reported && written.get(key.as_str()).is_none() {
            problems.push(unknown(key));
        }
    }
    if part == Part::Secret {
        for key in &changed {
            if patch[key.as_str()]
                .as_str()
                .is_some_and(|v| v.trim().is_empty())
            {
                problems.push(part.problem(key, "is empty"));
            }
        }
    }
    problems.extend(typed.problems().into_iter().map(|p| {
        let field = p.field.as_deref().map(|f| part.field(f));
        SetupProblem { field, ..p }
    }));
    if problems.is_empty() {
        Ok(written)
    } else {
        Err(problems)
    }
}

/// A serde_ignored path as a key path: `a.?.b` (the `?` is an Option) → `a.b`.
fn key_path(path: &str) -> String {
    path.split('.')
        .filter(|s| *s != "?")
        .collect::<Vec<_>>()
        .join(".")
}

/// A value that does not fit its type, named by its key. serde's messages quote the value,
/// so a secret's problem says only what is wrong with the field.
fn type_problem(e: &serde_path_to_error::Error<serde_json::Error>, part: Part) -> SetupProblem {
    let message = e.inner().to_string();
    let path = key_path(&e.path().to_string());
    // A missing field is reported at the object holding it ("missing field `hrmos_url`").
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next());
    let key = match (path.as_str(), missing) {
        (".", Some(m)) => m.to_string(),
        (p, Some(m)) => format!("{p}.{m}"),
        (p, None) => p.to_string(),
    };
    let problem = match (part, missing) {
        (Part::Secret, None) => part.problem(
            &key,
            "is not the kind of value this field takes (values are never shown)",
        ),
        (_, Some(_)) => part.problem(&key, "is required"),
        (_, None) => part.problem(&key, message),
    };
    // A field of a `#[serde(flatten)]` part is deserialised from a buffer that keeps no
    // path: the problem is the object's, not a key's.
    if key == "." {
        SetupProblem {
            field: None,
            ..problem
        }
    } else {
        problem
    }
}

#[cfg(test)]
mod tests;
