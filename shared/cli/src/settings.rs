//! `renkei settings show|set` and `renkei credentials show|set`: a connection's settings,
//! schedule and credentials after it was connected, for every connector and on either
//! backend (renkei_core::admin does the work through the ports). Changes are checked by the
//! connector's own types; credentials are write-only — what is printed names fields, never
//! a value.

use crate::backend::Backend;
use crate::lookup;
use crate::table::Table;
use clap::{Args, Subcommand};
use renkei_core::admin::{self, AdminError, Rotation, SettingsChange, SettingsView};
use renkei_core::{ConnectionId, TenantId};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

/// A connection, named on the command line.
#[derive(Args)]
pub struct Target {
    /// Tenant id.
    #[arg(value_parser = crate::args::tenant)]
    tenant: String,
    /// Connection id (from `renkei connections`).
    #[arg(value_parser = crate::args::connection)]
    connection: String,
}

#[derive(Subcommand)]
pub enum SettingsCmd {
    /// The connection's settings as its connector reads them (defaults filled in), its
    /// cadence and next run.
    Show(Target),
    /// Change settings or the cadence, checked by the connector's settings type (an unknown
    /// key, a wrong type or a value out of range is refused, naming the key, and nothing is
    /// changed); the next run uses them.
    Set {
        #[command(flatten)]
        target: Target,
        /// `key=value`: nested keys with dots (`kaonavi_limits.requests_per_hour=500`), the
        /// schedule as `cadence.minutes=30`; values are JSON when they parse (numbers, lists
        /// `'["正社員"]'`, `null` = the default again), text otherwise, and always text for
        /// a setting that holds text now.
        #[arg(required = true, value_name = "KEY=VALUE")]
        pairs: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum CredentialsCmd {
    /// The fields the connection's secret holds (names only: values are never shown).
    Show(Target),
    /// Rotate credentials: the fields given replace the stored ones, the others stay;
    /// checked by the connector's secret type; the next run uses them.
    Set {
        #[command(flatten)]
        target: Target,
        /// `field=value` (text). Better kept out of the shell history and the process list:
        /// `field=@-` reads the value from stdin, `field=@env:NAME` from the environment
        /// variable NAME; `@@…` is a value that begins with `@`.
        #[arg(required = true, value_name = "FIELD=VALUE")]
        pairs: Vec<String>,
    },
}

fn ids(t: &Target) -> Result<(TenantId, ConnectionId), String> {
    crate::ids(&t.tenant, &t.connection)
}

/// What the CLI prints for an admin operation's failure: every refused key on its own line.
fn failure(what: &str, e: AdminError) -> String {
    match e {
        AdminError::Refused(p) => {
            let lines: Vec<String> =
                p.0.iter()
                    .map(|x| match &x.field {
                        Some(f) => format!("  {f}: {}", x.message),
                        None => format!("  {}", x.message),
                    })
                    .collect();
            format!("{what} refused, nothing changed:\n{}", lines.join("\n"))
        }
        other => other.to_string(),
    }
}

fn print_json(v: &impl serde::Serialize) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

pub async fn settings(b: &Backend, cmd: SettingsCmd, json: bool) -> Result<(), String> {
    match cmd {
        SettingsCmd::Show(target) => {
            lookup::connection(b, &target.tenant, &target.connection).await?;
            let (t, c) = ids(&target)?;
            let view = admin::settings(b.store.as_ref(), &b.registry, &t, &c)
                .await
                .map_err(|e| failure("settings", e))?;
            if json {
                print_json(&view);
            } else {
                show(&view);
            }
        }
        SettingsCmd::Set { target, pairs } => {
            lookup::connection(b, &target.tenant, &target.connection).await?;
            let (t, c) = ids(&target)?;
            let before = admin::settings(b.store.as_ref(), &b.registry, &t, &c)
                .await
                .map_err(|e| failure("settings", e))?;
            let change = settings_change(&before, &pairs)?;
            let after = admin::change_settings(
                b.store.as_ref(),
                b.clock.as_ref(),
                &b.registry,
                &t,
                &c,
                &change,
            )
            .await
            .map_err(|e| failure("settings", e))?;
            if json {
                print_json(&after);
            } else {
                print_changes(&before, &after);
            }
        }
    }
    Ok(())
}

/// The view as rows of key and value, nested keys with dots.
fn rows(view: &SettingsView) -> Vec<(String, Value)> {
    let mut rows = vec![("connector".to_string(), Value::from(view.connector.clone()))];
    leaves(
        "cadence",
        &serde_json::to_value(view.cadence).unwrap_or_default(),
        &mut rows,
    );
    rows.push((
        "next_run_at".into(),
        view.next_run_at
            .map_or(Value::Null, |n| n.to_rfc3339().into()),
    ));
    leaves("settings", &view.settings, &mut rows);
    rows
}

fn leaves(at: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(o) if !o.is_empty() => {
            for (k, v) in o {
                leaves(&format!("{at}.{k}"), v, out);
            }
        }
        other => out.push((at.to_string(), other.clone())),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn show(view: &SettingsView) {
    let mut table = Table::new(&["key", "value", "note"]);
    for (key, value) in rows(view) {
        let managed = key.strip_prefix("settings.").is_some_and(|k| {
            view.managed
                .iter()
                .any(|m| k == *m || k.starts_with(&format!("{m}.")))
        });
        let note = if managed { "kept by renkei" } else { "" };
        table.row(vec![key, text(&value), note.to_string()]);
    }
    table.print(false);
}

fn print_changes(before: &SettingsView, after: &SettingsView) {
    let old: BTreeMap<String, Value> = rows(before).into_iter().collect();
    let new: BTreeMap<String, Value> = rows(after).into_iter().collect();
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut any = false;
    for key in keys {
        let (was, is) = (old.get(key), new.get(key));
        if was != is {
            let shown = |v: Option<&Value>| v.map_or_else(|| "-".into(), text);
            println!("{key}: {} → {}", shown(was), shown(is));
            any = true;
        }
    }
    if !any {
        println!("{}/{}: no change", after.tenant_id, after.connection_id);
    }
}

/// `key=value` pairs as a change of `before`: `cadence` and `cadence.…` go to the schedule,
/// the rest (with or without the `settings.` that refusals put before a key) to the settings.
fn settings_change(before: &SettingsView, pairs: &[String]) -> Result<SettingsChange, String> {
    let cadence_now = serde_json::to_value(before.cadence).unwrap_or_default();
    let mut settings = Value::Object(Map::new());
    let mut cadence = None;
    for pair in pairs {
        let (key, raw) = split(pair)?;
        let schedule = (key == "cadence")
            .then_some("")
            .or_else(|| key.strip_prefix("cadence."));
        match schedule {
            Some(path) => {
                let value = typed(raw, lookup_path(&cadence_now, path));
                let patch = cadence.get_or_insert_with(|| Value::Object(Map::new()));
                insert(patch, path, value)?;
            }
            None => {
                let path = key.strip_prefix("settings.").unwrap_or(key);
                let value = typed(raw, lookup_path(&before.settings, path));
                insert(&mut settings, path, value)?;
            }
        }
    }
    let Value::Object(settings) = settings else {
        return Err("settings are key=value pairs".into());
    };
    Ok(SettingsChange { settings, cadence })
}

pub(crate) fn split(pair: &str) -> Result<(&str, &str), String> {
    pair.split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("{pair:?} is not key=value"))
}

fn lookup_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .filter(|s| !s.is_empty())
        .try_fold(v, |v, k| v.get(k))
}

/// A value as typed: JSON when it parses, except that a setting holding text now takes the
/// text as it is (a company id `12345` stays text); `null` always restores the default.
fn typed(raw: &str, current: Option<&Value>) -> Value {
    if raw == "null" {
        return Value::Null;
    }
    if current.is_some_and(Value::is_string) {
        return Value::String(raw.to_string());
    }
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))
}

