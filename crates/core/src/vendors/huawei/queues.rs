//! The seat's skill queues (`[accounts.queues]`), read once per poll through the seat's session:
//! which skills (the configured ids, or every skill of the seat's VDN, listed once per sign-in)
//! and their statistics, asked in batches of at most 100 skills per call (Huawei's limit).
//!
//! A refusal is the queue's own unreadable state with the gateway's reason, never the
//! account's failure: a skill the gateway refuses on its own (an unknown id) is found by asking
//! the refused batch's skills one by one, once per session, and not asked again in it.

use super::gateway::Gateway;
use super::guid::Guid;
use super::skills::{self, Skill};
use super::wire::{self, Envelope};
use super::{session_alive, BatchError};
use crate::items;
use crate::model::Observation;
use crate::queues::{QueueSettings, SkillChoice};
use futures::{StreamExt, TryStreamExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Huawei's limit of skills per `queryacdstat` call.
pub const MAX_SKILLS_PER_CALL: usize = 100;
/// Statistics calls in flight at once.
const CONCURRENT_CALLS: usize = 4;

pub struct QueueWatch {
    settings: QueueSettings,
    /// The skills of the seat's VDN as listed in a session (`skills = "all"`).
    listed: Mutex<Option<(u64, Arc<Vec<Skill>>)>>,
    /// The skills the gateway refused on their own in a session, with its reason.
    refused: Mutex<(u64, HashMap<u32, String>)>,
}

/// One skill's answer: its figures, or why it has none.
type Answered = (u32, Result<crate::queues::SkillStats, String>);

impl QueueWatch {
    pub fn new(settings: QueueSettings) -> QueueWatch {
        QueueWatch {
            settings,
            listed: Mutex::new(None),
            refused: Mutex::new((0, HashMap::new())),
        }
    }

    /// Every watched queue as an item, in skill order. Only a lost session fails the poll.
    pub async fn poll(
        &self,
        gateway: &Gateway,
        seat: &str,
        guid: &Guid,
    ) -> Result<Vec<Observation>, BatchError> {
        let skills = match &self.settings.skills {
            SkillChoice::Listed(ids) => {
                Arc::new(ids.iter().map(|&id| Skill { id, name: None }).collect())
            }
            SkillChoice::All => match self.listed_skills(gateway, seat, guid).await? {
                Ok(skills) => skills,
                Err(reason) => return Ok(vec![all_skills_unreadable(&reason)]),
            },
        };
        if skills.is_empty() {
            return Ok(vec![all_skills_unreadable(
                "the gateway lists no skill queue for the seat's VDN",
            )]);
        }
        let refused = self.refused_in(guid.session);
        let asked: Vec<u32> = skills
            .iter()
            .map(|s| s.id)
            .filter(|id| !refused.contains_key(id))
            .collect();
        // Owned batches: a closure over borrowed slices trips the compiler's higher-ranked
        // lifetime check inside the async_trait future.
        let batches: Vec<Vec<u32>> = asked
            .chunks(MAX_SKILLS_PER_CALL)
            .map(<[u32]>::to_vec)
            .collect();
        let answers: Vec<Vec<Answered>> = futures::stream::iter(batches)
            .map(|batch| async move { self.ask(gateway, seat, guid, &batch).await })
            .buffer_unordered(CONCURRENT_CALLS)
            .try_collect()
            .await?;
        let mut by_id: HashMap<u32, Result<crate::queues::SkillStats, String>> =
            answers.into_iter().flatten().collect();
        let refused = self.refused_in(guid.session);
        Ok(skills
            .iter()
            .map(|skill| {
                let answer = by_id.remove(&skill.id).unwrap_or_else(|| {
                    Err(refused.get(&skill.id).cloned().unwrap_or_else(|| {
                        "the gateway's answer does not include this skill".to_string()
                    }))
                });
                match answer {
                    Ok(mut stats) => {
                        stats.name = stats.name.or_else(|| skill.name.clone());
                        self.settings.observe(stats)
                    }
                    Err(reason) => {
                        items::unreadable_queue(&skill.id.to_string(), skill.name.clone(), &reason)
                    }
                }
            })
            .collect())
    }

    /// The skills of the seat's VDN, listed once per session; the error is why they could not
    /// be (asked again at the next poll).
    async fn listed_skills(
        &self,
        gateway: &Gateway,
        seat: &str,
        guid: &Guid,
    ) -> Result<Result<Arc<Vec<Skill>>, String>, BatchError> {
        if let Some((session, skills)) = &*lock(&self.listed) {
            if *session == guid.session {
                return Ok(Ok(skills.clone()));
            }
        }
        let skills = match list_skills(gateway, seat, guid).await? {
            Ok(skills) => Arc::new(skills),
            Err(reason) => return Ok(Err(reason)),
        };
        *lock(&self.listed) = Some((guid.session, skills.clone()));
        Ok(Ok(skills))
    }

    /// One `queryacdstat` call for `batch`; a refused batch of several skills is asked again
    /// skill by skill, to tell the refused ones from the rest.
    async fn ask(
        &self,
        gateway: &Gateway,
        seat: &str,
        guid: &Guid,
        batch: &[u32],
    ) -> Result<Vec<Answered>, BatchError> {
        let envelope = match gateway.queue_stats(seat, &guid.header, batch).await {
            Ok(envelope) => envelope,
            Err(e) => return Ok(every(batch, &e.to_string())),
        };
        if envelope.is_ok() {
            return Ok(match skills::read_stats(envelope.result) {
                Ok(stats) => stats
                    .into_iter()
                    .filter(|(id, _)| batch.contains(id))
                    .collect(),
                Err(reason) => every(batch, &format!("unreadable answer: {reason}")),
            });
        }
        let reason = refusal(gateway, seat, guid, &envelope).await?;
        if batch.len() == 1 || envelope.retcode != wire::RETCODE_BAD_PARAMETER {
            if envelope.retcode == wire::RETCODE_BAD_PARAMETER {
                self.refuse(guid.session, batch[0], &reason);
            }
            return Ok(every(batch, &reason));
        }
        // Which of them does the gateway refuse? Once per session: refused skills stay out of
        // the batches until the next sign-in.
        tracing::info!(
            seat,
            skills = batch.len(),
            "huawei: the gateway refused a batch of skills ({reason}); asking each on its own"
        );
        let single: Vec<Vec<Answered>> = futures::stream::iter(batch.iter().copied())
            .map(|id| async move {
                let one = [id];
                Box::pin(self.ask(gateway, seat, guid, &one)).await
            })
            .buffer_unordered(CONCURRENT_CALLS * 2)
            .try_collect()
            .await?;
        Ok(single.into_iter().flatten().collect())
    }

    fn refused_in(&self, session: u64) -> HashMap<u32, String> {
        let mut refused = lock(&self.refused);
        if refused.0 != session {
            *refused = (session, HashMap::new());
        }
        refused.1.clone()
    }

    fn refuse(&self, session: u64, skill: u32, reason: &str) {
        let mut refused = lock(&self.refused);
        if refused.0 == session {
            refused.1.insert(skill, reason.to_string());
        }
    }
}

/// Every skill of the seat's VDN (`skills = "all"`, and the dashboard's skill picker); the inner
/// error is why they could not be listed, a lost session fails the call.
pub(super) async fn list_skills(
    gateway: &Gateway,
    seat: &str,
    guid: &Guid,
) -> Result<Result<Vec<Skill>, String>, BatchError> {
    let envelope = match gateway.skills(seat, &guid.header).await {
        Ok(envelope) => envelope,
        Err(e) => return Ok(Err(e.to_string())),
    };
    if !envelope.is_ok() {
        return refusal(gateway, seat, guid, &envelope).await.map(Err);
    }
    let listed = match skills::read_skills(envelope.result) {
        Ok(listed) => listed,
        Err(reason) => return Ok(Err(format!("the skill listing is unreadable: {reason}"))),
    };
    if listed.skipped_entries > 0 {
        tracing::warn!(
            seat,
            skipped = listed.skipped_entries,
            "huawei: skill listing entries without a usable id were left out"
        );
    }
    Ok(Ok(listed.skills))
}

/// Why the gateway refused a call, in words; a lost session fails the poll instead.
async fn refusal(
    gateway: &Gateway,
    seat: &str,
    guid: &Guid,
    envelope: &Envelope,
) -> Result<String, BatchError> {
    // "No permission" is also what a stale Guid gets: the seat's own status tells which.
    if wire::is_session_lost(&envelope.retcode)
        && !session_alive(gateway, seat, &guid.header).await?
    {
        return Err(BatchError::SessionLost(envelope.retcode.clone()));
    }
    Ok(match envelope.retcode.as_str() {
        wire::RETCODE_NO_PERMISSION => format!(
            "the gateway refused it ({}): the seat lacks the right to see queue statistics",
            envelope.describe()
        ),
        wire::RETCODE_BAD_PARAMETER => format!(
            "the gateway refused it ({}): no such skill on the seat's VDN",
            envelope.describe()
        ),
        _ => format!("the gateway refused it ({})", envelope.describe()),
    })
}

/// The same reason for every skill of a batch.
fn every(batch: &[u32], reason: &str) -> Vec<Answered> {
    batch
        .iter()
        .map(|&id| (id, Err(reason.to_string())))
        .collect()
}

/// The item standing for the seat's queues while they cannot be listed: never silently none.
fn all_skills_unreadable(reason: &str) -> Observation {
    items::unreadable_queue(items::ALL_SKILLS, Some("all skills".to_string()), reason)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
