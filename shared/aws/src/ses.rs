use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::ProvideErrorMetadata;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use renkei_core::ports::{Email, Notifier, NotifyError};

/// SES v2 sender; `from` is the verified identity given to the stack as a parameter.
#[derive(Clone)]
pub struct SesNotifier {
    client: Client,
    from: String,
}

impl SesNotifier {
    /// A sender using `from`.
    pub fn new(client: Client, from: impl Into<String>) -> Self {
        Self {
            client,
            from: from.into(),
        }
    }
}

fn utf8(text: &str) -> Result<Content, NotifyError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| NotifyError::Refused(e.to_string()))
}

#[async_trait]
impl Notifier for SesNotifier {
    async fn send(&self, email: &Email) -> Result<(), NotifyError> {
        let message = Message::builder()
            .subject(utf8(&email.subject)?)
            .body(Body::builder().text(utf8(&email.body)?).build())
            .build();
        self.client
            .send_email()
            .from_email_address(&self.from)
            .destination(
                Destination::builder()
                    .set_to_addresses(Some(email.to.clone()))
                    .build(),
            )
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(|e| match e.as_service_error() {
                Some(s)
                    if s.code().is_some_and(|c| {
                        c.contains("Throttl") || c.contains("TooManyRequests")
                    }) =>
                {
                    NotifyError::Unavailable(s.message().unwrap_or("throttled").to_string())
                }
                Some(s) => NotifyError::Refused(format!(
                    "{}: {}",
                    s.code().unwrap_or("?"),
                    s.message().unwrap_or("")
                )),
                None => NotifyError::Unavailable(crate::describe_sdk_error(&e)),
            })?;
        Ok(())
    }
}