/// Puts `value` at the dotted `path` of `target` (an empty path: the whole of it).
pub(crate) fn insert(target: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let mut at = target;
    let keys: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    let Some((last, parents)) = keys.split_last() else {
        *at = value;
        return Ok(());
    };
    for key in parents {
        at = at
            .as_object_mut()
            .ok_or_else(|| format!("{path}: {key} is given a value and keys at once"))?
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    at.as_object_mut()
        .ok_or_else(|| format!("{path} is given a value and keys at once"))?
        .insert(last.to_string(), value);
    Ok(())
}

pub async fn credentials(b: &Backend, cmd: CredentialsCmd, json: bool) -> Result<(), String> {
    match cmd {
        CredentialsCmd::Show(target) => {
            lookup::connection(b, &target.tenant, &target.connection).await?;
            let (t, c) = ids(&target)?;
            let fields = admin::credential_fields(b.store.as_ref(), b.secrets.as_ref(), &t, &c)
                .await
                .map_err(|e| failure("credentials", e))?;
            if json {
                print_json(&fields);
            } else {
                println!(
                    "{t}/{c}: secret {} (values are never shown)",
                    fields.secret_name
                );
                let mut table = Table::new(&["field"]);
                for f in fields.fields {
                    table.row(vec![f]);
                }
                table.print(false);
            }
        }
        CredentialsCmd::Set { target, pairs } => {
            let (_, conn) = lookup::connection(b, &target.tenant, &target.connection).await?;
            let (t, c) = ids(&target)?;
            let given = secret_values(&pairs, &mut std::io::stdin())?;
            let rotated = admin::set_credentials(
                b.store.as_ref(),
                b.secrets.as_ref(),
                &b.registry,
                &t,
                &c,
                &given,
                Rotation::Merge,
            )
            .await
            .map_err(|e| failure("credentials", e))?;
            if json {
                print_json(&rotated);
            } else {
                let unchanged: Vec<&String> = given
                    .keys()
                    .filter(|k| !rotated.changed.contains(k))
                    .collect();
                println!(
                    "{t}/{c}: credentials stored in {}; changed: {}; unchanged: {}",
                    rotated.secret_name,
                    list(rotated.changed.iter()),
                    list(unchanged.into_iter()),
                );
            }
            automation_note(&conn);
        }
    }
    Ok(())
}

fn list<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<&str> = names.map(String::as_str).collect();
    if names.is_empty() {
        "-".into()
    } else {
        names.join(", ")
    }
}

