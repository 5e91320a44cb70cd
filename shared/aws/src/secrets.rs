use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};
use renkei_core::ports::{RecoveryWindow, SecretError, SecretStore};

/// Secrets Manager: one secret per connection, named `renkei/<tenant>/<connection>`.
#[derive(Clone)]
pub struct SecretsManager {
    client: Client,
}

impl SecretsManager {
    /// Wraps a client.
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(e: SdkError<E>) -> SecretError {
    match e
        .as_service_error()
        .and_then(|s| s.code().map(str::to_string))
    {
        Some(code) if code.contains("AccessDenied") || code.contains("InvalidParameter") => {
            SecretError::Refused(format!(
                "{code}: {}",
                e.as_service_error().and_then(|s| s.message()).unwrap_or("")
            ))
        }
        _ => SecretError::Unavailable(crate::describe_sdk_error(&e)),
    }
}

fn is_code<E: ProvideErrorMetadata>(e: &SdkError<E>, code: &str) -> bool {
    e.as_service_error().and_then(|s| s.code()) == Some(code)
}

#[async_trait]
impl SecretStore for SecretsManager {
    async fn put(&self, name: &str, value: &str) -> Result<(), SecretError> {
        match self
            .client
            .put_secret_value()
            .secret_id(name)
            .secret_string(value)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            // A secret deleted with a recovery window is "marked for deletion" and takes no
            // new value until restored: reconnecting within the window restores it first.
            Err(e) if is_code(&e, "InvalidRequestException") => {
                self.client
                    .restore_secret()
                    .secret_id(name)
                    .send()
                    .await
                    .map_err(classify)?;
                self.client
                    .put_secret_value()
                    .secret_id(name)
                    .secret_string(value)
                    .send()
                    .await
                    .map_err(classify)?;
                Ok(())
            }
            Err(e) if is_code(&e, "ResourceNotFoundException") => {
                self.client
                    .create_secret()
                    .name(name)
                    .secret_string(value)
                    .send()
                    .await
                    .map_err(classify)?;
                Ok(())
            }
            Err(e) => Err(classify(e)),
        }
    }

    async fn get(&self, name: &str) -> Result<Option<String>, SecretError> {
        match self.client.get_secret_value().secret_id(name).send().await {
            Ok(out) => Ok(out.secret_string().map(str::to_string)),
            Err(e) if is_code(&e, "ResourceNotFoundException") => Ok(None),
            Err(e) => Err(classify(e)),
        }
    }

    async fn delete(&self, name: &str) -> Result<(), SecretError> {
        match self
            .client
            .delete_secret()
            .secret_id(name)
            .force_delete_without_recovery(true)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if is_code(&e, "ResourceNotFoundException") => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }

    async fn delete_recoverable(
        &self,
        name: &str,
        window: RecoveryWindow,
    ) -> Result<(), SecretError> {
        match self
            .client
            .delete_secret()
            .secret_id(name)
            .recovery_window_in_days(i64::from(window.in_days()))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            // Absent, or already scheduled for deletion: either way it is deleted.
            Err(e)
                if is_code(&e, "ResourceNotFoundException")
                    || is_code(&e, "InvalidRequestException") =>
            {
                Ok(())
            }
            Err(e) => Err(classify(e)),
        }
    }
}
