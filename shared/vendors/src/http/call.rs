//! What a call is, as every layer of the client reads it: the windows it counts in
//! ([`CallKind`]), what may be done when its answer is lost ([`Ambiguity`]), and — by type —
//! how its answer is taken ([`Answer`]: whole as a [`Reply`], or left streaming). It depends
//! on no other part of the client.

use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};
use std::future::Future;
use std::marker::PhantomData;

/// Whether a call writes (some vendors limit writes separately).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// Reads, and requests that change nothing at the vendor (token requests, logins).
    Read,
    /// Writes: also counted against the write limit, and preceded by a heartbeat so that a
    /// run that lost its lease never sends one.
    Write,
}

/// What may be done with a call whose answer was lost — a time-out, a reset, a 5xx, a body
/// cut off — when the vendor may or may not have processed it. A refused connection and a
/// 429 were surely not processed: they are sent again either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ambiguity {
    /// Send it again: a repeat changes nothing that matters (reads, PATCH, upserts, batch
    /// updates, token requests, an upload that at worst leaves an unused file behind).
    Retry,
    /// Hand the error (Retryable) to the caller, which reconciles before deciding again: a
    /// create is looked up by its key, or the records re-read, never simply sent twice.
    DoNotRetry,
}

/// One call as the client's layers read it: its [`CallKind`], its [`Ambiguity`] and, by its
/// type parameter, how its answer comes back ([`Buffered`] unless [`Call::streamed`]).
#[derive(Debug, Clone, Copy)]
pub struct Call<A = Buffered> {
    kind: CallKind,
    ambiguity: Ambiguity,
    answer: PhantomData<fn() -> A>,
}

impl Call {
    /// A call of `kind` whose lost answer is dealt with as `ambiguity` says.
    pub const fn new(kind: CallKind, ambiguity: Ambiguity) -> Self {
        Self {
            kind,
            ambiguity,
            answer: PhantomData,
        }
    }

    /// A read: sent again whatever became of its answer.
    pub const fn read() -> Self {
        Self::new(CallKind::Read, Ambiguity::Retry)
    }

    /// A write; `ambiguity` says whether it may be sent again when its answer was lost.
    pub const fn write(ambiguity: Ambiguity) -> Self {
        Self::new(CallKind::Write, ambiguity)
    }

    /// The same call with its answer left streaming for the caller (a download): its body
    /// is not read before it is handed back.
    pub const fn streamed(self) -> Call<Streamed> {
        Call {
            kind: self.kind,
            ambiguity: self.ambiguity,
            answer: PhantomData,
        }
    }
}

impl<A> Call<A> {
    /// Which windows the call counts in.
    pub fn kind(&self) -> CallKind {
        self.kind
    }

    /// What may be done when its answer is lost.
    pub fn ambiguity(&self) -> Ambiguity {
        self.ambiguity
    }
}

/// A finished response.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status.
    pub status: StatusCode,
    /// Body text.
    pub body: String,
    /// Headers (cookies, locations).
    pub headers: HeaderMap,
}

/// What the retry policy reads of an answer.
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    /// Status.
    pub status: StatusCode,
    /// Headers (Retry-After).
    pub headers: &'a HeaderMap,
    /// The body, where it was read before judging (None: a streamed answer).
    pub body: Option<&'a str>,
}

/// How a call's answer is taken before it is judged and handed back: [`Buffered`] (the whole
/// body, a [`Reply`]) or [`Streamed`] (the `reqwest::Response`, its body unread).
pub trait Answer {
    /// What the caller gets.
    type Output: Send;

    /// Reads `response` as far as this kind of answer is read before it is judged.
    fn take(
        response: Response,
    ) -> impl Future<Output = Result<Self::Output, reqwest::Error>> + Send;

    /// What the retry policy reads of it.
    fn head(output: &Self::Output) -> Head<'_>;

    /// The vendor's words for a refusal (a Permanent error's message).
    fn refusal(output: Self::Output) -> impl Future<Output = String> + Send;
}

/// The answer read whole: a [`Reply`].
#[derive(Debug, Clone, Copy)]
pub struct Buffered;

impl Answer for Buffered {
    type Output = Reply;

    async fn take(response: Response) -> Result<Reply, reqwest::Error> {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await?;
        Ok(Reply {
            status,
            body,
            headers,
        })
    }

    fn head(reply: &Reply) -> Head<'_> {
        Head {
            status: reply.status,
            headers: &reply.headers,
            body: Some(&reply.body),
        }
    }

    fn refusal(reply: Reply) -> impl Future<Output = String> + Send {
        std::future::ready(reply.body)
    }
}

/// The answer left streaming for the caller: the `reqwest::Response`.
#[derive(Debug, Clone, Copy)]
pub struct Streamed;

impl Answer for Streamed {
    type Output = Response;

    fn take(response: Response) -> impl Future<Output = Result<Response, reqwest::Error>> + Send {
        std::future::ready(Ok(response))
    }

    fn head(response: &Response) -> Head<'_> {
        Head {
            status: response.status(),
            headers: response.headers(),
            body: None,
        }
    }

    async fn refusal(response: Response) -> String {
        response.text().await.unwrap_or_default()
    }
}