/// New credentials are read by the next run, which a connection switched off never makes.
fn automation_note(conn: &renkei_core::repo::Connection) {
    use renkei_core::repo::Automation;
    let (t, c) = (&conn.tenant_id, &conn.connection_id);
    match &conn.automation {
        Automation::On => {}
        Automation::Off => eprintln!(
            "note: {t}/{c}'s automation is off: `renkei resume {t} {c}` to run it on its schedule"
        ),
        Automation::Paused { reason } => eprintln!(
            "note: renkei paused {t}/{c} ({reason}): `renkei resume {t} {c}` once the new \
             credentials should be tried"
        ),
    }
}

/// `field=value` pairs as the secret's fields, values as text: `@-` reads the value from
/// `stdin` (one field at most), `@env:NAME` from the environment, `@@…` is a literal `@…`.
/// An error names the field, never a value.
pub(crate) fn secret_values(
    pairs: &[String],
    stdin: &mut impl Read,
) -> Result<Map<String, Value>, String> {
    let mut values = Map::new();
    let mut stdin_read = false;
    for pair in pairs {
        let (field, raw) = split(pair)?;
        let value = if raw == "@-" {
            if std::mem::replace(&mut stdin_read, true) {
                return Err(format!("{field}: only one field can read stdin (@-)"));
            }
            let mut text = String::new();
            stdin
                .read_to_string(&mut text)
                .map_err(|e| format!("{field}: reading stdin: {e}"))?;
            text.trim_end_matches(['\n', '\r']).to_string()
        } else if let Some(name) = raw.strip_prefix("@env:") {
            std::env::var(name)
                .map_err(|_| format!("{field}: environment variable {name} is not set"))?
        } else if let Some(rest) = raw.strip_prefix("@@") {
            format!("@{rest}")
        } else if raw.starts_with('@') {
            return Err(format!(
                "{field}: a value beginning with @ reads it from somewhere (@-, @env:NAME); \
                 write @@… for a value that begins with @"
            ));
        } else {
            raw.to_string()
        };
        if values
            .insert(field.to_string(), Value::String(value))
            .is_some()
        {
            return Err(format!("{field} is given twice"));
        }
    }
    Ok(values)
}

/// `renkei run` on a connection that exists: the credentials and settings its flags give
/// replace the stored ones before it runs (checked as `renkei credentials set` and
/// `renkei settings set` check them), and it says so on stderr (stdout holds the run's
/// record). Flags not given leave the stored values alone.
pub async fn apply_run_flags(
    b: &Backend,
    t: &TenantId,
    c: &ConnectionId,
    credentials: &[(&str, &Option<String>)],
    settings: &[(&str, &Option<String>)],
) -> Result<(), String> {
    let given = |flags: &[(&str, &Option<String>)]| -> Map<String, Value> {
        flags
            .iter()
            .filter_map(|(k, v)| {
                v.as_ref()
                    .map(|v| ((*k).to_string(), Value::from(v.clone())))
            })
            .collect()
    };
    let secret = given(credentials);
    if !secret.is_empty() {
        let rotated = admin::set_credentials(
            b.store.as_ref(),
            b.secrets.as_ref(),
            &b.registry,
            t,
            c,
            &secret,
            Rotation::Merge,
        )
        .await
        .map_err(|e| failure("credentials", e))?;
        if !rotated.changed.is_empty() {
            eprintln!(
                "{t}/{c}: credentials replaced ({}) in {}",
                rotated.changed.join(", "),
                rotated.secret_name
            );
        }
    }
    let before = admin::settings(b.store.as_ref(), &b.registry, t, c)
        .await
        .map_err(|e| failure("settings", e))?;
    let changed: Map<String, Value> = given(settings)
        .into_iter()
        .filter(|(k, v)| before.settings.get(k) != Some(v))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    let names: Vec<String> = changed.keys().cloned().collect();
    let change = SettingsChange {
        settings: changed,
        cadence: None,
    };
    admin::change_settings(
        b.store.as_ref(),
        b.clock.as_ref(),
        &b.registry,
        t,
        c,
        &change,
    )
    .await
    .map_err(|e| failure("settings", e))?;
    eprintln!("{t}/{c}: settings changed ({})", names.join(", "));
    Ok(())
}

#[cfg(test)]
mod tests;
