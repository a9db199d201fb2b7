use super::*;
use crate::model::{Observation, Severity, Vendor};
use crate::status::{AccountHealth, AccountStatus, AgentStatus};
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-11-30 12:00 +01:00);

fn agent(account: &str, id: &str) -> AgentStatus {
    AgentStatus {
        account_id: account.into(),
        account_name: account.into(),
        vendor: Vendor::Agora,
        observation: Observation {
            agent_id: id.into(),
            name: None,
            state: "RUNNING".into(),
            native: "RUNNING".into(),
            severity: Severity::Ok,
            identity: None,
            detail: None,
            time_in_state: None,
            finding: None,
            figures: None,
        },
        since_ms: 0,
        stale: false,
    }
}

fn account(id: &str) -> AccountStatus {
    AccountStatus {
        health: AccountHealth::Ok,
        ..AccountStatus::pending(id, id, Vendor::Agora)
    }
}

fn status() -> Status {
    Status {
        accounts: vec![account("cc"), account("ai")],
        agents: vec![
            agent("cc", "1001"),
            agent("cc", "1002"),
            agent("ai", "1001"),
            agent("ai", "bot"),
        ],
        ..Default::default()
    }
}

#[test]
fn agents_are_named_as_account_slash_agent_or_by_a_unique_id() {
    let s = status();
    assert_eq!(
        resolve_agent(&s, "cc/1001").unwrap(),
        AgentKey::new("cc", "1001")
    );
    assert_eq!(
        resolve_agent(&s, "bot").unwrap(),
        AgentKey::new("ai", "bot")
    );
    let twice = resolve_agent(&s, "1001").unwrap_err();
    assert!(twice.contains("in 2 accounts (cc, ai)"), "{twice}");
    let none = resolve_agent(&s, "cc/9999").unwrap_err();
    assert!(none.contains("no agent"), "{none}");
}

#[test]
fn requests_become_the_policys_commands_with_a_sentence() {
    let s = status();
    let planned = plan(
        &ControlOp::Snooze {
            agent: Some("cc/1002".into()),
            account: None,
            for_secs: Some(2 * 3600),
        },
        &s,
        NOW,
    )
    .unwrap();
    assert_eq!(planned.message, "snoozed agent cc/1002 until 14:00");
    assert!(matches!(
        planned.command,
        AlertCommand::Snooze(SnoozeTarget::Agent(_), SnoozeUntil::At(t)) if t == NOW + time::Duration::hours(2)
    ));
    let planned = plan(
        &ControlOp::MaintenanceStart {
            account: "ai".into(),
            for_secs: None,
        },
        &s,
        NOW,
    )
    .unwrap();
    assert_eq!(planned.message, "account ai in maintenance until 13:00");
    let planned = plan(&ControlOp::Pause { for_secs: None }, &s, NOW).unwrap();
    assert!(matches!(planned.command, AlertCommand::PauseAll(None)));
    for (op, why) in [
        (
            ControlOp::MaintenanceEnd {
                account: "nope".into(),
            },
            "no account \"nope\"",
        ),
        (
            ControlOp::Pause {
                for_secs: Some(8 * 24 * 3600),
            },
            "from 1 minute to 7 days",
        ),
        (
            ControlOp::Snooze {
                agent: None,
                account: None,
                for_secs: None,
            },
            "an agent or an account",
        ),
    ] {
        let err = plan(&op, &s, NOW).unwrap_err();
        assert!(err.contains(why), "{err}");
    }
}

