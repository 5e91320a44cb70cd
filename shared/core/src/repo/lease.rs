//! The lease (a fencing token with a generation) and the rate windows of vendor
//! credentials: the conditional writes that keep concurrent runs apart.

use super::{Repo, conn_pk, decode, encode, tenant_pk};
use crate::ids::{ConnectionId, RunId, TenantId};
use crate::ports::{Condition, Item, Key, StoreError};
use chrono::{DateTime, Utc};

use super::model::{Lease, LeaseClaim, Opening};

impl Repo<'_> {
    // ---- lease

    pub(super) fn lease_key(t: &TenantId, c: &ConnectionId) -> Key {
        Key::new(conn_pk(t, c), "LEASE")
    }

    fn lease_item(t: &TenantId, c: &ConnectionId, lease: &Lease) -> Item {
        let mut item = Item::new(Self::lease_key(t, c), encode(lease));
        item.version = lease.generation;
        item.owner = Some(lease.owner.clone());
        // No TTL (`expires_at`): the lease must outlive a crashed holder, so that the next
        // run finds it and marks that holder's run interrupted.
        item.lease_until = (!lease.released).then(|| lease.expires_at.timestamp());
        item
    }

    /// The connection's lease as stored (released or not).
    pub async fn lease(&self, t: &TenantId, c: &ConnectionId) -> Result<Option<Lease>, StoreError> {
        match self.store.get(&Self::lease_key(t, c)).await? {
            Some(item) => {
                let mut lease: Lease = decode(&item)?;
                lease.generation = item.version;
                Ok(Some(lease))
            }
            None => Ok(None),
        }
    }

    /// Tries to take the connection's lease for `owner`'s run until `until`: free, released
    /// or expired at `now` (by the claimant's clock). The new generation is one past the last.
    pub async fn acquire_lease(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        owner: &str,
        run_id: &RunId,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<LeaseClaim, StoreError> {
        let lease = Lease {
            owner: owner.to_string(),
            run_id: run_id.clone(),
            expires_at: until,
            generation: 0,
            released: false,
            opening: None,
        };
        self.take_lease(t, c, lease, now).await
    }

    /// [`Repo::acquire_lease`] for a run that opens with it (owned by its run id, taken at
    /// its start): the lease holds the run's [`Opening`] until the run writes its record.
    pub async fn acquire_run_lease(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        run_id: &RunId,
        opening: Opening,
        until: DateTime<Utc>,
    ) -> Result<LeaseClaim, StoreError> {
        let now = opening.started_at;
        let lease = Lease {
            owner: run_id.as_str().to_string(),
            run_id: run_id.clone(),
            expires_at: until,
            generation: 0,
            released: false,
            opening: Some(opening),
        };
        self.take_lease(t, c, lease, now).await
    }

    async fn take_lease(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        mut lease: Lease,
        now: DateTime<Utc>,
    ) -> Result<LeaseClaim, StoreError> {
        let previous = self.lease(t, c).await?;
        if let Some(p) = &previous
            && !p.released
            && p.expires_at > now
        {
            return Ok(LeaseClaim::Held);
        }
        lease.generation = previous.as_ref().map_or(1, |p| p.generation + 1);
        let condition = match &previous {
            Some(p) => Condition::LeaseExpired {
                version: p.generation,
                now: now.timestamp(),
            },
            None => Condition::NotExists,
        };
        match self
            .store
            .put(Self::lease_item(t, c, &lease), condition)
            .await
        {
            Ok(()) => Ok(LeaseClaim::Taken {
                lease,
                abandoned: previous.filter(|p| !p.released),
            }),
            Err(StoreError::ConditionFailed) => Ok(LeaseClaim::Held),
            Err(e) => Err(e),
        }
    }

    /// Extends a held lease to `until`, only while `owner = me AND generation = mine`; a lost
    /// lease fails with ConditionFailed (never re-taken: a stalled run must not come back).
    pub async fn renew_lease(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        lease: &mut Lease,
        until: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let fence = Condition::Held(lease.fence(t, c));
        let mut renewed = lease.clone();
        renewed.expires_at = until;
        self.store
            .put(Self::lease_item(t, c, &renewed), fence)
            .await?;
        *lease = renewed;
        Ok(())
    }

    /// Gives the lease back if it is still ours (a conditional write on owner and
    /// generation). It is kept as a released tombstone one generation on rather than deleted,
    /// so generations never repeat and a stale holder's fence stays broken.
    pub async fn release_lease(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        lease: &Lease,
    ) -> Result<(), StoreError> {
        let mut released = lease.clone();
        released.released = true;
        released.generation = lease.generation + 1;
        match self
            .store
            .put(
                Self::lease_item(t, c, &released),
                Condition::Held(lease.fence(t, c)),
            )
            .await
        {
            Ok(()) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Breaks whatever lease the connection has (disconnect): moves the generation on
    /// unconditionally, so a run in flight fails its next fenced write and stops.
    pub async fn break_lease(
        &self,
        t: &TenantId,
        c: &ConnectionId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let previous = self.lease(t, c).await?;
        let tombstone = Lease {
            owner: "disconnected".into(),
            run_id: previous
                .as_ref()
                .map_or_else(|| RunId::generate(now), |p| p.run_id.clone()),
            expires_at: now,
            generation: previous.map_or(1, |p| p.generation + 1),
            released: true,
            opening: None,
        };
        self.store
            .put(Self::lease_item(t, c, &tombstone), Condition::Always)
            .await
    }

    // ---- rate windows of vendor credentials

    /// Takes a slot in a credential's shared rate windows at `now_ms` (wall-clock ms: vendor
    /// limits run on real time), retrying when another run counted at the same moment.
    pub async fn admit(
        &self,
        t: &TenantId,
        slot: &crate::rate::Slot,
        now_ms: i64,
    ) -> Result<crate::rate::Admission, StoreError> {
        use crate::rate::{Admission, Ledger};
        let key = Key::new(tenant_pk(t), format!("RATE#{}", slot.credential));
        for _ in 0..16 {
            let (mut ledger, version) = match self.store.get(&key).await? {
                Some(item) => (decode::<Ledger>(&item)?, Some(item.version)),
                None => (Ledger::default(), None),
            };
            if let Err(wait) = ledger.take(slot, now_ms) {
                return Ok(Admission::Wait(wait));
            }
            let mut item = Item::new(key.clone(), encode(&ledger));
            item.version = version.map_or(1, |v| v + 1);
            // Idle credentials vanish with the table's TTL after a day.
            item.expires_at = Some(now_ms / 1000 + 86_400);
            let condition = version.map_or(Condition::NotExists, Condition::VersionIs);
            match self.store.put(item, condition).await {
                Ok(()) => return Ok(Admission::Granted),
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Unavailable(format!(
            "rate window {} kept changing",
            slot.credential
        )))
    }
}
