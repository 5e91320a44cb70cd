//! The career site's XML feed of a simulated company: `<workzag-jobs>` of its published
//! positions, 404 for an unknown domain, the HTML career page when the XML interface is off.
//! A site is named as a host in the path (`/personio/jobs/acme.jobs.personio.com/xml`; a
//! bare `acme` is the `.de` site): a company whose site lives on the other domain answers
//! its address there with a 301, as a career page moved between `.de` and `.com` would.

use super::Personio;
use crate::Sandbox;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct FeedQuery {
    language: Option<String>,
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The company label and the domain (`de`, `com`) a site segment names.
fn site_of(site: &str) -> (String, String) {
    let site = site.to_ascii_lowercase();
    for tld in ["de", "com"] {
        if let Some(label) = site.strip_suffix(&format!(".jobs.personio.{tld}")) {
            return (label.to_string(), tld.to_string());
        }
    }
    (site, "de".into())
}

fn moved(status: StatusCode, location: &str) -> Response {
    (status, [("location", location.to_string())], "").into_response()
}

pub(super) async fn feed(
    State(sb): State<Sandbox>,
    // `{domain}`: the site's segment, a bare name or a whole job host.
    Path(site): Path<String>,
    Query(q): Query<FeedQuery>,
) -> Response {
    let html = |status: StatusCode, text: &str| {
        (
            status,
            [("content-type", "text/html; charset=utf-8")],
            format!("<!DOCTYPE html><html><body>{text}</body></html>"),
        )
            .into_response()
    };
    let mut w = sb.world();
    let p = w.state::<Personio>();
    let (domain, tld) = site_of(&site);
    let Some(company) = p.companies.values().find(|c| c.setup.domain == domain) else {
        return html(StatusCode::NOT_FOUND, "Page not found");
    };
    if let Some(status) = company
        .setup
        .site_status
        .and_then(|s| StatusCode::from_u16(s).ok())
    {
        return html(status, "Karriere");
    }
    if let Some(target) = &company.setup.redirect_to {
        return moved(StatusCode::FOUND, target);
    }
    if company.setup.site_tld != tld {
        let language = q.language.as_deref().unwrap_or_default();
        let target = format!(
            "/personio/jobs/{domain}.jobs.personio.{}/xml?language={language}",
            company.setup.site_tld
        );
        return moved(StatusCode::MOVED_PERMANENTLY, &target);
    }
    if !company.setup.xml {
        // The career page itself: the XML interface is switched off.
        return html(StatusCode::OK, "Karriere – Jobs");
    }
    let language = q.language.unwrap_or_default();
    if !spec_languages().contains(&language.as_str()) {
        return (
            StatusCode::BAD_REQUEST,
            "language must be one of de, en, fr, es, nl, it, pt",
        )
            .into_response();
    }
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<workzag-jobs>");
    for j in company.setup.jobs.iter().filter(|j| j.published) {
        xml.push_str(&format!(
            "\n  <position>\n    <id>{}</id>\n    <subcompany></subcompany>\n    <office>{}</office>\n    <department>{}</department>\n    <recruitingCategory>Engineering</recruitingCategory>\n    <name>{}</name>\n    <jobDescriptions>\n      <jobDescription>\n        <name>Beschreibung</name>\n        <value><![CDATA[ <p>{} &amp; mehr</p> ]]></value>\n      </jobDescription>\n    </jobDescriptions>\n    <employmentType>permanent</employmentType>\n    <seniority>experienced</seniority>\n    <schedule>full-time</schedule>\n    <yearsOfExperience>2-5</yearsOfExperience>\n    <createdAt>2026-01-15T09:00:00+0100</createdAt>\n  </position>",
            j.id,
            xml_escape(&j.office),
            xml_escape(&j.department),
            xml_escape(&j.name),
            xml_escape(&j.name),
        ));
    }
    xml.push_str("\n</workzag-jobs>\n");
    (
        StatusCode::OK,
        [("content-type", "application/xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

fn spec_languages() -> Vec<&'static str> {
    vec!["de", "en", "fr", "es", "nl", "it", "pt"]
}
