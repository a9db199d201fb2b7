//! Agora client. (Being written: see issue 2.)

use super::{ClientContext, VendorClient};
use crate::error::{Error, ErrorKind, Result};
use crate::model::Observation;
use async_trait::async_trait;

pub struct AgoraClient {
    _ctx: ClientContext,
}

impl AgoraClient {
    pub fn new(ctx: ClientContext) -> Result<Self> {
        Ok(Self { _ctx: ctx })
    }
}

#[async_trait]
impl VendorClient for AgoraClient {
    async fn poll(&self) -> Result<Vec<Observation>> {
        Err(Error::poll(ErrorKind::Vendor, "not implemented yet"))
    }
}
