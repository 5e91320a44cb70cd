//! The documents endpoint (`POST /v1|v2/recruiting/applications/documents`): multipart
//! `file`, at most 20 MB, the spec's extensions; answers `uploaded_document`. On v2 the
//! token needs `personio:recruiting:write`.

use super::rules::error_body;
use super::{MAX_DOCUMENT, Personio, Version, WRITE_SCOPE, admit};
use crate::Sandbox;
use crate::common::api_error;
use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub(super) async fn upload_v1(sb: State<Sandbox>, headers: HeaderMap, form: Multipart) -> Response {
    upload(sb, headers, form, Version::V1).await
}

pub(super) async fn upload_v2(sb: State<Sandbox>, headers: HeaderMap, form: Multipart) -> Response {
    upload(sb, headers, form, Version::V2).await
}

async fn upload(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    mut form: Multipart,
    version: Version,
) -> Response {
    let id = {
        let mut w = sb.world();
        match admit(&mut w, &headers, version, WRITE_SCOPE) {
            Ok(id) => id,
            Err(r) => return r,
        }
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(_) => {
                        return api_error(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            error_body("file", &["errors.file-too-big"]),
                        );
                    }
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                return api_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    error_body("file", &["errors.invalid-file-type"]),
                );
            }
        }
    }
    let mut w = sb.world();
    let Some(company) = w.state::<Personio>().companies.get_mut(&id) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    company.document_posts += 1;
    let Some((name, bytes)) = file else {
        company.refused += 1;
        company
            .nonconformant
            .push(json!({"violations": ["multipart field `file` missing"]}));
        return api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            error_body("file", &["errors.attribute-validation.required-attribute"]),
        );
    };
    if bytes.len() > MAX_DOCUMENT {
        company.refused += 1;
        return api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            error_body("file", &["errors.file-too-big"]),
        );
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .unwrap_or_default();
    if !crate::personio::control::DOCUMENT_EXTENSIONS.contains(&ext.as_str()) {
        company.refused += 1;
        return api_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            error_body("file", &["errors.invalid-file-type"]),
        );
    }
    let uuid = {
        let n = fastrand::u128(..);
        let h = format!("{n:032x}");
        format!(
            "{}-{}-4{}-8{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    };
    let mimetype = match ext.as_str() {
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "png" => "image/png",
        "jpg" => "image/jpeg",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
    };
    let doc = json!({"uuid": uuid, "size": bytes.len(), "mimetype": mimetype, "original_filename": name, "extension": ext});
    company.documents.insert(uuid, doc.clone());
    Json(doc).into_response()
}
