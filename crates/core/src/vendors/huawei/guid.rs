//! Where the current Guid lives, shared by the polls and the heartbeat task. The Guid is a
//! credential: it is kept only as a sensitive header value (redacted in Debug output).

use reqwest::header::HeaderValue;
use std::sync::{Arc, RwLock};

/// A Guid and the sign-in session it belongs to (rotations keep the session number).
pub struct Guid {
    pub header: HeaderValue,
    pub session: u64,
}

#[derive(Default)]
pub struct GuidStore {
    // A std lock: it is only ever held for a pointer copy, never across an await.
    current: RwLock<Option<Arc<Guid>>>,
}

impl GuidStore {
    pub fn current(&self) -> Option<Arc<Guid>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The current Guid if it still belongs to `session`.
    pub fn current_of(&self, session: u64) -> Option<Arc<Guid>> {
        self.current().filter(|g| g.session == session)
    }

    pub fn install(&self, header: HeaderValue, session: u64) -> Arc<Guid> {
        let guid = Arc::new(Guid { header, session });
        *self.write() = Some(guid.clone());
        guid
    }

    /// A rotated Guid (AUTHMODE 2) replaces the current one only if the session is unchanged:
    /// a late answer from an old session must not overwrite a newer sign-in.
    pub fn rotate(&self, session: u64, header: HeaderValue) -> bool {
        let mut slot = self.write();
        if slot.as_ref().is_some_and(|g| g.session == session) {
            *slot = Some(Arc::new(Guid { header, session }));
            true
        } else {
            false
        }
    }

    /// Forgets the session's Guid (the gateway said it is gone); a newer session is kept.
    pub fn forget_session(&self, session: u64) {
        let mut slot = self.write();
        if slot.as_ref().is_some_and(|g| g.session == session) {
            *slot = None;
        }
    }

    pub fn take(&self) -> Option<Arc<Guid>> {
        self.write().take()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Option<Arc<Guid>>> {
        self.current.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(text: &'static str) -> HeaderValue {
        HeaderValue::from_static(text)
    }

    #[test]
    fn rotation_and_loss_only_touch_their_own_session() {
        let store = GuidStore::default();
        store.install(header("a"), 1);
        assert!(store.rotate(1, header("b")));
        assert_eq!(store.current().unwrap().header, "b");
        store.install(header("c"), 2);
        assert!(!store.rotate(1, header("late")));
        store.forget_session(1);
        assert_eq!(store.current_of(2).unwrap().header, "c");
        assert!(store.current_of(1).is_none());
        store.forget_session(2);
        assert!(store.current().is_none());
    }
}