#[test]
fn request_lines_are_versioned_and_checked() {
    let line = serde_json::to_string(&ControlRequest::new(ControlOp::Pause {
        for_secs: Some(3600),
    }))
    .unwrap();
    assert_eq!(line, r#"{"v":1,"op":"pause","for_secs":3600}"#);
    assert_eq!(
        ControlRequest::parse(&line).unwrap().op,
        ControlOp::Pause {
            for_secs: Some(3600)
        }
    );
    for (bad, why) in [
        ("garbage", "not a JSON request"),
        (r#"{"op":"resume"}"#, "no protocol version"),
        (r#"{"v":2,"op":"resume"}"#, "version 2 is not spoken"),
        (r#"{"v":1,"op":"format_disk"}"#, "not a valid request"),
        (r#"{"v":1,"op":"ack"}"#, "not a valid request"),
    ] {
        let err = ControlRequest::parse(bad).unwrap_err();
        assert!(err.contains(why), "{bad}: {err}");
    }
}

/// The channel of this platform, over real sockets or pipes: what both have to do alike.
mod over_the_channel {
    use super::super::channel::*;
    use super::super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A place no one else listens on: a fresh folder for a socket, a fresh pipe name.
    pub(super) struct Place {
        pub location: PathBuf,
        _dir: tempfile::TempDir,
    }

    pub(super) fn fresh_place() -> Place {
        let dir = tempfile::tempdir().unwrap();
        #[cfg(unix)]
        let location = dir.path().join("agentwatch");
        #[cfg(windows)]
        let location = PathBuf::from(format!(
            r"\\.\pipe\agentwatch-test-{}",
            uuid_like(dir.path())
        ));
        Place {
            location,
            _dir: dir,
        }
    }

    /// A pipe name part unique to this test: the temporary folder's own unique name.
    #[cfg(windows)]
    fn uuid_like(dir: &std::path::Path) -> String {
        dir.file_name().unwrap().to_string_lossy().into_owned()
    }

    /// A server that answers "done" and counts the requests it applied.
    pub(super) async fn server(
        location: &std::path::Path,
    ) -> (Arc<AtomicUsize>, tokio_util::sync::CancellationToken) {
        let applied = Arc::new(AtomicUsize::new(0));
        let counter = applied.clone();
        let handler: Handler = Arc::new(move |request: ControlRequest| {
            counter.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move { ControlResponse::done(format!("{:?}", request.op)) })
        });
        let server = ControlServer::bind(location).await.expect("binds");
        let cancel = tokio_util::sync::CancellationToken::new();
        tokio::spawn(server.serve(handler, cancel.clone()));
        (applied, cancel)
    }

    /// Sends raw bytes, as a script with a bug would, and reads the answer.
    async fn raw(location: &std::path::Path, bytes: &[u8]) -> ControlResponse {
        #[cfg(unix)]
        let mut stream =
            tokio::net::UnixStream::connect(location.join(super::super::socket::SOCKET_NAME))
                .await
                .unwrap();
        #[cfg(windows)]
        let mut stream = tokio::net::windows::named_pipe::ClientOptions::new()
            .open(location)
            .unwrap();
        // The server may answer and close before reading everything: that is its right.
        let _ = stream.write_all(bytes).await;
        let mut answer = Vec::new();
        // A pipe's server closing its end ends the read with "broken pipe" after the answer.
        let _ = stream.read_to_end(&mut answer).await;
        serde_json::from_slice(String::from_utf8_lossy(&answer).trim().as_bytes()).unwrap()
    }

    #[tokio::test]
    async fn requests_are_answered_and_bad_ones_change_nothing() {
        let place = fresh_place();
        let location = &place.location;
        let (applied, cancel) = server(location).await;

        let answer = send(location, &ControlRequest::new(ControlOp::Resume))
            .await
            .unwrap();
        assert!(answer.ok, "{answer:?}");
        assert_eq!(applied.load(Ordering::SeqCst), 1);

        let oversized = vec![b'x'; MAX_REQUEST_BYTES * 4];
        let answer = raw(location, &oversized).await;
        assert!(
            !answer.ok && answer.message.contains("larger than"),
            "{answer:?}"
        );
        let answer = raw(location, b"\x00\xffnot json\n").await;
        assert!(!answer.ok, "{answer:?}");
        let answer = raw(
            location,
            b"{\"v\":1,\"op\":\"pause\",\"for_secs\":\"soon\"}\n",
        )
        .await;
        assert!(
            !answer.ok && answer.message.contains("not a valid request"),
            "{answer:?}"
        );
        assert_eq!(applied.load(Ordering::SeqCst), 1, "nothing applied");

        // A second server is refused while the first answers; the first still works, also
        // for callers one after the other and at once.
        assert!(matches!(
            ControlServer::bind(location).await,
            Err(BindError::InUse(_))
        ));
        let resume = ControlRequest::new(ControlOp::Resume);
        let at_once = futures::future::join_all((0..4).map(|_| send(location, &resume))).await;
        for answer in at_once {
            assert!(answer.unwrap().ok);
        }
        assert_eq!(applied.load(Ordering::SeqCst), 5);
        cancel.cancel();
    }

    #[tokio::test]
    async fn nothing_listening_is_said_plainly() {
        let place = fresh_place();
        let request = ControlRequest::new(ControlOp::Resume);
        let err = send(&place.location, &request).await.unwrap_err();
        assert!(matches!(err, ClientError::NotRunning(_)), "{err:?}");
        assert!(
            err.to_string().starts_with("no AgentWatch is running"),
            "{err}"
        );
    }
}

#[cfg(unix)]
mod over_the_socket {
    use super::super::socket::*;
    use super::super::*;
    use super::over_the_channel::{fresh_place, server};
    use std::os::unix::fs::PermissionsExt;

    #[tokio::test]
    async fn only_its_user_may_use_the_folder_and_socket() {
        let place = fresh_place();
        let dir = &place.location;
        let (_, cancel) = server(dir).await;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(dir), 0o700);
        assert_eq!(mode(&dir.join(SOCKET_NAME)), 0o600);
        cancel.cancel();
    }

    #[tokio::test]
    async fn a_folder_others_can_use_is_refused_and_nothing_running_is_said() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("agentwatch");
        let request = ControlRequest::new(ControlOp::Resume);
        assert!(matches!(
            send(&dir, &request).await,
            Err(ClientError::NotRunning(_))
        ));

        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = ControlServer::bind(&dir).await.err().expect("refused");
        assert!(err.to_string().contains("mode 755"), "{err}");
        assert!(matches!(
            send(&dir, &request).await,
            Err(ClientError::Failed(_))
        ));

        // Another user's folder (made so where we may: as root, given to nobody).
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        // SAFETY: geteuid(2).
        if unsafe { libc::geteuid() } == 0 {
            let path = std::ffi::CString::new(dir.to_str().unwrap()).unwrap();
            // SAFETY: chown(2) on a path we own, with a valid C string.
            assert_eq!(unsafe { libc::chown(path.as_ptr(), 65534, 65534) }, 0);
            let err = ControlServer::bind(&dir).await.err().expect("refused");
            assert!(
                err.to_string().contains("belongs to user id 65534"),
                "{err}"
            );
        } else {
            let err = check_dir(std::path::Path::new("/")).unwrap_err();
            assert!(err.to_string().contains("belongs to user id 0"), "{err}");
        }

        // A stale socket left by a process that died is replaced.
        let fresh = base.path().join("fresh");
        drop(ControlServer::bind(&fresh).await.unwrap());
        let stale = std::os::unix::net::UnixListener::bind(fresh.join(SOCKET_NAME)).unwrap();
        drop(stale);
        assert!(matches!(
            send(&fresh, &request).await,
            Err(ClientError::NotRunning(_))
        ));
        let (_, cancel) = server(&fresh).await;
        assert!(send(&fresh, &request).await.unwrap().ok);
        cancel.cancel();
    }
}
