//! C4.3: a Talentwunder profile as a Personio application (`submit_application`).

use super::Settings;
use super::upload::Queued;
use chrono::{DateTime, Utc};
use renkei_vendors::personio::{Application, Attribute, FileCategory, FileRef};

/// Profile fields that can go to a custom attribute (settings `custom_attributes`).
pub const CUSTOM_FIELDS: &[&str] = &["current_title", "current_company", "profile_url"];

fn text(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The application for a queued profile.
///
/// `application_date` is the UTC date the upload arrived: Personio refuses a date in the
/// future, and its own "today" (Europe/Berlin, UTC+1/+2) is never behind the UTC date, so
/// an upload at 23:30 UTC or a clock a few minutes ahead cannot produce a refused date.
pub fn application(q: &Queued, settings: &Settings, cv: Option<(&str, &str)>) -> Application {
    let p = &q.profile;
    let mut attributes = Vec::new();
    for (id, value) in [("phone", &p.phone), ("location", &p.location)] {
        if let Some(v) = text(value) {
            attributes.push(Attribute {
                id: id.into(),
                value: v,
            });
        }
    }
    for (field, value) in [
        ("current_title", &p.current_title),
        ("current_company", &p.current_company),
        ("profile_url", &p.profile_url),
    ] {
        if let (Some(id), Some(v)) = (settings.custom_attributes.get(field), text(value)) {
            attributes.push(Attribute {
                id: id.clone(),
                value: v,
            });
        }
    }
    Application {
        first_name: text(&p.first_name).unwrap_or_default(),
        last_name: text(&p.last_name).unwrap_or_default(),
        email: text(&p.email).unwrap_or_default(),
        job_position_id: q.job_position_id,
        recruiting_channel_id: settings.channel_id,
        message: message(q),
        application_date: Some(date(q.received_at)),
        attributes,
        files: cv
            .map(|(uuid, name)| FileRef {
                uuid: uuid.to_string(),
                original_filename: name.to_string(),
                category: FileCategory::Cv,
            })
            .into_iter()
            .collect(),
        tags: settings.tags.clone(),
    }
}

fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// The message a recruiter reads first: where the profile came from and the profile URL.
fn message(q: &Queued) -> Option<String> {
    let p = &q.profile;
    let mut lines = vec![format!(
        "Über Talentwunder hochgeladen (Projekt {}).",
        q.project_id
    )];
    if let Some(url) = text(&p.profile_url) {
        lines.push(format!("Profil: {url}"));
    }
    match (text(&p.current_title), text(&p.current_company)) {
        (Some(t), Some(c)) => lines.push(format!("Aktuell: {t} bei {c}")),
        (Some(t), None) => lines.push(format!("Aktuell: {t}")),
        (None, Some(c)) => lines.push(format!("Aktuell bei {c}")),
        (None, None) => {}
    }
    Some(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::super::upload::{Profile, State};
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn c4_3_the_application_carries_channel_date_attributes_message_and_cv() {
        let mut settings: Settings = serde_json::from_value(serde_json::json!({
            "company_id": "1", "jobs_domain": "acme", "channel_id": 42,
            "custom_attributes": {"current_title": "custom_attribute_7"}
        }))
        .expect("settings");
        settings.tags = vec!["Talentwunder".into()];
        let q = Queued {
            upload_id: "up-1".into(),
            n: 0,
            received_at: Utc.with_ymd_and_hms(2026, 11, 22, 23, 59, 30).unwrap(),
            project_id: "p-1".into(),
            job_position_id: 4103,
            profile: Profile {
                first_name: Some(" Zoë ".into()),
                last_name: Some("Nguyễn".into()),
                email: Some("zoe@example.de".into()),
                phone: Some("+49 30 1234".into()),
                location: Some("Köln".into()),
                current_title: Some("Data Engineer".into()),
                current_company: Some("ACME".into()),
                profile_url: Some("https://app.talentwunder.com/p/1".into()),
                ..Profile::default()
            },
            state: State::Queued,
            cv_uuid: None,
        };
        let app = application(&q, &settings, Some(("uuid-1", "cv.pdf")));
        assert_eq!(app.first_name, "Zoë");
        assert_eq!(app.recruiting_channel_id, Some(42));
        assert_eq!(app.application_date.as_deref(), Some("2026-11-22"));
        assert_eq!(app.attributes.len(), 3);
        assert_eq!(app.attributes[2].id, "custom_attribute_7");
        assert!(
            app.message
                .as_deref()
                .unwrap()
                .contains("https://app.talentwunder.com/p/1")
        );
        assert_eq!(app.files[0].category, FileCategory::Cv);
        assert_eq!(app.tags, vec!["Talentwunder".to_string()]);
    }
}
