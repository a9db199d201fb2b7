//! The account's session with the gateway: a Guid obtained by signing a supervisor seat in
//! (kept alive by the heartbeat) or configured statically. Signing in is lazy (on the first
//! poll) and happens again when the gateway says the Guid is no longer valid.

use super::backoff::SignInBackoff;
use super::gateway::{Answer, Call, Gateway};
use super::guid::{Guid, GuidStore};
use super::heartbeat::Heartbeat;
use super::team_events::TeamEvents;
use super::wire::{self, SignInBody};
use crate::error::{Error, ErrorKind, Result};
use bytes::Bytes;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio_util::sync::CancellationToken;

/// How the account authenticates. Not `Debug`-derived: it holds the password or the Guid
/// (SecretString redacts itself, but nothing here needs printing).
pub enum Credentials {
    SignIn(SeatLogin),
    /// A Guid obtained elsewhere; we never sign out a session we did not create.
    StaticGuid(SecretString),
}

/// The supervisor seat AgentWatch signs in. Not `Debug`: it holds the password.
pub struct SeatLogin {
    pub workno: String,
    pub phonenum: String,
    pub password: SecretString,
}

pub struct Session {
    gateway: Arc<Gateway>,
    credentials: Credentials,
    store: Arc<GuidStore>,
    sessions_started: AtomicU64,
    /// Serialises sign-in and sign-out so that concurrent polls sign in once; it guards the
    /// back-off of failed sign-ins.
    sign_in_lock: tokio::sync::Mutex<SignInBackoff>,
    heartbeat: Mutex<Option<Heartbeat>>,
    /// Where the heartbeat hands the sign-in/out events of monitored agents.
    team_events: Arc<TeamEvents>,
    /// Cancels every heartbeat at once (shutdown, drop).
    background: CancellationToken,
}

impl Session {
    pub fn new(
        gateway: Arc<Gateway>,
        credentials: Credentials,
        team_events: Arc<TeamEvents>,
    ) -> Session {
        Session {
            gateway,
            credentials,
            store: Arc::new(GuidStore::default()),
            sessions_started: AtomicU64::new(0),
            sign_in_lock: tokio::sync::Mutex::new(SignInBackoff::default()),
            heartbeat: Mutex::new(None),
            team_events,
            background: CancellationToken::new(),
        }
    }

    /// The Guid to poll with, signing in first when there is none.
    pub async fn guid(&self) -> Result<Arc<Guid>> {
        if let Some(guid) = self.store.current() {
            return Ok(guid);
        }
        match &self.credentials {
            Credentials::StaticGuid(secret) => {
                let header = static_guid_header(secret)?;
                Ok(self.store.install(header, 0))
            }
            Credentials::SignIn(login) => {
                let mut backoff = self.sign_in_lock.lock().await;
                match self.store.current() {
                    Some(guid) => Ok(guid),
                    None => self.sign_in(login, &mut backoff).await,
                }
            }
        }
    }

    /// A fresh Guid after the gateway refused `stale` with `retcode` (100-006 / 000-003).
    /// If the heartbeat already rotated or another poll already signed in again, that Guid is
    /// used; otherwise the seat signs in again. A static Guid cannot be renewed.
    pub async fn renew(&self, stale: &Arc<Guid>, retcode: &str) -> Result<Arc<Guid>> {
        let Credentials::SignIn(login) = &self.credentials else {
            return Err(Error::poll(
                ErrorKind::Auth,
                format!(
                    "the configured Guid is no longer valid (the gateway answered retcode {retcode}): \
                     obtain a new Guid and store it as this account's secret, or use auth = \"signin\""
                ),
            ));
        };
        let mut backoff = self.sign_in_lock.lock().await;
        if let Some(current) = self.store.current() {
            if !Arc::ptr_eq(&current, stale) {
                return Ok(current);
            }
        }
        self.store.forget_session(stale.session);
        self.sign_in(login, &mut backoff).await
    }

    /// Signs the seat out (sign-in mode only) and stops the heartbeat. Every call is
    /// time-limited by the account's timeout.
    pub async fn sign_out(&self) {
        let Credentials::SignIn(SeatLogin { workno, .. }) = &self.credentials else {
            return;
        };
        let _serial = self.sign_in_lock.lock().await;
        self.stop_heartbeat().await;
        let Some(guid) = self.store.take() else {
            return;
        };
        match self.end_seat(workno, Some(&guid.header)).await {
            SignOut::Done => tracing::info!(seat = %workno, "huawei: signed out"),
            SignOut::Forced => tracing::info!(seat = %workno, "huawei: signed out (forced)"),
            SignOut::Failed(why) => tracing::warn!(seat = %workno, "huawei: {why}"),
        }
    }

    /// Signs the seat out: `logout`, then `forcelogout` when that is refused (the seat is
    /// talking, or the gateway would not take the credential). With a Guid, "not signed in"
    /// means the session is already over; without one (a sign-in that handed out none) the
    /// calls carry only the session cookie, and "not signed in" means it was not accepted.
    async fn end_seat(&self, workno: &str, guid: Option<&HeaderValue>) -> SignOut {
        match self.gateway.logout(workno, guid).await {
            Ok(envelope) if envelope.is_ok() => return SignOut::Done,
            Ok(envelope) if guid.is_some() && wire::is_session_lost(&envelope.retcode) => {
                return SignOut::Done
            }
            Ok(envelope) => tracing::info!(
                seat = %workno,
                "huawei: sign-out refused ({}), forcing it",
                envelope.describe()
            ),
            Err(e) => tracing::warn!(seat = %workno, "huawei: {e}; forcing the sign-out"),
        }
        match self.gateway.force_logout(workno, guid).await {
            Ok(envelope) if envelope.is_ok() => SignOut::Forced,
            Ok(envelope) if guid.is_some() && wire::is_session_lost(&envelope.retcode) => {
                SignOut::Forced
            }
            Ok(envelope) => SignOut::Failed(format!(
                "{} refused: {}",
                Call::ForceLogout(workno),
                envelope.describe()
            )),
            Err(e) => SignOut::Failed(e.to_string()),
        }
    }

