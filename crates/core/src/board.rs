//! The status board: the engine's one copy of the latest status, updated by the pollers and
//! published whole on a watch channel after each change. Its lock is never held across an await.

use crate::clock::now_ms;
use crate::config::AccountConfig;
use crate::error::ErrorReport;
use crate::model::{Observation, Snapshot};
use crate::status::{AccountHealth, AccountStatus, AgentStatus, Status};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

pub(crate) struct Board {
    status: Mutex<Status>,
    tx: watch::Sender<Arc<Status>>,
}

impl Board {
    /// A board listing `accounts` as pending, in config order.
    pub fn new(accounts: &[AccountConfig]) -> Board {
        let status = Status {
            accounts: accounts
                .iter()
                .map(|a| AccountStatus::pending(a.id.clone(), a.display_name(), a.vendor))
                .collect(),
            agents: Vec::new(),
            updated_ms: now_ms(),
            condition: None,
        };
        let (tx, _) = watch::channel(Arc::new(status.clone()));
        Board {
            status: Mutex::new(status),
            tx,
        }
    }

    pub fn subscribe(&self) -> watch::Receiver<Arc<Status>> {
        self.tx.subscribe()
    }

    pub fn current(&self) -> Arc<Status> {
        self.tx.borrow().clone()
    }

    fn update(&self, change: impl FnOnce(&mut Status)) {
        let published = {
            let mut status = self.status.lock().expect("status lock");
            change(&mut status);
            status.updated_ms = now_ms();
            status.condition = status.current_condition();
            Arc::new(status.clone())
        };
        self.tx.send_replace(published);
    }

    /// The account's agents after a poll: those of the snapshot, and the watched ones that
    /// left it (`gone`).
    pub fn account_polled(
        &self,
        account: &AccountConfig,
        snapshot: &Snapshot,
        gone: &[Observation],
        skipped_entries: usize,
        now: i64,
    ) {
        let name = account.display_name().to_string();
        self.update(|status| {
            if let Some(a) = status.accounts.iter_mut().find(|a| a.id == account.id) {
                a.health = AccountHealth::Ok;
                a.error = None;
                a.last_poll_ms = Some(now);
                a.last_success_ms = Some(now);
                a.down_since_ms = None;
                a.skipped_entries = skipped_entries;
            }
            let order = account_order(status);
            status.agents.retain(|a| a.account_id != account.id);
            status
                .agents
                .extend(snapshot.values().chain(gone).map(|obs| AgentStatus {
                    account_id: account.id.clone(),
                    account_name: name.clone(),
                    vendor: account.vendor,
                    observation: obs.clone(),
                    since_ms: obs.time_in_state.as_ref().map_or(now, |t| t.entered_ms),
                    stale: false,
                }));
            status.agents.sort_by(|x, y| {
                (order.get(&x.account_id), &x.observation.agent_id)
                    .cmp(&(order.get(&y.account_id), &y.observation.agent_id))
            });
        });
    }

    pub fn account_failed(
        &self,
        account: &AccountConfig,
        error: ErrorReport,
        down_since: i64,
        now: i64,
    ) {
        self.update(|status| {
            if let Some(a) = status.accounts.iter_mut().find(|a| a.id == account.id) {
                a.health = AccountHealth::Unreachable;
                a.error = Some(error);
                a.last_poll_ms = Some(now);
                a.down_since_ms = Some(down_since);
            }
            for agent in status
                .agents
                .iter_mut()
                .filter(|a| a.account_id == account.id)
            {
                agent.stale = true;
            }
        });
    }
}

fn account_order(status: &Status) -> HashMap<String, usize> {
    status
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.clone(), i))
        .collect()
}
