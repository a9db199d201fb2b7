//! The CC-Gateway calls, one method each. Answers are read the Huawei way: the body's retcode is
//! the truth whatever the HTTP status (which Huawei does not document for errors); only an
//! answer that is not a Huawei envelope falls back to the HTTP status.

use super::charset;
use super::wire::{self, Envelope, CONTENT_TYPE_JSON, GUID};
use crate::error::{Error, Result};
use crate::http;
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use reqwest::RequestBuilder;
use reqwest::StatusCode;
use std::fmt;
use std::time::Duration;

/// The event long-poll is held ~10 s by the gateway when there is no event, so it gets its
/// own limit, longer than the hold, instead of the account's (short) one.
pub const EVENT_POLL_TIMEOUT: Duration = Duration::from_secs(20);

/// Names a call in error messages, without allocating on the happy path.
#[derive(Clone, Copy)]
pub enum Call<'a> {
    SignIn(&'a str),
    ForceLogin(&'a str),
    Status(&'a str),
    Team(&'a str),
    Skills(&'a str),
    QueueStats(&'a str),
    Events(&'a str),
    Logout(&'a str),
    ForceLogout(&'a str),
}

impl fmt::Display for Call<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Call::SignIn(w) => write!(f, "sign-in of seat {w}"),
            Call::ForceLogin(w) => write!(f, "forced sign-in of seat {w}"),
            Call::Status(id) => write!(f, "status of agent {id}"),
            Call::Team(w) => write!(f, "team listing of seat {w}"),
            Call::Skills(w) => write!(f, "skill queues of seat {w}'s VDN"),
            Call::QueueStats(w) => write!(f, "queue statistics through seat {w}"),
            Call::Events(w) => write!(f, "event poll of seat {w}"),
            Call::Logout(w) => write!(f, "sign-out of seat {w}"),
            Call::ForceLogout(w) => write!(f, "forced sign-out of seat {w}"),
        }
    }
}

/// The team listing's answer: an envelope, or HTTP 404 without one (a gateway that does not
/// offer the call, or not to this seat).
pub enum TeamAnswer {
    Answered(Envelope),
    NotFound,
}

/// A gateway answer: its envelope and its `Set-GUID` header as sent.
pub struct Answer {
    pub envelope: Envelope,
    set_guid: Option<HeaderValue>,
}

impl Answer {
    /// The new Guid the answer announced, if any; the error says why a `Set-GUID` header that
    /// is present cannot be used (without quoting it: it is a credential).
    pub fn new_guid(&self) -> std::result::Result<Option<HeaderValue>, String> {
        wire::new_guid(self.set_guid.as_ref())
    }
}

pub struct Gateway {
    http: reqwest::Client,
    /// `scheme://host:port[/prefix]/agentgateway/resource`
    resource: String,
    /// The account's answer size limit.
    max_answer_bytes: u64,
}

impl Gateway {
    pub fn new(http: reqwest::Client, base_url: &str, max_answer_bytes: u64) -> Self {
        Gateway {
            http,
            resource: format!("{}/agentgateway/resource", base_url.trim_end_matches('/')),
            max_answer_bytes,
        }
    }

    /// `body` is the JSON sign-in body; it holds the password and goes nowhere but the request.
    pub async fn sign_in(&self, workno: &str, body: Bytes) -> Result<Answer> {
        let url = format!("{}/onlineagent/{workno}", self.resource);
        let request = self
            .http
            .put(url)
            .header(CONTENT_TYPE, CONTENT_TYPE_JSON)
            .body(body);
        self.exchange(request, Call::SignIn(workno)).await
    }

    pub async fn force_login(&self, workno: &str, body: Bytes) -> Result<Answer> {
        let url = format!("{}/onlineagent/{workno}/forcelogin", self.resource);
        let request = self
            .http
            .put(url)
            .header(CONTENT_TYPE, CONTENT_TYPE_JSON)
            .body(body);
        self.exchange(request, Call::ForceLogin(workno)).await
    }

    pub async fn status(&self, agent_id: &str, guid: &HeaderValue) -> Result<Envelope> {
        let url = format!("{}/onlineagent/{agent_id}/agentstatus", self.resource);
        let request = self.with_guid(self.http.get(url), guid);
        Ok(self
            .exchange(request, Call::Status(agent_id))
            .await?
            .envelope)
    }

    /// Every agent the quality-inspection seat `workno` may monitor (undocumented; see `team`).
    /// HTTP 404 counts as a refusal only when the body is not an envelope: a retcode in the
    /// body is the truth whatever the status.
    pub async fn team(&self, workno: &str, guid: &HeaderValue) -> Result<TeamAnswer> {
        let url = format!("{}/qualitycontrol/{workno}/allagent", self.resource);
        let request = self.with_guid(self.http.get(url), guid);
        let call = Call::Team(workno);
        let fetched = self.fetch(request, call).await?;
        if fetched.status == StatusCode::NOT_FOUND && wire::parse_envelope(&fetched.text).is_err() {
            return Ok(TeamAnswer::NotFound);
        }
        Ok(TeamAnswer::Answered(fetched.into_answer(call)?.envelope))
    }

    /// The skill queues of the seat's VDN (`agentvdnskill`, cec_07_0409).
    pub async fn skills(&self, workno: &str, guid: &HeaderValue) -> Result<Envelope> {
        let url = format!("{}/queuedevice/{workno}/agentvdnskill", self.resource);
        let request = self.with_guid(self.http.get(url), guid);
        Ok(self.exchange(request, Call::Skills(workno)).await?.envelope)
    }

    /// The statistics of up to 100 skill queues (`queryacdstat`, cec_07_0411); the ids go as
    /// numbers, as Huawei's documented example sends them.
    pub async fn queue_stats(
        &self,
        workno: &str,
        guid: &HeaderValue,
        skills: &[u32],
    ) -> Result<Envelope> {
        let url = format!("{}/queuedevice/{workno}/queryacdstat", self.resource);
        let body = serde_json::json!({ "skills": skills }).to_string();
        let request = self.with_guid(self.http.post(url), guid).body(body);
        Ok(self
            .exchange(request, Call::QueueStats(workno))
            .await?
            .envelope)
    }

    /// The long-poll that doubles as the heartbeat.
    pub async fn events(&self, workno: &str, guid: &HeaderValue) -> Result<Answer> {
        let url = format!("{}/agentevent/{workno}?calldata=", self.resource);
        let request = self
            .with_guid(self.http.get(url), guid)
            .timeout(EVENT_POLL_TIMEOUT);
        self.exchange(request, Call::Events(workno)).await
    }

    /// Without a Guid (a sign-in that handed none out) the request carries only what the
    /// client's cookie store holds for the gateway: the session cookie, when it set one.
    pub async fn logout(&self, workno: &str, guid: Option<&HeaderValue>) -> Result<Envelope> {
        let url = format!("{}/onlineagent/{workno}/logout", self.resource);
        let request = self.with_optional_guid(self.http.delete(url), guid);
        Ok(self.exchange(request, Call::Logout(workno)).await?.envelope)
    }

    pub async fn force_logout(&self, workno: &str, guid: Option<&HeaderValue>) -> Result<Envelope> {
        let url = format!("{}/onlineagent/{workno}/forcelogout", self.resource);
        let request = self.with_optional_guid(self.http.delete(url), guid);
        Ok(self
            .exchange(request, Call::ForceLogout(workno))
            .await?
            .envelope)
    }

    fn with_guid(&self, request: RequestBuilder, guid: &HeaderValue) -> RequestBuilder {
        request
            .header(GUID, guid.clone())
            .header(CONTENT_TYPE, CONTENT_TYPE_JSON)
    }

    fn with_optional_guid(
        &self,
        request: RequestBuilder,
        guid: Option<&HeaderValue>,
    ) -> RequestBuilder {
        match guid {
            Some(guid) => self.with_guid(request, guid),
            None => request.header(CONTENT_TYPE, CONTENT_TYPE_JSON),
        }
    }

    async fn exchange(&self, request: RequestBuilder, call: Call<'_>) -> Result<Answer> {
        self.fetch(request, call).await?.into_answer(call)
    }

    /// Sends the request and reads the answer's text, within the account's size limit.
    async fn fetch(&self, request: RequestBuilder, call: Call<'_>) -> Result<Fetched> {
        let response = http::send(request).await.map_err(|e| e.in_call(call))?;
        let status = response.status();
        let set_guid = response.headers().get(wire::SET_GUID).cloned();
        let content_type = response.headers().get(CONTENT_TYPE).cloned();
        // Only an error needs the headers (Retry-After); the happy path skips the copy.
        let headers = if status.is_success() {
            HeaderMap::new()
        } else {
            response.headers().clone()
        };
        let body = http::read_body(response, self.max_answer_bytes)
            .await
            .map_err(|e| e.in_call(call))?;
        let text = charset::decode(content_type.as_ref(), &body).into_owned();
        Ok(Fetched {
            status,
            headers,
            set_guid,
            text,
        })
    }
}

/// An answer as received, before its envelope is read.
struct Fetched {
    status: StatusCode,
    headers: HeaderMap,
    set_guid: Option<HeaderValue>,
    text: String,
}

impl Fetched {
    /// The envelope; an answer that is not one is malformed (success) or the HTTP error.
    fn into_answer(self, call: Call<'_>) -> Result<Answer> {
        let envelope = match wire::parse_envelope(&self.text) {
            Ok(envelope) => envelope,
            Err(e) if self.status.is_success() => {
                return Err(Error::malformed(&call.to_string(), e))
            }
            Err(_) => {
                return Err(http::status_error(
                    self.status,
                    &self.headers,
                    self.text.as_bytes(),
                    &call.to_string(),
                ))
            }
        };
        Ok(Answer {
            envelope,
            set_guid: self.set_guid,
        })
    }
}