    /// Stops background work without waiting (the client is being dropped).
    pub fn abandon(&self) {
        self.background.cancel();
        self.lock_heartbeat().take();
    }

    /// Signs in unless a recent failure is still being waited out (see `SignInBackoff`).
    /// Called with `sign_in_lock` held (`backoff` is what it guards).
    async fn sign_in(&self, login: &SeatLogin, backoff: &mut SignInBackoff) -> Result<Arc<Guid>> {
        if let Some(error) = backoff.blocked(Instant::now()) {
            return Err(error);
        }
        let outcome = self.try_sign_in(login).await;
        match &outcome {
            Ok(_) => backoff.succeeded(),
            Err(error) => backoff.failed(error, Instant::now()),
        }
        outcome
    }

    /// Signs in (forcing it when the seat is already signed in elsewhere), installs the Guid
    /// and starts the heartbeat.
    async fn try_sign_in(&self, login: &SeatLogin) -> Result<Arc<Guid>> {
        let SeatLogin {
            workno,
            phonenum,
            password,
        } = login;
        self.stop_heartbeat().await;
        let body = serde_json::to_vec(&SignInBody::busy_supervisor(
            password.expose_secret(),
            phonenum,
        ))
        .map(Bytes::from)
        .map_err(|e| Error::poll(ErrorKind::Config, format!("cannot encode the sign-in: {e}")))?;

        let mut answer = self.gateway.sign_in(workno, body.clone()).await?;
        let mut call = Call::SignIn(workno);
        if answer.envelope.retcode == wire::RETCODE_ALREADY_SIGNED_IN {
            tracing::info!(seat = %workno, "huawei: seat already signed in elsewhere, taking it over");
            answer = self.gateway.force_login(workno, body).await?;
            call = Call::ForceLogin(workno);
        }
        let header = match signed_in_guid(&answer, call)? {
            Ok(header) => header,
            Err(why) => return Err(self.undo_sign_in_without_guid(workno, call, &why).await),
        };
        let session = self.sessions_started.fetch_add(1, Ordering::Relaxed) + 1;
        let guid = self.store.install(header, session);
        *self.lock_heartbeat() = Some(Heartbeat::start(
            self.gateway.clone(),
            self.store.clone(),
            self.team_events.clone(),
            workno.clone(),
            session,
            &self.background,
        ));
        tracing::info!(seat = %workno, "huawei: signed in");
        Ok(guid)
    }

    /// The gateway accepted the sign-in but gave no Guid to poll with: the seat must not stay
    /// signed in (as busy, under the supervisor's name) with nobody watching it. The sign-out
    /// carries the session cookie the gateway (or its load balancer) set, if any.
    async fn undo_sign_in_without_guid(&self, workno: &str, call: Call<'_>, why: &str) -> Error {
        let outcome = match self.end_seat(workno, None).await {
            SignOut::Done => "the seat was signed out again".to_string(),
            SignOut::Forced => "the seat was signed out again (forced)".to_string(),
            SignOut::Failed(reason) => format!(
                "signing it out failed too ({reason}): \
                 the seat may still be signed in on the gateway"
            ),
        };
        let message = format!(
            "{call}: signed in but the gateway sent no Guid ({why}), \
             so nothing can be polled; {outcome}"
        );
        tracing::warn!(seat = %workno, "huawei: {message}");
        Error::poll(ErrorKind::Malformed, message)
    }

    async fn stop_heartbeat(&self) {
        let running = self.lock_heartbeat().take();
        if let Some(heartbeat) = running {
            heartbeat.stop().await;
        }
    }

    fn lock_heartbeat(&self) -> std::sync::MutexGuard<'_, Option<Heartbeat>> {
        self.heartbeat.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How a sign-out went.
enum SignOut {
    Done,
    Forced,
    Failed(String),
}

/// The Guid of a successful (forced) sign-in (`Ok(Ok)`), why a successful sign-in gave no
/// usable Guid (`Ok(Err)`), or the refusal a supervisor can act on (`Err`).
fn signed_in_guid(answer: &Answer, call: Call<'_>) -> Result<Result<HeaderValue, String>> {
    let envelope = &answer.envelope;
    match envelope.retcode.as_str() {
        wire::RETCODE_OK => Ok(match answer.new_guid() {
            Ok(Some(header)) => Ok(header),
            Ok(None) => Err("no Set-GUID header".to_string()),
            Err(reason) => Err(reason),
        }),
        wire::RETCODE_WRONG_CREDENTIALS => Err(Error::poll(
            ErrorKind::Auth,
            format!(
                "{call} refused: wrong work number or password ({})",
                envelope.describe()
            ),
        )),
        _ => Err(Error::poll(
            ErrorKind::Vendor,
            format!("{call} refused by the gateway: {}", envelope.describe()),
        )),
    }
}

fn static_guid_header(secret: &SecretString) -> Result<HeaderValue> {
    wire::guid_from_set_guid(secret.expose_secret())
        .and_then(wire::guid_header)
        .ok_or_else(|| {
            Error::poll(
                ErrorKind::Auth,
                "the configured Guid is empty or holds characters a header cannot carry",
            )
        })
}
